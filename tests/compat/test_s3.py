"""The S3 object store through the real clients: buckets, objects, conditions, copies, listings,
multipart uploads, checksums, aws-chunked bodies, presigned URLs and what lands on disk."""
import base64
import datetime
import hashlib
import hmac
import os
import re
import socket
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
import zlib

import botocore.auth
import botocore.exceptions
import pytest
from botocore.exceptions import ClientError

from anneal_harness import ROOT, checksum_b64, clean_env, files_under, s3_signed, urlopen

MiB = 1024 * 1024
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
BLOB_NAME = re.compile(r"^[0-9a-f]{32}$")


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def http_status(excinfo):
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def xml_code(body):
    return ET.fromstring(body).find(".//{*}Code").text


def md5_hex(data):
    return hashlib.md5(data).hexdigest()


def new_bucket_name(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def utf8_sorted(keys):
    return sorted(keys, key=lambda k: k.encode("utf-8"))


@pytest.fixture(scope="module")
def s3(server):
    return server.client("s3")


@pytest.fixture()
def bucket(s3):
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    return name


def exists(s3, bucket, key):
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as err:
        if err.response["Error"]["Code"] == "404":
            return False
        raise


# --- buckets ------------------------------------------------------------------------------------

def test_create_bucket_default_location_is_us_east_1(s3, server):
    assert server.region() == "us-east-1"
    name = new_bucket_name()
    created = s3.create_bucket(Bucket=name)
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert created["Location"] == f"/{name}"
    assert s3.get_bucket_location(Bucket=name).get("LocationConstraint") in (None, "")
    assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"


def test_create_bucket_with_location_constraint(s3):
    name = new_bucket_name()
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "us-west-2"
    head = s3.head_bucket(Bucket=name)
    assert head["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-west-2"


def test_create_existing_bucket(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=bucket)
    assert error_code(e) == "BucketAlreadyOwnedByYou"
    assert http_status(e) == 409


def test_head_bucket(s3, bucket):
    assert s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 200
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=new_bucket_name("missing"))
    assert error_code(e) == "404"


def test_missing_bucket_errors(s3):
    name = new_bucket_name("missing")
    with pytest.raises(ClientError) as e:
        s3.get_bucket_location(Bucket=name)
    assert error_code(e) == "NoSuchBucket" and http_status(e) == 404
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=name, Key="k", Body=b"x")
    assert error_code(e) == "NoSuchBucket"
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=name)
    assert error_code(e) == "NoSuchBucket"


def test_list_buckets(s3):
    names = [new_bucket_name("lb"), new_bucket_name("lb")]
    for name in names:
        s3.create_bucket(Bucket=name)
    listed = s3.list_buckets()
    all_names = [b["Name"] for b in listed["Buckets"]]
    assert set(names) <= set(all_names)
    assert all_names == sorted(all_names)
    assert all(isinstance(b["CreationDate"], datetime.datetime) for b in listed["Buckets"])
    assert listed["Owner"]["ID"]


def test_delete_bucket_only_when_empty(s3):
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=name)
    assert error_code(e) == "BucketNotEmpty" and http_status(e) == 409
    s3.delete_object(Bucket=name, Key="k")
    assert s3.delete_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=name)
    assert error_code(e) == "404"
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=name)
    assert error_code(e) == "NoSuchBucket"


def test_delete_bucket_with_unfinished_multipart_upload(s3):
    name = new_bucket_name()
    s3.create_bucket(Bucket=name)
    upload = s3.create_multipart_upload(Bucket=name, Key="big")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=name)
    assert error_code(e) == "BucketNotEmpty"
    s3.abort_multipart_upload(Bucket=name, Key="big", UploadId=upload)
    s3.delete_bucket(Bucket=name)
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


@pytest.mark.parametrize("name", ["ab", "UPPER", "a..b", "192.168.1.1", "-dash", "a" * 64, "bad_underscore"])
def test_invalid_bucket_names(s3, name):
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=name)
    assert error_code(e) == "InvalidBucketName"
    assert http_status(e) == 400


# --- objects ------------------------------------------------------------------------------------

def test_put_get_etag_is_md5(s3, bucket):
    data = os.urandom(100_000)
    put = s3.put_object(Bucket=bucket, Key="obj", Body=data)
    assert put["ETag"] == f'"{md5_hex(data)}"'
    got = s3.get_object(Bucket=bucket, Key="obj")
    assert got["Body"].read() == data
    assert got["ETag"] == put["ETag"]
    assert got["ContentLength"] == len(data)
    assert got["ContentType"] == "binary/octet-stream"
    # an overwrite replaces the bytes
    s3.put_object(Bucket=bucket, Key="obj", Body=b"second")
    assert s3.get_object(Bucket=bucket, Key="obj")["Body"].read() == b"second"
    # an empty object
    empty = s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    assert empty["ETag"] == f'"{md5_hex(b"")}"'
    got = s3.get_object(Bucket=bucket, Key="empty")
    assert got["Body"].read() == b"" and got["ContentLength"] == 0


@pytest.mark.parametrize("spec,start,end", [
    ("bytes=0-9", 0, 9), ("bytes=100-199", 100, 199), ("bytes=990-", 990, 999), ("bytes=-5", 995, 999),
    ("bytes=995-5000", 995, 999), ("bytes=-5000", 0, 999), ("bytes=999-999", 999, 999),
])
def test_get_range(s3, bucket, spec, start, end):
    data = os.urandom(1000)
    s3.put_object(Bucket=bucket, Key="r", Body=data)
    got = s3.get_object(Bucket=bucket, Key="r", Range=spec)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"] == f"bytes {start}-{end}/1000"
    assert got["ContentLength"] == end - start + 1
    assert got["Body"].read() == data[start:end + 1]


