"""kill -9 while PUTs and multipart uploads are in flight, restart on the same home: every
acknowledged object is intact, nothing listed is torn, no temporary file or orphan blob is left."""
import hashlib
import os
import random
import re
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from anneal_harness import files_under

KiB, MiB = 1024, 1024 * 1024
THREADS = 8
SHARED_KEYS = [f"shared/{i}" for i in range(6)]  # overwritten from several threads and both rounds


class Ledger:
    """What the clients sent and what the server acknowledged."""

    def __init__(self):
        self.lock = threading.Lock()
        self.issued = defaultdict(set)  # key -> sha256 of every body sent for it
        self.acked = {}                 # unique key -> sha256 of the acknowledged body
        self.acked_shared = set()       # shared keys with at least one acknowledged PUT
        self.failures = 0
        self.acks = 0
        self.multipart_acks = 0

    def issue(self, key, digest):
        with self.lock:
            self.issued[key].add(digest)

    def ack(self, key, digest, multipart=False):
        with self.lock:
            self.acks += 1
            self.multipart_acks += multipart
            if key in SHARED_KEYS:
                self.acked_shared.add(key)
            else:
                self.acked[key] = digest


def put_one(s3, bucket, key, rng, ledger):
    body = os.urandom(rng.randint(KiB, 4 * MiB))
    digest = hashlib.sha256(body).hexdigest()
    ledger.issue(key, digest)
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    ledger.ack(key, digest)


def multipart_one(s3, bucket, key, ledger):
    parts = [os.urandom(5 * MiB) for _ in range(3)]
    digest = hashlib.sha256(b"".join(parts)).hexdigest()
    ledger.issue(key, digest)
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=p)["ETag"]
             for n, p in enumerate(parts, 1)]
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]})
    ledger.ack(key, digest, multipart=True)


def worker(s3, bucket, label, index, start, stop, ledger):
    rng = random.Random(f"{label}-{index}")
    start.wait()
    count = 0
    while not stop.is_set():
        count += 1
        try:
            if index < 3 and count == 1:
                multipart_one(s3, bucket, f"{label}/multipart-{index}", ledger)
            elif rng.random() < 0.2:
                put_one(s3, bucket, rng.choice(SHARED_KEYS), rng, ledger)
            else:
                put_one(s3, bucket, f"{label}/t{index}/{count}", rng, ledger)
        except Exception:  # the server died under this request
            with ledger.lock:
                ledger.failures += 1
            return


def load_then_kill(srv, bucket, label, delay, ledger):
    start, stop = threading.Barrier(THREADS + 1), threading.Event()
    clients = [srv.client("s3", connect_timeout=2, read_timeout=20) for _ in range(THREADS)]
    acks_before, failures_before = ledger.acks, ledger.failures
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(worker, clients[i], bucket, label, i, start, stop, ledger) for i in range(THREADS)]
        start.wait()
        time.sleep(delay)
        srv.kill9()
        stop.set()
        for future in futures:
            future.result(timeout=60)
    assert ledger.acks > acks_before, f"{label}: nothing was acknowledged before the kill"
    assert ledger.failures > failures_before, f"{label}: no request was in flight at the kill"


def verify(srv, bucket, ledger):
    s3 = srv.client("s3")
    tmp = srv.home / "objects" / ".tmp"
    assert os.listdir(tmp) == [], "temporary files survived the restart"

    listed = [o for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket) for o in page.get("Contents", [])]
    sizes = {o["Key"]: o["Size"] for o in listed}
    for key, digest in ledger.acked.items():
        assert key in sizes, f"acknowledged {key} is gone after the restart"
    for key in ledger.acked_shared:
        assert key in sizes, f"acknowledged {key} is gone after the restart"
    for key, size in sizes.items():
        assert key in ledger.issued, f"{key} was never written"
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert len(body) == size, key
        digest = hashlib.sha256(body).hexdigest()
        assert digest in ledger.issued[key], f"{key} holds bytes no PUT sent (torn)"
        if key in ledger.acked:
            assert digest == ledger.acked[key], f"{key} does not hold its acknowledged bytes"

    # blobs on disk: one per object, one per part of an upload still open; nothing else
    blob_names = [p.name for p in files_under(srv.home / "objects" / bucket)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", name) for name in blob_names), blob_names
    uploads = s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    parts = sum(len(s3.list_parts(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"]).get("Parts", []))
                for u in uploads)
    assert len(blob_names) == len(sizes) + parts, (len(blob_names), len(sizes), parts)
    for upload in uploads:
        s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    assert len(files_under(srv.home / "objects" / bucket)) == len(sizes), "aborted parts left blobs behind"


def test_kill9_during_concurrent_writes(fresh_server):
    srv = fresh_server()
    bucket = f"crash-{uuid.uuid4().hex[:12]}"
    srv.client("s3").create_bucket(Bucket=bucket)
    ledger = Ledger()
    restarted = []
    try:
        for label, delay in (("round1", 2.0), ("round2", 0.8)):
            load_then_kill(srv, bucket, label, delay, ledger)
            srv = type(srv)(srv.home).start()
            restarted.append(srv)
            verify(srv, bucket, ledger)
        assert sum(1 for key in ledger.issued if "/multipart-" in key) == 6
        assert srv.healthy()
    finally:
        for server in restarted:
            server.stop(check=False)
