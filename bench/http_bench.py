"""bench/http: wrk on loopback against STS GetCallerIdentity (SigV4-signed, verified in full on
every request) and against /healthz (no auth), alternating in one run; medians of the rounds.

Targets (issue 2): signed >= 20,000 req/s on 2 cores, p99 < 5 ms at 32 connections, and signed at
least 40% of the trivial route's rate. wrk shares the 2 cores with the server, so figures are lower
bounds. A pre-signed request is replayed: SigV4 allows that within its 15-minute window, and the
server still recomputes the canonical request, the signing key and the signature each time."""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "compat"))
from anneal_harness import AnnealServer  # noqa: E402

LUA = """
wrk.method = "{method}"
wrk.body = {body}
{headers}
"""


def lua_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk(url, seconds, connections, script=None):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = parse_ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1))
    p50 = parse_ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rate": rate, "p50": p50, "p99": p99, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "total": total, "socket_errors": errors.group(0) if errors else ""}


def parse_ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="one short round; checks it works, not the targets")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if args.smoke:
        args.seconds, args.rounds = 1, 1

    with tempfile.TemporaryDirectory() as tmp:
        srv = AnnealServer(Path(tmp) / "home", extra_args=["--log-level", "warning"]).start()
        try:
            body = b"Action=GetCallerIdentity&Version=2011-06-15"
            prepared = srv.signed("POST", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
            headers = "\n".join(f"wrk.headers[{lua_string(k)}] = {lua_string(v)}"
                                for k, v in prepared.headers.items() if k.lower() != "content-length")
            script = Path(tmp) / "signed.lua"
            script.write_text(LUA.format(method="POST", body=lua_string(body.decode()), headers=headers))
            results = {"trivial": [], "signed": []}
            for _ in range(args.rounds):
                results["trivial"].append(wrk(srv.endpoint + "/healthz", args.seconds, args.connections))
                results["signed"].append(wrk(srv.endpoint + "/", args.seconds, args.connections, str(script)))
        finally:
            srv.stop()

    def med(name, key):
        return statistics.median(r[key] for r in results[name])

    print(f"bench/http: {args.rounds} round(s) x {args.seconds}s, {args.connections} connections, wrk -t2, "
          f"{os.cpu_count()} cores shared by client and server")
    print(f"{'route':<34} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for name, label in (("trivial", "GET /healthz (no auth, baseline)"), ("signed", "STS GetCallerIdentity (SigV4)")):
        print(f"{label:<34} {med(name, 'rate'):>10.0f} {med(name, 'p50'):>8.2f} {med(name, 'p99'):>8.2f} "
              f"{sum(r['non2xx'] for r in results[name]):>8}")
    ratio = med("signed", "rate") / med("trivial", "rate")
    print(f"signed / trivial rate: {ratio:.2f}")
    checks = [
        ("signed >= 20000 req/s", med("signed", "rate") >= 20000),
        ("signed p99 < 5 ms", med("signed", "p99") < 5.0),
        ("signed >= 40% of trivial", ratio >= 0.40),
    ]
    for label, ok in checks:
        print(f"target {label:<28} {'met' if ok else 'NOT met'}")
    bad = sum(r["non2xx"] for rs in results.values() for r in rs)
    if bad or any(r["total"] == 0 for rs in results.values() for r in rs):
        print("bench/http: FAILED: non-2xx replies or no requests completed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