@pytest.mark.parametrize("spec", ["bytes=1000-", "bytes=1000-2000", "bytes=5000-6000"])
def test_get_range_out_of_range(s3, bucket, spec):
    s3.put_object(Bucket=bucket, Key="r", Body=os.urandom(1000))
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="r", Range=spec)
    assert error_code(e) == "InvalidRange"
    assert http_status(e) == 416


def test_conditional_get(s3, bucket):
    data = b"conditional"
    etag = s3.put_object(Bucket=bucket, Key="c", Body=data)["ETag"]
    modified = s3.head_object(Bucket=bucket, Key="c")["LastModified"]
    before = modified - datetime.timedelta(hours=1)
    after = modified + datetime.timedelta(hours=1)

    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == data
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c", IfMatch='"0123456789abcdef0123456789abcdef"')
    assert error_code(e) == "PreconditionFailed" and http_status(e) == 412

    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert error_code(e) == "304" and http_status(e) == 304
    assert s3.get_object(Bucket=bucket, Key="c", IfNoneMatch='"other"')["Body"].read() == data

    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=after)
    assert http_status(e) == 304
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=modified)
    assert http_status(e) == 304
    assert s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=before)["Body"].read() == data

    assert s3.get_object(Bucket=bucket, Key="c", IfUnmodifiedSince=after)["Body"].read() == data
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="c", IfUnmodifiedSince=before)
    assert error_code(e) == "PreconditionFailed" and http_status(e) == 412

    # HEAD obeys the same conditions
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert http_status(e) == 304
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="c", IfMatch='"nope"')
    assert http_status(e) == 412


def test_head_object(s3, server, bucket):
    data = os.urandom(4321)
    s3.put_object(Bucket=bucket, Key="h", Body=data, ContentType="text/plain")
    head = s3.head_object(Bucket=bucket, Key="h")
    assert head["ContentLength"] == 4321
    assert head["ETag"] == f'"{md5_hex(data)}"'
    assert head["ContentType"] == "text/plain"
    assert head["AcceptRanges"] == "bytes"
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="missing")
    assert error_code(e) == "404"
    status, _, body = server.send(s3_signed(server, "HEAD", f"/{bucket}/missing"))
    assert status == 404 and body == b""
    status, _, body = server.send(s3_signed(server, "GET", f"/{bucket}/missing"))
    assert status == 404 and xml_code(body) == "NoSuchKey"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="missing")
    assert error_code(e) == "NoSuchKey"


def test_delete_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="d", Body=b"x")
    assert s3.delete_object(Bucket=bucket, Key="d")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert not exists(s3, bucket, "d")
    # deleting what is not there still succeeds
    assert s3.delete_object(Bucket=bucket, Key="d")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.delete_object(Bucket=bucket, Key="never")["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_delete_objects(s3, bucket):
    keys = [f"batch/{i}" for i in range(10)]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    result = s3.delete_objects(Bucket=bucket, Delete={
        "Objects": [{"Key": k} for k in keys[:5] + ["batch/missing"]]})
    assert sorted(d["Key"] for d in result["Deleted"]) == sorted(keys[:5] + ["batch/missing"])
    assert not result.get("Errors")
    quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[5:8]], "Quiet": True})
    assert "Deleted" not in quiet and not quiet.get("Errors")
    left = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert left == keys[8:]


def test_copy_object_copy_and_replace(s3, bucket):
    data = os.urandom(3000)
    s3.put_object(Bucket=bucket, Key="src", Body=data, ContentType="text/csv", Metadata={"origin": "one"})
    copied = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert copied["CopyObjectResult"]["ETag"] == f'"{md5_hex(data)}"'
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Body"].read() == data
    assert got["Metadata"] == {"origin": "one"} and got["ContentType"] == "text/csv"

    # across buckets, with the metadata replaced
    other = new_bucket_name()
    s3.create_bucket(Bucket=other)
    s3.copy_object(Bucket=other, Key="dst2", CopySource={"Bucket": bucket, "Key": "src"}, MetadataDirective="REPLACE",
                   Metadata={"fresh": "two"}, ContentType="application/json")
    got = s3.get_object(Bucket=other, Key="dst2")
    assert got["Body"].read() == data
    assert got["Metadata"] == {"fresh": "two"} and got["ContentType"] == "application/json"

    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="x", CopySource={"Bucket": bucket, "Key": "missing"})
    assert error_code(e) == "NoSuchKey"


def test_copy_object_onto_itself(s3, bucket):
    s3.put_object(Bucket=bucket, Key="self", Body=b"same", Metadata={"v": "1"})
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"})
    assert error_code(e) == "InvalidRequest" and http_status(e) == 400
    s3.copy_object(Bucket=bucket, Key="self", CopySource={"Bucket": bucket, "Key": "self"}, MetadataDirective="REPLACE",
                   Metadata={"v": "2"})
    got = s3.get_object(Bucket=bucket, Key="self")
    assert got["Body"].read() == b"same" and got["Metadata"] == {"v": "2"}


def test_copy_source_with_special_characters(s3, bucket):
    key = "dir with space/ü+%#=&.bin"
    s3.put_object(Bucket=bucket, Key=key, Body=b"special")
    s3.copy_object(Bucket=bucket, Key="plain", CopySource={"Bucket": bucket, "Key": key})
    assert s3.get_object(Bucket=bucket, Key="plain")["Body"].read() == b"special"


def test_copy_source_key_with_question_mark(s3, bucket):
    """botocore sends x-amz-copy-source: bucket/q%3Fx%3D1; only a literal `?` starts a versionId."""
    s3.put_object(Bucket=bucket, Key="q?x=1", Body=b"question")
    s3.copy_object(Bucket=bucket, Key="copied", CopySource={"Bucket": bucket, "Key": "q?x=1"})
    assert s3.get_object(Bucket=bucket, Key="copied")["Body"].read() == b"question"


