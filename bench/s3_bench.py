"""bench/s3: PUT and GET of one large object through the S3 API with curl (signed headers made by
botocore, UNSIGNED-PAYLOAD so the client does no hashing; GET through a presigned URL), beside
`cp` of the same file (and `cp` + fsync, since a PUT is acknowledged only once its bytes are
fsynced, and `dd conv=fsync`, a user-space write plus fsync, which is what any server must do with
an upload) in the same run; medians of the rounds. GET is timed into a file and into /dev/null (the
server's own rate, curl's writes aside). Also the server's peak resident memory (VmHWM).

Targets (issue 3): at least 70% of cp's throughput both ways, peak server memory under 64 MiB."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "compat"))
from anneal_harness import AnnealServer  # noqa: E402


def timed(cmd):
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def peak_rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.smoke:
        args.size_mib, args.rounds = 32, 1

    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_DIR", "/var/tmp")) as tmp:
        tmp = Path(tmp)
        source = tmp / "source.bin"
        with open(source, "wb") as out:
            for _ in range(args.size_mib):
                out.write(os.urandom(1 << 20))
        size = source.stat().st_size
        srv = AnnealServer(tmp / "home", extra_args=["--log-level", "warning"]).start()
        try:
            s3 = srv.client("s3")
            s3.create_bucket(Bucket="bench")
            start_rss = peak_rss_mib(srv.proc.pid)
            results = {"cp": [], "cp+fsync": [], "dd+fsync": [], "put": [], "get": [], "get-null": []}
            for index in range(args.rounds):
                copy = tmp / f"copy{index}.bin"
                results["cp"].append(timed(["cp", str(source), str(copy)]))
                copy.unlink()
                results["cp+fsync"].append(timed(["sh", "-c", f"cp {source} {copy} && sync {copy}"]))
                copy.unlink()
                # What any server must do with an upload: write the bytes from user space and fsync.
                results["dd+fsync"].append(timed(["dd", f"if={source}", f"of={copy}", "bs=1M", "conv=fsync", "status=none"]))
                copy.unlink()

                prepared = srv.signed("PUT", path=f"/bench/object{index}", service="s3",
                                      headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD",
                                               "Content-Length": str(size)})
                headers = []
                for name, value in prepared.headers.items():
                    if name.lower() not in ("content-length",):
                        headers += ["-H", f"{name}: {value}"]
                results["put"].append(timed(["curl", "-sf", "-X", "PUT", "-T", str(source), *headers,
                                             "-H", "Expect:", prepared.url]))
                url = s3.generate_presigned_url("get_object", Params={"Bucket": "bench", "Key": f"object{index}"},
                                                ExpiresIn=600)
                target = tmp / f"download{index}.bin"
                results["get"].append(timed(["curl", "-sf", "-o", str(target), url]))
                results["get-null"].append(timed(["curl", "-sf", "-o", "/dev/null", url]))
                if target.stat().st_size != size:
                    raise SystemExit(f"bench/s3: downloaded {target.stat().st_size} bytes, expected {size}")
                if index == 0 and subprocess.run(["cmp", "-s", str(source), str(target)]).returncode != 0:
                    raise SystemExit("bench/s3: the downloaded object differs from the uploaded file")
                target.unlink()
                s3.delete_object(Bucket="bench", Key=f"object{index}")
            peak = peak_rss_mib(srv.proc.pid)
        finally:
            srv.stop()

    def rate(name):
        return size / (1 << 20) / statistics.median(results[name])

    print(f"bench/s3: {args.size_mib} MiB object, {args.rounds} round(s), medians; client curl, server release build")
    print(f"{'transfer':<36} {'MiB/s':>8} {'seconds':>8}")
    for name, label in (("cp", "cp (in-kernel copy, baseline)"), ("cp+fsync", "cp + fsync"),
                        ("dd+fsync", "dd from user space + fsync"),
                        ("put", "S3 PutObject (fsynced before 200)"), ("get", "S3 GetObject to a file"),
                        ("get-null", "S3 GetObject to /dev/null")):
        print(f"{label:<36} {rate(name):>8.0f} {statistics.median(results[name]):>8.2f}")
    print(f"PUT / cp: {rate('put') / rate('cp'):.2f}   PUT / (cp + fsync): {rate('put') / rate('cp+fsync'):.2f}   "
          f"PUT / (dd + fsync): {rate('put') / rate('dd+fsync'):.2f}")
    print(f"GET / cp: {rate('get') / rate('cp'):.2f}   GET to /dev/null / cp: {rate('get-null') / rate('cp'):.2f}")
    print(f"server peak RSS: {peak:.1f} MiB (at start {start_rss:.1f} MiB)")
    for label, ok in (("PUT >= 70% of cp", rate("put") >= 0.7 * rate("cp")),
                      ("GET >= 70% of cp (client not the bottleneck: to /dev/null)", rate("get-null") >= 0.7 * rate("cp")),
                      ("peak RSS < 64 MiB", peak < 64)):
        print(f"target {label:<28} {'met' if ok else 'NOT met'}")
    print(f"note: the ETag of a PUT is an MD5 of the body; `openssl speed md5` bounds any single-stream PUT here "
          f"(see the README).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
