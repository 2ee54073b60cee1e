"""bench/logs: a training job that prints N lines (1,000,000 by default) as fast as it can. Reports
the lines/s ingested end to end (first line printed -> last line readable through GetLogEvents),
the time from printing the last line to reading it back, and how much the platform slowed the
script: its own time printing the lines under the platform beside the same script run by hand with
its output to /dev/null, in the same run.

Jobs' Python output is buffered and flushed every 50 ms (the worker's sitecustomize); for context the
bench also runs the script as SageMaker's containers do, with PYTHONUNBUFFERED=1 (a write(2) per
line), both to /dev/null and under the platform: on this 2-vCPU VM a write per line into any pipe
costs such a script about 20% more than into /dev/null.

Targets (issue 5): >= 200,000 lines/s, last line readable within 1 s of being printed, script
slowed by less than 10%."""
import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "compat"))
from anneal_harness import AnnealServer  # noqa: E402

GROUP = "/aws/sagemaker/TrainingJobs"

# The lines look like a training loop's output; the first and last carry the times they were printed.
SCRIPT = '''
import sys, time
count = int(sys.argv[sys.argv.index("--lines") + 1])
write = sys.stdout.write
started = time.time()
write(f"bench first at={started:.6f}\\n")
for i in range(1, count - 1):
    write(f"step {i} loss=0.{i % 9973:04d} lr=0.001 tokens/s=51234.5\\n")
elapsed = time.time() - started
write(f"bench last elapsed={elapsed:.6f} at={time.time():.6f}\\n")
sys.stdout.flush()
sys.stderr.write(f"elapsed={elapsed:.6f}\\n")
'''


def request(name, lines, environment=None):
    return dict(
        TrainingJobName=name, RoleArn="arn:aws:iam::123456789012:role/SageMakerRole",
        AlgorithmSpecification={"TrainingImage": "anneal/python:3", "TrainingInputMode": "File"},
        HyperParameters={"sagemaker_program": '"spam.py"', "sagemaker_submit_directory": '"s3://bench/code/sourcedir.tar.gz"',
                         "lines": str(lines)},
        OutputDataConfig={"S3OutputPath": "s3://bench/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": 900}, Environment=environment or {})


def field(message, name):
    return float(message.split(f"{name}=", 1)[1].split()[0])


def ingested(srv):
    _, _, body = srv.get("/metrics")
    for line in body.decode().splitlines():
        if line.startswith("anneal_log_events_ingested_total "):
            return float(line.split()[1])
    return 0.0


# The baseline runs as a user runs the script by hand (whatever this shell has): Python's own
# buffering of a file that is not a terminal. The per-line variant sets PYTHONUNBUFFERED=1.
BY_HAND = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
PER_LINE = {**BY_HAND, "PYTHONUNBUFFERED": "1"}