def test_metadata_and_standard_headers_round_trip(s3, bucket):
    meta = {"color": "blue", "mixed-case": "Value With Spaces", "n": "42"}
    s3.put_object(Bucket=bucket, Key="m", Body=b"{}", Metadata=meta, ContentType="application/json; charset=utf-8",
                  ContentEncoding="gzip", ContentDisposition='attachment; filename="a.json"',
                  CacheControl="max-age=60, public", ContentLanguage="en-GB")
    for response in (s3.get_object(Bucket=bucket, Key="m"), s3.head_object(Bucket=bucket, Key="m")):
        assert response["Metadata"] == meta
        assert response["ContentType"] == "application/json; charset=utf-8"
        assert response["ContentEncoding"] == "gzip"
        assert response["ContentDisposition"] == 'attachment; filename="a.json"'
        assert response["CacheControl"] == "max-age=60, public"
        assert response["ContentLanguage"] == "en-GB"
    # response-* overrides
    got = s3.get_object(Bucket=bucket, Key="m", ResponseContentType="text/plain", ResponseCacheControl="no-cache")
    assert got["ContentType"] == "text/plain" and got["CacheControl"] == "no-cache"


# --- listings -----------------------------------------------------------------------------------

LISTING_KEYS = [
    "a.txt", "b/1", "b/2", "b/c/3", "b/c/4", "d/e/f", "space key", "two  spaces/x", "per%cent", "%41", "plus+sign",
    "new\nline", "tab\tkey", "ünïcödé/ñ", "\U0001F600 smile", "\uff5e fullwidth", "e\u0301", "\u00e9", "~tilde",
    "Zcap", "0zero", "-dash", "a/b/../c", "q?x=1&y=2", "hash#frag", "<xml>&amp;'\"", "/leading", "a//b",
] + [f"page/{i:03d}" for i in range(30)]


@pytest.fixture(scope="module")
def listing(s3):
    name = new_bucket_name("list")
    s3.create_bucket(Bucket=name)
    for key in LISTING_KEYS:
        s3.put_object(Bucket=name, Key=key, Body=key.encode())
    return name


def expected_listing(keys, prefix="", delimiter="", after=None):
    """(keys, common prefixes) in S3's order."""
    entries = {}
    for key in keys:
        if not key.startswith(prefix):
            continue
        rest = key[len(prefix):]
        if delimiter and delimiter in rest:
            common = prefix + rest[:rest.index(delimiter) + len(delimiter)]
            entries[common] = "prefix"
        else:
            entries[key] = "key"
    ordered = utf8_sorted(entries)
    if after is not None:
        ordered = [e for e in ordered if e.encode() > after.encode()]
    return ordered, entries


def test_list_v2_full_order_is_utf8_bytes(s3, listing):
    keys, _ = expected_listing(LISTING_KEYS)
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=listing, PaginationConfig={"PageSize": 7}))
    listed = [o["Key"] for page in pages for o in page.get("Contents", [])]
    assert listed == keys
    assert len(pages) == -(-len(keys) // 7)
    assert all(page["KeyCount"] == len(page.get("Contents", [])) <= 7 for page in pages)
    assert [p["IsTruncated"] for p in pages] == [True] * (len(pages) - 1) + [False]
    # sizes and ETags are those of the stored objects
    first = pages[0]["Contents"][0]
    assert first["Size"] == len(first["Key"].encode()) and first["ETag"] == f'"{md5_hex(first["Key"].encode())}"'
    # a precomposed and a decomposed é are two keys
    assert "e\u0301" in listed and "\u00e9" in listed


def test_list_v2_prefix_and_delimiter(s3, listing):
    got = s3.list_objects_v2(Bucket=listing, Prefix="b/", Delimiter="/")
    assert [o["Key"] for o in got["Contents"]] == ["b/1", "b/2"]
    assert [p["Prefix"] for p in got["CommonPrefixes"]] == ["b/c/"]
    assert got["KeyCount"] == 3

    got = s3.list_objects_v2(Bucket=listing, Delimiter="/")
    ordered, kinds = expected_listing(LISTING_KEYS, delimiter="/")
    assert [o["Key"] for o in got["Contents"]] == [e for e in ordered if kinds[e] == "key"]
    assert [p["Prefix"] for p in got["CommonPrefixes"]] == [e for e in ordered if kinds[e] == "prefix"]
    assert "/" in [p["Prefix"] for p in got["CommonPrefixes"]]  # "/leading" and "a//b" group under "/" and "a/"

    got = s3.list_objects_v2(Bucket=listing, Prefix="page/01")
    assert [o["Key"] for o in got["Contents"]] == [f"page/{i:03d}" for i in range(10, 20)]
    assert "CommonPrefixes" not in got
    assert s3.list_objects_v2(Bucket=listing, Prefix="nothing-here")["KeyCount"] == 0


def test_list_v2_delimiter_paging(s3, listing):
    ordered, kinds = expected_listing(LISTING_KEYS, delimiter="/")
    seen = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=listing, Delimiter="/", PaginationConfig={"PageSize": 2}):
        entries = [o["Key"] for o in page.get("Contents", [])] + [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        assert len(entries) <= 2
        seen.extend(entries)
    assert utf8_sorted(seen) == ordered and len(seen) == len(ordered)


def test_list_v2_max_keys_and_continuation(s3, listing):
    keys, _ = expected_listing(LISTING_KEYS)
    first = s3.list_objects_v2(Bucket=listing, MaxKeys=3)
    assert [o["Key"] for o in first["Contents"]] == keys[:3]
    assert first["IsTruncated"] and first["MaxKeys"] == 3
    second = s3.list_objects_v2(Bucket=listing, MaxKeys=3, ContinuationToken=first["NextContinuationToken"])
    assert [o["Key"] for o in second["Contents"]] == keys[3:6]
    assert second["ContinuationToken"] == first["NextContinuationToken"]
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=listing, ContinuationToken="not a token!")
    assert error_code(e) == "InvalidArgument"


