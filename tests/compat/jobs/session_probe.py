"""Acts with the job's own session credentials (AWS_* variables), with nothing but the standard
library (its own SigV4), as a training script that calls S3 itself would:

--publish s3://BUCKET/PREFIX   put the credentials at PREFIX/credentials.json, for a test to use
                               while the job runs, and wait until PREFIX/release exists
--read s3://B/K[,s3://...]     try to read each object; the outcome of each goes to
                               /opt/ml/model/probe.json (status, error code)
"""
import datetime
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

ENDPOINT = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
REGION = os.environ.get("AWS_REGION", "us-east-1")
KEY, SECRET, TOKEN = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"], os.environ["AWS_SESSION_TOKEN"]


def s3(method, uri, body=b""):
    """One signed path-style S3 request; returns (status, error code or None, body)."""
    bucket, _, key = uri[len("s3://"):].partition("/")
    path = "/" + bucket + ("/" + urllib.parse.quote(key) if key else "")
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(body).hexdigest()
    headers = {"host": urllib.parse.urlsplit(ENDPOINT).netloc, "x-amz-content-sha256": payload, "x-amz-date": stamp,
               "x-amz-security-token": TOKEN}
    names = ";".join(sorted(headers))
    canonical = "\n".join([method, path, "", "".join(f"{n}:{headers[n]}\n" for n in sorted(headers)), names, payload])
    scope = f"{day}/{REGION}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signing = ("AWS4" + SECRET).encode()
    for part in (day, REGION, "s3", "aws4_request"):
        signing = hmac.new(signing, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(ENDPOINT + path, data=body if method == "PUT" else None, method=method, headers=dict(
        headers, Authorization=f"AWS4-HMAC-SHA256 Credential={KEY}/{scope}, SignedHeaders={names}, Signature={signature}"))
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, None, reply.read()
    except urllib.error.HTTPError as error:
        text = error.read().decode(errors="replace")
        code = text.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in text else None
        return error.code, code, text.encode()


def main(argv):
    options, key = {}, None
    for arg in argv:
        if arg.startswith("--"):
            key = arg[2:]
            options.setdefault(key, [])
        elif key:
            options[key] += [part for part in arg.split(",") if part]
    results = {}
    for uri in options.get("read", []):
        status, code, _ = s3("GET", uri)
        results[uri] = {"status": status, "code": code}
        print(f"read {uri}: {status} {code or ''}", flush=True)
    os.makedirs("/opt/ml/model", exist_ok=True)
    with open("/opt/ml/model/probe.json", "w") as handle:
        json.dump(results, handle)
    for prefix in options.get("publish", []):
        body = json.dumps({"AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN,
                           "AWS_REGION": REGION, "AWS_ENDPOINT_URL": ENDPOINT, "probe": results}).encode()
        status, code, _ = s3("PUT", prefix + "/credentials.json", body)
        print(f"published: {status} {code or ''}", flush=True)
        if status != 200:
            sys.exit(f"cannot publish the credentials: {status} {code}")
        deadline = time.time() + 240
        while time.time() < deadline and s3("GET", prefix + "/release")[0] != 200:
            time.sleep(0.2)


main(sys.argv[1:])
