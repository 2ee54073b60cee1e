"""Large transfers through boto3's transfer manager, and the AWS CLI's `aws s3` commands, against a
real `anneal serve` through its generated profile."""
import hashlib
import os
import subprocess
import urllib.request
import uuid

import pytest
from boto3.s3.transfer import TransferConfig

from anneal_harness import ROOT, clean_env, urlopen

MiB = 1024 * 1024
AWS = str(ROOT / ".venv" / "bin" / "aws")


def write_random(path, size, piece=8 * MiB):
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        remaining = size
        while remaining:
            block = os.urandom(min(piece, remaining))
            digest.update(block)
            out.write(block)
            remaining -= len(block)
    return digest.hexdigest()


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(8 * MiB):
            digest.update(block)
    return digest.hexdigest()


def test_transfer_manager_200_mib(server, tmp_path):
    s3 = server.client("s3", max_pool_connections=16)
    bucket = f"transfer-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    source = tmp_path / "big.bin"
    size = 200 * MiB
    expected = write_random(source, size)
    config = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB, max_concurrency=8)

    s3.upload_file(str(source), bucket, "big.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == size
    assert head["ETag"].endswith('-25"'), head["ETag"]  # 25 parts of 8 MiB: it was a multipart upload
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)

    target = tmp_path / "back.bin"
    s3.download_file(bucket, "big.bin", str(target), Config=config)  # ranged GETs in parallel
    source.unlink()
    assert target.stat().st_size == size
    assert sha256_file(target) == expected
    s3.delete_object(Bucket=bucket, Key="big.bin")


@pytest.fixture()
def aws(server):
    env = clean_env() | server.profile_env()

    def run(*args, check=True):
        out = subprocess.run([AWS, *args], env=env, capture_output=True, text=True, timeout=120)
        if check:
            assert out.returncode == 0, f"aws {' '.join(args)}:\n{out.stdout}\n{out.stderr}"
        return out

    return run


def test_aws_cli_s3_commands(aws, server, tmp_path):
    bucket = f"cli-{uuid.uuid4().hex[:12]}"
    assert aws("s3", "mb", f"s3://{bucket}").stdout.strip() == f"make_bucket: {bucket}"

    # cp up and down; 9 MiB is above the CLI's multipart threshold
    big = tmp_path / "big.bin"
    digest = write_random(big, 9 * MiB)
    aws("s3", "cp", str(big), f"s3://{bucket}/single/big.bin", "--only-show-errors")
    back = tmp_path / "big.back"
    aws("s3", "cp", f"s3://{bucket}/single/big.bin", str(back), "--only-show-errors")
    assert sha256_file(back) == digest
    etag = server.client("s3").head_object(Bucket=bucket, Key="single/big.bin")["ETag"]
    assert etag.endswith('-2"'), etag

    # a tree, recursively
    tree = tmp_path / "tree"
    files = {"a.txt": b"alpha", "sub/b.txt": b"beta" * 1000, "sub/deeper/c d.bin": os.urandom(70_000),
             "ü/ñ.txt": "unicode".encode()}
    for name, data in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(data)
    aws("s3", "cp", str(tree), f"s3://{bucket}/tree/", "--recursive", "--only-show-errors")
    down = tmp_path / "down"
    aws("s3", "cp", f"s3://{bucket}/tree/", str(down), "--recursive", "--only-show-errors")
    assert {str(p.relative_to(down)): p.read_bytes() for p in down.rglob("*") if p.is_file()} == files

    # ls
    listing = aws("s3", "ls", f"s3://{bucket}/tree/").stdout
    assert "PRE sub/" in listing and "PRE ü/" in listing and listing.rstrip().endswith("a.txt")
    recursive = aws("s3", "ls", f"s3://{bucket}", "--recursive").stdout.splitlines()
    assert sorted(line.split(None, 3)[3] for line in recursive) == sorted(
        ["single/big.bin"] + [f"tree/{name}" for name in files])
    assert bucket in aws("s3", "ls").stdout

    # sync uploads everything once, then nothing, then only what changed
    first = aws("s3", "sync", str(tree), f"s3://{bucket}/sync/", "--no-progress").stdout
    assert sorted(line.split()[0] for line in first.splitlines()) == ["upload:"] * len(files)
    assert aws("s3", "sync", str(tree), f"s3://{bucket}/sync/", "--no-progress").stdout == ""
    (tree / "sub" / "b.txt").write_bytes(b"changed, and of another size")
    third = aws("s3", "sync", str(tree), f"s3://{bucket}/sync/", "--no-progress").stdout
    assert len(third.splitlines()) == 1, third
    assert third.startswith("upload: ") and third.rstrip().endswith(f"sub/b.txt to s3://{bucket}/sync/sub/b.txt"), third

    # presign, fetched by a plain HTTP client
    url = aws("s3", "presign", f"s3://{bucket}/tree/a.txt", "--expires-in", "300").stdout.strip()
    status, _, body = urlopen(urllib.request.Request(url))
    assert status == 200 and body == b"alpha"

    # rm --recursive empties the bucket, and then rb removes it
    aws("s3", "rm", f"s3://{bucket}", "--recursive", "--only-show-errors")
    assert aws("s3", "ls", f"s3://{bucket}", "--recursive").stdout == ""
    removed = aws("s3", "rb", f"s3://{bucket}", check=False)
    assert removed.returncode == 0, removed.stderr
    assert bucket not in aws("s3", "ls").stdout