def test_list_v2_start_after(s3, listing):
    keys, _ = expected_listing(LISTING_KEYS)
    got = s3.list_objects_v2(Bucket=listing, StartAfter="b/c/3")
    assert [o["Key"] for o in got["Contents"]] == [k for k in keys if k.encode() > b"b/c/3"]
    got = s3.list_objects_v2(Bucket=listing, StartAfter="page/", Prefix="page/", MaxKeys=2)
    assert [o["Key"] for o in got["Contents"]] == ["page/000", "page/001"]
    # a StartAfter that is not a key
    got = s3.list_objects_v2(Bucket=listing, StartAfter="page/0145")
    assert got["Contents"][0]["Key"] == "page/015"


def test_list_v2_encoding_type_url(s3, listing):
    # boto3 asks for url encoding by default and decodes the answer
    listed = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=listing) for o in page["Contents"]]
    assert set(listed) == set(LISTING_KEYS)
    # asked for explicitly, botocore leaves the keys encoded: check the encoding itself
    got = s3.list_objects_v2(Bucket=listing, EncodingType="url", Prefix="new")
    assert got["EncodingType"] == "url"
    assert [o["Key"] for o in got["Contents"]] == ["new%0Aline"]
    got = s3.list_objects_v2(Bucket=listing, EncodingType="url")
    raw = [o["Key"] for o in got["Contents"]]
    assert [urllib.parse.unquote_plus(k) for k in raw] == expected_listing(LISTING_KEYS)[0]
    assert "plus%2Bsign" in raw and "per%25cent" in raw
    assert all(" " not in k and "\n" not in k for k in raw)
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=listing, EncodingType="base64")
    assert error_code(e) == "InvalidArgument"


def test_list_v2_raw_xml_without_encoding(server, listing):
    status, _, body = server.send(s3_signed(server, "GET", f"/{listing}?list-type=2&prefix=%3Cxml"))
    assert status == 200
    keys = [k.text for k in ET.fromstring(body).findall(".//{*}Key")]
    assert keys == ["<xml>&amp;'\""]


def test_list_v1_marker_paging(s3, listing):
    keys, _ = expected_listing(LISTING_KEYS)
    first = s3.list_objects(Bucket=listing, MaxKeys=5)
    assert [o["Key"] for o in first["Contents"]] == keys[:5] and first["IsTruncated"]
    second = s3.list_objects(Bucket=listing, MaxKeys=5, Marker=first["Contents"][-1]["Key"])
    assert [o["Key"] for o in second["Contents"]] == keys[5:10]
    assert second["Marker"] == keys[4]
    pages = list(s3.get_paginator("list_objects").paginate(Bucket=listing, PaginationConfig={"PageSize": 9}))
    assert [o["Key"] for p in pages for o in p["Contents"]] == keys
    assert len(pages) == -(-len(keys) // 9)


def test_list_v1_delimiter_next_marker(s3, listing):
    ordered, _ = expected_listing(LISTING_KEYS, delimiter="/")
    seen = []
    marker = ""
    while True:
        page = s3.list_objects(Bucket=listing, Delimiter="/", MaxKeys=4, Marker=marker)
        seen += [o["Key"] for o in page.get("Contents", [])] + [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        if not page["IsTruncated"]:
            break
        marker = page["NextMarker"]
    assert utf8_sorted(seen) == ordered and len(seen) == len(ordered)


# --- multipart ----------------------------------------------------------------------------------

def multipart_etag(parts):
    return '"%s-%d"' % (hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest(), len(parts))


def test_multipart_upload(s3, bucket):
    source = os.urandom(6 * MiB)
    s3.put_object(Bucket=bucket, Key="source", Body=source)
    part1 = os.urandom(5 * MiB)
    part3 = os.urandom(1234)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ContentType="text/plain", Metadata={"kind": "multi"})
    uid = upload["UploadId"]
    assert upload["Bucket"] == bucket and upload["Key"] == "mp"

    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("mp", uid)]

    e1 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=part1)["ETag"]
    assert e1 == f'"{md5_hex(part1)}"'
    copy = s3.upload_part_copy(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=2,
                               CopySource={"Bucket": bucket, "Key": "source"},
                               CopySourceRange=f"bytes=100-{100 + 5 * MiB - 1}")
    part2 = source[100:100 + 5 * MiB]
    e2 = copy["CopyPartResult"]["ETag"]
    assert e2 == f'"{md5_hex(part2)}"'
    e3 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=3, Body=part3)["ETag"]

    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid)
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed["Parts"]] == [
        (1, e1, 5 * MiB), (2, e2, 5 * MiB), (3, e3, 1234)]
    paged = s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid, MaxParts=2)
    assert [p["PartNumber"] for p in paged["Parts"]] == [1, 2] and paged["IsTruncated"]
    rest = s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid, PartNumberMarker=paged["NextPartNumberMarker"])
    assert [p["PartNumber"] for p in rest["Parts"]] == [3]

    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}, {"PartNumber": 3, "ETag": e3}]})
    assert done["ETag"] == multipart_etag([part1, part2, part3])
    got = s3.get_object(Bucket=bucket, Key="mp")
    assert got["ETag"] == done["ETag"]
    assert got["ContentType"] == "text/plain" and got["Metadata"] == {"kind": "multi"}
    assert hashlib.sha256(got["Body"].read()).digest() == hashlib.sha256(part1 + part2 + part3).digest()
    assert s3.get_object(Bucket=bucket, Key="mp", Range=f"bytes={5 * MiB - 2}-{5 * MiB + 1}")["Body"].read() == \
        (part1 + part2)[5 * MiB - 2:5 * MiB + 2]
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid)
    assert error_code(e) == "NoSuchUpload"