def by_hand(script, lines, env):
    """The script with its lines to /dev/null; it reports its own time on stderr."""
    out = subprocess.run([sys.executable, str(script), "--lines", str(lines)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True, check=True, env=env)
    return field(out.stderr, "elapsed")


def own_cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime stime


def worker_cpu_seconds(srv, name):
    """The worker's own CPU time (not its children's), from the line it writes to its log at exit."""
    log = srv.home / "jobs" / name / "algo-1.worker.log"
    for line in reversed(log.read_text().splitlines() if log.exists() else []):
        if " worker cpu " in line:
            return field(line, "user") + field(line, "system")
    return float("nan")


def run_job(srv, sm, logs, name, lines, timeout, environment=None):
    """Creates the job and polls the newest events of its stream until the last line is there."""
    before = ingested(srv)
    server_cpu = own_cpu_seconds(srv.proc.pid)
    sm.create_training_job(**request(name, lines, environment))
    deadline = time.time() + timeout
    stream = None
    first_at = last = None
    while time.time() < deadline:
        if stream is None:
            found = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=f"{name}/")["logStreams"] \
                if logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"] else []
            stream = found[0]["logStreamName"] if found else None
        if stream is not None:
            newest = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, limit=20)["events"]
            last = next((e for e in newest if e["message"].startswith("bench last ")), None)
            if last is not None:
                readable = time.time()
                break
        time.sleep(0.01)
    else:
        job = sm.describe_training_job(TrainingJobName=name)
        raise SystemExit(f"bench/logs: the last line of {name} was not readable in {timeout}s "
                         f"({job['TrainingJobStatus']}, {job.get('FailureReason')})")
    head = logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True, limit=50)["events"]
    first = next(e for e in head if e["message"].startswith("bench first "))
    first_at = field(first["message"], "at")
    while sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"] == "InProgress":
        time.sleep(0.2)
    stored = ingested(srv) - before
    return {"first_at": first_at, "last_at": field(last["message"], "at"), "readable": readable,
            "script_seconds": field(last["message"], "elapsed"), "stored": stored,
            "server_cpu": own_cpu_seconds(srv.proc.pid) - server_cpu, "worker_cpu": worker_cpu_seconds(srv, name)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the server's home (worker logs) and print where")
    args = parser.parse_args()
    if args.smoke:
        args.lines, args.rounds = 20_000, 1

    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(tempfile.mkdtemp(prefix="bench-logs-") if args.keep else scratch)
        if args.keep:
            print(f"bench/logs: keeping {tmp}")
        (tmp / "spam.py").write_text(SCRIPT)
        # The job runs the baseline's own interpreter (a runtimes.json entry), so the comparison is
        # of the platform alone, not of two Pythons.
        (tmp / "home").mkdir()
        (tmp / "home" / "runtimes.json").write_text(json.dumps(
            {"runtimes": [{"image": "anneal/python:3", "python": sys.executable}]}))
        srv = AnnealServer(tmp / "home", extra_args=[] if args.keep else ["--log-level", "warning"]).start()
        try:
            s3, sm, logs = srv.client("s3"), srv.client("sagemaker"), srv.client("logs")
            s3.create_bucket(Bucket="bench")
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
                archive.add(tmp / "spam.py", arcname="spam.py")
            s3.put_object(Bucket="bench", Key="code/sourcedir.tar.gz", Body=buffer.getvalue())
            # The runtime is created on the first job: a warm-up job keeps that out of the figures.
            run_job(srv, sm, logs, "logs-warmup", 1000, 600)
            direct, runs, direct_per_line, per_line = [], [], [], []
            for index in range(args.rounds):
                direct.append(by_hand(tmp / "spam.py", args.lines, BY_HAND))
                runs.append(run_job(srv, sm, logs, f"logs-{index}", args.lines, 900))
                direct_per_line.append(by_hand(tmp / "spam.py", args.lines, PER_LINE))
                per_line.append(run_job(srv, sm, logs, f"logs-unbuffered-{index}", args.lines, 900, {"PYTHONUNBUFFERED": "1"}))
        finally:
            srv.stop()

    print(f"bench/logs: {args.lines:,} lines, {args.rounds} round(s), medians")
    base = statistics.median(direct)
    script = statistics.median(r["script_seconds"] for r in runs)
    rate = statistics.median(args.lines / (r["readable"] - r["first_at"]) for r in runs)
    latency = statistics.median(r["readable"] - r["last_at"] for r in runs)
    slowdown = script / base - 1
    complete = all(r["stored"] >= args.lines for r in runs + per_line)
    print(f"{'':<52} {'value':>12}")
    print(f"{'script printing to /dev/null, run by hand (baseline), s':<52} {base:>12.3f}")
    print(f"{'script printing under the platform, s':<52} {script:>12.3f}")
    print(f"{'script slowed by, %':<52} {slowdown * 100:>12.1f}")
    print(f"{'  each round (platform / by hand in the same round), %':<52} "
          + " ".join(f"{(r['script_seconds'] / d - 1) * 100:.1f}" for r, d in zip(runs, direct)))
    base_per_line = statistics.median(direct_per_line)
    script_per_line = statistics.median(r["script_seconds"] for r in per_line)
    print(f"{'with PYTHONUNBUFFERED=1: to /dev/null by hand, s':<52} {base_per_line:>12.3f}")
    print(f"{'with PYTHONUNBUFFERED=1: under the platform, s':<52} {script_per_line:>12.3f}")
    print(f"{'with PYTHONUNBUFFERED=1: slowed by, %':<52} {(script_per_line / base_per_line - 1) * 100:>12.1f}")
    print(f"{'lines/s ingested end to end (first printed -> last readable)':<52} {rate:>12,.0f}")
    print(f"{'last line printed -> readable via GetLogEvents, s':<52} {latency:>12.3f}")
    print(f"{'lines stored per run (of ' + format(args.lines, ',') + ')':<52} {min(r['stored'] for r in runs):>12,.0f}")
    million = 1_000_000 / args.lines
    print(f"{'platform CPU per million lines: server, s':<52} {statistics.median(r['server_cpu'] for r in runs) * million:>12.3f}")
    print(f"{'platform CPU per million lines: worker, s':<52} {statistics.median(r['worker_cpu'] for r in runs) * million:>12.3f}")
    print(f"target >= 200,000 lines/s {'met' if rate >= 200_000 else 'NOT met'}")
    print(f"target last line readable within 1 s {'met' if latency <= 1.0 else 'NOT met'}")
    print(f"target script slowed < 10% {'met' if slowdown < 0.10 else 'NOT met'}")
    print(f"every line stored {'yes' if complete else 'NO'}")
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