def test_multipart_skipping_and_replacing_parts(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="skip")["UploadId"]
    a, b, c = os.urandom(5 * MiB), os.urandom(100), os.urandom(200)
    ea = s3.upload_part(Bucket=bucket, Key="skip", UploadId=uid, PartNumber=2, Body=os.urandom(5 * MiB))["ETag"]
    ea = s3.upload_part(Bucket=bucket, Key="skip", UploadId=uid, PartNumber=2, Body=a)["ETag"]  # replaces
    s3.upload_part(Bucket=bucket, Key="skip", UploadId=uid, PartNumber=5, Body=b)
    ec = s3.upload_part(Bucket=bucket, Key="skip", UploadId=uid, PartNumber=9, Body=c)["ETag"]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="skip", UploadId=uid, MultipartUpload={"Parts": [
        {"PartNumber": 2, "ETag": ea}, {"PartNumber": 9, "ETag": ec}]})
    assert done["ETag"] == multipart_etag([a, c])
    assert s3.get_object(Bucket=bucket, Key="skip")["Body"].read() == a + c


def test_multipart_abort(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="ab")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="ab", UploadId=uid, PartNumber=1, Body=b"x" * 1000)
    assert s3.abort_multipart_upload(Bucket=bucket, Key="ab", UploadId=uid)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="ab", UploadId=uid)
    assert error_code(e) == "NoSuchUpload" and http_status(e) == 404
    assert not exists(s3, bucket, "ab")
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_list_multipart_uploads_prefix_and_paging(s3, bucket):
    ids = {}
    for key in ["u/1", "u/2", "u/3", "v/1"]:
        ids[key] = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    got = s3.list_multipart_uploads(Bucket=bucket, Prefix="u/")
    assert [(u["Key"], u["UploadId"]) for u in got["Uploads"]] == [(k, ids[k]) for k in ["u/1", "u/2", "u/3"]]
    first = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=2)
    assert [u["Key"] for u in first["Uploads"]] == ["u/1", "u/2"] and first["IsTruncated"]
    rest = s3.list_multipart_uploads(Bucket=bucket, KeyMarker=first["NextKeyMarker"],
                                     UploadIdMarker=first["NextUploadIdMarker"])
    assert [u["Key"] for u in rest["Uploads"]] == ["u/3", "v/1"]
    for key, uid in ids.items():
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid)


def test_multipart_errors(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="err")["UploadId"]
    small1, small2 = os.urandom(1024), os.urandom(1024)
    e1 = s3.upload_part(Bucket=bucket, Key="err", UploadId=uid, PartNumber=1, Body=small1)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="err", UploadId=uid, PartNumber=2, Body=small2)["ETag"]

    for number in (0, 10001):
        with pytest.raises(ClientError) as e:
            s3.upload_part(Bucket=bucket, Key="err", UploadId=uid, PartNumber=number, Body=b"x")
        assert error_code(e) == "InvalidArgument" and http_status(e) == 400

    def complete(parts):
        with pytest.raises(ClientError) as e:
            s3.complete_multipart_upload(Bucket=bucket, Key="err", UploadId=uid, MultipartUpload={"Parts": parts})
        assert http_status(e) == 400
        return error_code(e)

    assert complete([{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]) == "InvalidPartOrder"
    assert complete([{"PartNumber": 1, "ETag": e1}, {"PartNumber": 1, "ETag": e1}]) == "InvalidPartOrder"
    assert complete([{"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]) == "InvalidPart"
    assert complete([{"PartNumber": 1, "ETag": e1}, {"PartNumber": 7, "ETag": e2}]) == "InvalidPart"
    assert complete([{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]) == "EntityTooSmall"
    assert not exists(s3, bucket, "err")
    # the upload survives failed completions; a single small part is a valid last part
    done = s3.complete_multipart_upload(Bucket=bucket, Key="err", UploadId=uid,
                                        MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2}]})
    assert done["ETag"] == multipart_etag([small2])
    assert s3.get_object(Bucket=bucket, Key="err")["Body"].read() == small2

    for call in (
        lambda: s3.upload_part(Bucket=bucket, Key="err", UploadId=uid, PartNumber=3, Body=b"late"),
        lambda: s3.upload_part(Bucket=bucket, Key="err", UploadId="nosuchupload", PartNumber=1, Body=b"x"),
        lambda: s3.complete_multipart_upload(Bucket=bucket, Key="err", UploadId=uid,
                                             MultipartUpload={"Parts": [{"PartNumber": 2, "ETag": e2}]}),
        lambda: s3.abort_multipart_upload(Bucket=bucket, Key="err", UploadId="nosuchupload"),
        lambda: s3.list_parts(Bucket=bucket, Key="other-key", UploadId=uid),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e) == "NoSuchUpload" and http_status(e) == 404


def test_upload_part_copy_bad_range(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    uid = s3.create_multipart_upload(Bucket=bucket, Key="pc")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=bucket, Key="pc", UploadId=uid, PartNumber=1, CopySource={"Bucket": bucket, "Key": "src"},
                            CopySourceRange="bytes=5-20")
    assert error_code(e) == "InvalidRange"
    copy = s3.upload_part_copy(Bucket=bucket, Key="pc", UploadId=uid, PartNumber=1,
                               CopySource={"Bucket": bucket, "Key": "src"}, CopySourceRange="bytes=2-5")
    s3.complete_multipart_upload(Bucket=bucket, Key="pc", UploadId=uid, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": copy["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="pc")["Body"].read() == b"2345"


# --- checksums and digests ------------------------------------------------------------------------

@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"])
def test_checksum_algorithms_with_boto3(s3, bucket, algorithm):
    data = os.urandom(70_000)
    try:
        put = s3.put_object(Bucket=bucket, Key="ck", Body=data, ChecksumAlgorithm=algorithm)
    except botocore.exceptions.MissingDependencyException as err:
        pytest.skip(f"botocore refuses {algorithm} without awscrt ({err}); covered by the raw-request test")
    expected = checksum_b64(algorithm, data)
    assert put[f"Checksum{algorithm}"] == expected
    got = s3.get_object(Bucket=bucket, Key="ck", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got[f"Checksum{algorithm}"] == expected
    head = s3.head_object(Bucket=bucket, Key="ck", ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == expected
    # without ChecksumMode the checksum is not sent
    assert f"Checksum{algorithm}" not in s3.head_object(Bucket=bucket, Key="ck")


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"])
def test_checksum_header_raw(server, s3, bucket, algorithm):
    """Every algorithm, with the value computed here (botocore needs awscrt for CRC32C and CRC64NVME)."""
    data = os.urandom(5000)
    value = checksum_b64(algorithm, data)
    header = f"x-amz-checksum-{algorithm.lower()}"
    status, headers, body = server.send(s3_signed(server, "PUT", f"/{bucket}/raw", body=data, headers={header: value}))
    assert status == 200, body
    assert {k.lower(): v for k, v in headers.items()}[header] == value
    status, headers, body = server.send(s3_signed(server, "GET", f"/{bucket}/raw", headers={"x-amz-checksum-mode": "ENABLED"}))
    assert status == 200 and body == data
    assert {k.lower(): v for k, v in headers.items()}[header] == value
    got = s3.get_object(Bucket=bucket, Key="raw", ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == value and got["Body"].read() == data

    # the wrong value for this algorithm: BadDigest, and the object stays as it was
    wrong = checksum_b64(algorithm, data + b"!")
    status, _, body = server.send(s3_signed(server, "PUT", f"/{bucket}/raw", body=b"new" + data, headers={header: wrong}))
    assert status == 400 and xml_code(body) == "BadDigest"
    assert s3.get_object(Bucket=bucket, Key="raw")["Body"].read() == data
    status, _, body = server.send(s3_signed(server, "PUT", f"/{bucket}/never", body=data, headers={header: wrong}))
    assert status == 400 and xml_code(body) == "BadDigest"
    assert not exists(s3, bucket, "never")


def test_wrong_crc32_header_is_bad_digest(server, s3, bucket):
    data = b"the real bytes" * 100
    s3.put_object(Bucket=bucket, Key="crc", Body=b"old version")
    wrong = base64.b64encode((zlib.crc32(data) ^ 1).to_bytes(4, "big")).decode()
    status, _, body = server.send(s3_signed(server, "PUT", f"/{bucket}/crc", body=data,
                                            headers={"x-amz-checksum-crc32": wrong}))
    assert status == 400 and xml_code(body) == "BadDigest"
    assert s3.get_object(Bucket=bucket, Key="crc")["Body"].read() == b"old version"


def test_content_md5(s3, bucket):
    data = b"content-md5 checked"
    good = base64.b64encode(hashlib.md5(data).digest()).decode()
    s3.put_object(Bucket=bucket, Key="md5", Body=data, ContentMD5=good)
    assert s3.get_object(Bucket=bucket, Key="md5")["Body"].read() == data

    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="md5", Body=b"replacement", ContentMD5=wrong)
    assert error_code(e) == "BadDigest" and http_status(e) == 400
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="md5-new", Body=b"replacement", ContentMD5=wrong)
    assert error_code(e) == "BadDigest"
    assert not exists(s3, bucket, "md5-new")

    for malformed in ("not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(ClientError) as e:
            s3.put_object(Bucket=bucket, Key="md5", Body=b"replacement", ContentMD5=malformed)
        assert error_code(e) == "InvalidDigest" and http_status(e) == 400
    assert s3.get_object(Bucket=bucket, Key="md5")["Body"].read() == data


def test_wrong_content_sha256(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="sha", Body=b"old")
    for key in ("sha", "sha-new"):
        status, _, body = server.send(s3_signed(server, "PUT", f"/{bucket}/{key}", body=b"payload",
                                                headers={"x-amz-content-sha256": hashlib.sha256(b"other").hexdigest()}))
        assert status == 400 and xml_code(body) == "XAmzContentSHA256Mismatch"
    assert s3.get_object(Bucket=bucket, Key="sha")["Body"].read() == b"old"
    assert not exists(s3, bucket, "sha-new")
    # the same request with the right digest is accepted
    status, _, _ = server.send(s3_signed(server, "PUT", f"/{bucket}/sha", body=b"payload"))
    assert status == 200
    assert s3.get_object(Bucket=bucket, Key="sha")["Body"].read() == b"payload"


# --- aws-chunked --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tls_s3(tls_server):
    client = tls_server.client("s3")
    seen = []
    client.meta.events.register("before-send.s3.*", lambda request, **_: seen.append(dict(request.headers)))
    client.seen = seen
    return client


def header(headers, name):
    value = {k.lower(): v for k, v in headers.items()}.get(name.lower())
    return value.decode() if isinstance(value, bytes) else value


def test_tls_put_get_sends_unsigned_trailer(tls_s3):
    bucket = new_bucket_name()
    tls_s3.create_bucket(Bucket=bucket)
    data = os.urandom(300_000)
    tls_s3.seen.clear()
    put = tls_s3.put_object(Bucket=bucket, Key="chunked", Body=data)
    sent = tls_s3.seen[-1]
    assert header(sent, "x-amz-content-sha256") == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert header(sent, "x-amz-trailer") == "x-amz-checksum-crc32"
    assert "aws-chunked" in header(sent, "Content-Encoding")
    assert put["ETag"] == f'"{md5_hex(data)}"'
    assert put["ChecksumCRC32"] == checksum_b64("CRC32", data)
    got = tls_s3.get_object(Bucket=bucket, Key="chunked", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got["ChecksumCRC32"] == checksum_b64("CRC32", data)
    assert "ContentEncoding" not in got  # aws-chunked describes the transfer, not the object
    # with SHA256 in the trailer, and with a content encoding that is kept
    put = tls_s3.put_object(Bucket=bucket, Key="sha", Body=data, ChecksumAlgorithm="SHA256", ContentEncoding="gzip")
    assert header(tls_s3.seen[-1], "x-amz-trailer") == "x-amz-checksum-sha256"
    got = tls_s3.get_object(Bucket=bucket, Key="sha", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got["ChecksumSHA256"] == checksum_b64("SHA256", data) and got["ContentEncoding"] == "gzip"


def test_tls_multipart_upload(tls_s3):
    bucket = new_bucket_name()
    tls_s3.create_bucket(Bucket=bucket)
    parts = [os.urandom(5 * MiB), os.urandom(777)]
    uid = tls_s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32")["UploadId"]
    etags = []
    for number, part in enumerate(parts, 1):
        tls_s3.seen.clear()
        reply = tls_s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=number, Body=part,
                                   ChecksumAlgorithm="CRC32")
        assert header(tls_s3.seen[-1], "x-amz-content-sha256") == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
        assert reply["ChecksumCRC32"] == checksum_b64("CRC32", part)
        etags.append(reply["ETag"])
    done = tls_s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={"Parts": [
        {"PartNumber": n, "ETag": e, "ChecksumCRC32": checksum_b64("CRC32", p)}
        for n, (e, p) in enumerate(zip(etags, parts), 1)]})
    assert done["ETag"] == multipart_etag(parts)
    assert tls_s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"".join(parts)


def signing_key(secret, date, region, service):
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signed_streaming_put(server, path, data, chunk_size=64 * 1024, tamper=None):
    """A STREAMING-AWS4-HMAC-SHA256-PAYLOAD request built by hand: the seed signature over the
    headers, then each chunk signed with the previous signature. Returns (status, headers, body)."""
    chunks = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)] + [b""]
    encoded_length = sum(len(f"{len(c):x};chunk-signature=") + 64 + 2 + len(c) + 2 for c in chunks)
    prepared = s3_signed(server, "PUT", path, body=b"\0" * encoded_length, headers={
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "x-amz-decoded-content-length": str(len(data)),
        "Content-Encoding": "aws-chunked",
        "Content-Type": "application/octet-stream",
    })
    seed = re.search(r"Signature=([0-9a-f]{64})", prepared.headers["Authorization"]).group(1)
    amz_date = prepared.headers["X-Amz-Date"]
    region = server.region()
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    key = signing_key(server.admin_keys()[1], amz_date[:8], region, "s3")
    previous, body = seed, bytearray()
    for chunk in chunks:
        to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, EMPTY_SHA256,
                             hashlib.sha256(chunk).hexdigest()])
        previous = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        body += f"{len(chunk):x};chunk-signature={previous}\r\n".encode() + chunk + b"\r\n"
    assert len(body) == encoded_length
    if tamper is not None:
        tamper(body)
    headers = {k: v for k, v in prepared.headers.items()}
    request = urllib.request.Request(prepared.url, data=bytes(body), method="PUT", headers=headers)
    return urlopen(request, timeout=20)


def test_signed_streaming_payload(server, s3, bucket):
    data = os.urandom(150_000)  # two full 64 KiB chunks and a short one
    status, headers, body = signed_streaming_put(server, f"/{bucket}/streamed", data)
    assert status == 200, body
    assert header(headers, "ETag") == f'"{md5_hex(data)}"'
    got = s3.get_object(Bucket=bucket, Key="streamed")
    assert got["Body"].read() == data
    assert "ContentEncoding" not in got


def test_signed_streaming_payload_tampered(server, s3, bucket):
    data = os.urandom(150_000)
    header_length = len(f"{64 * 1024:x};chunk-signature=") + 64 + 2
    def flip(offset):
        def tamper(body):
            body[offset] ^= 0x01
        return tamper

    for key, offset in (("tampered1", header_length + 10), ("tampered2", 2 * header_length + 64 * 1024 + 2 + 5000)):
        status, _, body = signed_streaming_put(server, f"/{bucket}/{key}", data, tamper=flip(offset))
        assert status == 403, body
        assert xml_code(body) == "SignatureDoesNotMatch"
        assert not exists(s3, bucket, key)
    # a tampered chunk signature fails the same way
    def other_hex_digit(body):
        at = len("10000;chunk-signature=") + 3
        body[at] = ord("0") if body[at] != ord("0") else ord("1")

    status, _, body = signed_streaming_put(server, f"/{bucket}/tampered3", data, tamper=other_hex_digit)
    assert status == 403 and xml_code(body) == "SignatureDoesNotMatch"
    assert not exists(s3, bucket, "tampered3")


def unsigned_trailer_put(server, path, data, trailer_value, chunk_size=64 * 1024):
    chunks = [data[i:i + chunk_size] for i in range(0, len(data), chunk_size)]
    body = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks)
    body += f"0\r\nx-amz-checksum-crc32:{trailer_value}\r\n\r\n".encode()
    prepared = s3_signed(server, "PUT", path, body=body, headers={
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "x-amz-decoded-content-length": str(len(data)),
        "x-amz-trailer": "x-amz-checksum-crc32", "Content-Encoding": "aws-chunked"})
    return server.send(prepared)


def test_unsigned_trailer_checksum_is_verified(server, s3, bucket):
    data = os.urandom(100_000)
    status, _, body = unsigned_trailer_put(server, f"/{bucket}/trailer", data, checksum_b64("CRC32", data))
    assert status == 200, body
    assert s3.get_object(Bucket=bucket, Key="trailer")["Body"].read() == data
    status, _, body = unsigned_trailer_put(server, f"/{bucket}/trailer", b"new" + data, checksum_b64("CRC32", data))
    assert status == 400 and xml_code(body) == "BadDigest"
    assert s3.get_object(Bucket=bucket, Key="trailer")["Body"].read() == data


# --- presigned URLs -----------------------------------------------------------------------------

def curl(*args):
    out = subprocess.run(["curl", "-sS", "-w", "%{http_code}", *args], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return int(out.stdout[-3:])


def test_presigned_get(server, s3, bucket, tmp_path):
    data = os.urandom(20_000)
    s3.put_object(Bucket=bucket, Key="pre get", Body=data)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "pre get"}, ExpiresIn=300)
    status, _, body = server.send_url(url)
    assert status == 200 and body == data
    target = tmp_path / "down.bin"
    assert curl("-o", str(target), url) == 200
    assert target.read_bytes() == data
    # response-* overrides are part of the signed URL
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "pre get",
                                                          "ResponseContentType": "text/plain"}, ExpiresIn=300)
    status, headers, body = server.send_url(url)
    assert status == 200 and header(headers, "Content-Type") == "text/plain"
    # a URL changed after signing is refused
    status, _, body = server.send_url(url.replace("/pre%20get?", "/other?"))
    assert status == 403 and xml_code(body) == "SignatureDoesNotMatch"


def test_presigned_put(server, s3, bucket, tmp_path):
    """generate_presigned_url("put_object") puts X-Amz-* in the query of a PUT."""
    data = os.urandom(20_000)
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "pre put"}, ExpiresIn=300)
    status, _, body = urlopen(urllib.request.Request(url, data=data, method="PUT"))
    assert status == 200, body
    assert s3.get_object(Bucket=bucket, Key="pre put")["Body"].read() == data
    source = tmp_path / "up.bin"
    source.write_bytes(data[::-1])
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "curl"}, ExpiresIn=300)
    assert curl("-o", "/dev/null", "-T", str(source), url) == 200
    assert s3.get_object(Bucket=bucket, Key="curl")["Body"].read() == data[::-1]


def test_aws_cli_presign(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="cli presign.txt", Body=b"via the cli")
    env = clean_env() | server.profile_env()
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "aws"), "s3", "presign", f"s3://{bucket}/cli presign.txt",
                          "--expires-in", "120"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    status, _, body = server.send_url(out.stdout.strip())
    assert status == 200 and body == b"via the cli"


def test_presigned_expired(server, s3, bucket, python_signers):
    s3.put_object(Bucket=bucket, Key="old", Body=b"x")
    past = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(minutes=10)
    python_signers.setattr(botocore.auth, "get_current_datetime", lambda: past)
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "old"}, ExpiresIn=60)
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "late"}, ExpiresIn=60)
    python_signers.undo()
    status, _, body = server.send_url(get_url)
    assert status == 403 and xml_code(body) == "AccessDenied"
    status, _, body = urlopen(urllib.request.Request(put_url, data=b"late", method="PUT"))
    assert status == 403 and xml_code(body) == "AccessDenied"
    assert not exists(s3, bucket, "late")


# --- what lands on disk ---------------------------------------------------------------------------

SAFETY_KEYS = [
    "..", "../x", "a/../b", "a//b", "//", "100%", "%2e%2e/%2f", "../../etc/passwd", "../../../../../../tmp/escaped",
    "/leading", "/../../abs", "./.", "ünïcödé/文字/🎉", "back\\slash\\..\\..\\x", "k" * 1024, "é" * 512, "\x01ctl",
]


def test_storage_safety(fresh_server, tmp_path):
    srv = fresh_server()
    s3 = srv.client("s3")
    bucket = new_bucket_name("safe")
    s3.create_bucket(Bucket=bucket)
    outside_before = {p for p in files_under(srv.home) if p.parts[0] != "objects"}
    escaped_before = os.path.exists("/tmp/escaped")
    for key in SAFETY_KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    for key in SAFETY_KEYS:
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == key.encode(), key
    listed = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket) for o in p["Contents"]]
    assert listed == utf8_sorted(SAFETY_KEYS)

    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b"too long")
    assert error_code(e) == "KeyTooLongError" and http_status(e) == 400
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="é" * 512 + "x", Body=b"too long in bytes")
    assert error_code(e) == "KeyTooLongError"

    sqlite_scratch = {"anneal.db-wal", "anneal.db-shm", "anneal.db-journal"}
    outside_after = {p for p in files_under(srv.home) if p.parts[0] != "objects"}
    assert {str(p) for p in outside_after - outside_before} <= sqlite_scratch
    assert not any(p.name in ("passwd", "escaped", "x", "abs") for p in files_under(tmp_path))
    assert os.path.exists("/tmp/escaped") == escaped_before
    blobs = files_under(srv.home / "objects" / bucket)
    assert len(blobs) == len(SAFETY_KEYS)
    for blob in blobs:
        assert BLOB_NAME.match(blob.name), blob
        assert len(blob.parts) == 2 and blob.parts[0] == blob.name[:2], blob
    # nothing else under objects/: no stray temporary file, no path built from a key
    assert {p.parts[0] for p in files_under(srv.home / "objects")} == {bucket}


def test_truncated_upload_leaves_nothing(server, s3, bucket):
    tmp = server.home / "objects" / ".tmp"
    before = set(os.listdir(tmp))
    size = MiB
    prepared = s3_signed(server, "PUT", f"/{bucket}/truncated", headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    path = urllib.parse.urlsplit(prepared.url).path
    lines = [f"PUT {path} HTTP/1.1", f"Host: {urllib.parse.urlsplit(prepared.url).netloc}"]
    lines += [f"{k}: {v}" for k, v in prepared.headers.items() if k.lower() != "content-length"]
    lines += [f"Content-Length: {size}", "", ""]
    host, port = server.host_port
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall("\r\n".join(lines).encode() + os.urandom(size // 2))
        # the upload is in progress: a temporary file holds what arrived so far
        deadline = time.time() + 5
        while time.time() < deadline and not set(os.listdir(tmp)) - before:
            time.sleep(0.02)
        assert set(os.listdir(tmp)) - before, "no temporary file while the body was streaming in"
    deadline = time.time() + 5
    while time.time() < deadline and set(os.listdir(tmp)) - before:
        time.sleep(0.05)
    assert set(os.listdir(tmp)) - before == set()
    assert not exists(s3, bucket, "truncated")
    assert server.healthy()
