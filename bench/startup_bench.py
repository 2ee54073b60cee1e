"""bench/startup: CreateTrainingJob -> the entry point's first log line (the worker's own read time
of the line, as stored in CloudWatch Logs), for a job with a 10 MiB channel, beside starting the same
script directly with python in the same run; medians. Then a burst of no-op jobs submitted at once,
all of which must complete, with the platform's CPU time per job (server and worker processes).

Target (issue 4): median overhead under 150 ms; every job of the burst completes."""
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "compat"))
from anneal_harness import AnnealServer  # noqa: E402

SCRIPT = 'print("started", flush=True)\n'
GROUP = "/aws/sagemaker/TrainingJobs"


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(fields[index]) for index in (11, 12, 13, 14)) / ticks  # utime stime cutime cstime


def request(name):
    return dict(
        TrainingJobName=name, RoleArn="arn:aws:iam::123456789012:role/SageMakerRole",
        AlgorithmSpecification={"TrainingImage": "anneal/python:3", "TrainingInputMode": "File"},
        HyperParameters={"sagemaker_program": '"first_line.py"',
                         "sagemaker_submit_directory": '"s3://bench/code/sourcedir.tar.gz"'},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://bench/data/", "S3DataDistributionType": "FullyReplicated"}}}],
        OutputDataConfig={"S3OutputPath": "s3://bench/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": 120})


def first_line_time(logs, name, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        streams = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=f"{name}/")["logStreams"] \
            if group_exists(logs) else []
        for stream in streams:
            events = logs.get_log_events(logGroupName=GROUP, logStreamName=stream["logStreamName"], startFromHead=True)["events"]
            for event in events:
                if event["message"] == "started":
                    return event["timestamp"] / 1000
        time.sleep(0.02)
    raise SystemExit(f"bench/startup: {name} printed nothing in {timeout}s")


def group_exists(logs):
    return any(g["logGroupName"] == GROUP for g in logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"])


def wait_done(sm, names, timeout):
    deadline = time.time() + timeout
    pending = set(names)
    statuses = {}
    while pending and time.time() < deadline:
        for name in list(pending):
            status = sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]
            if status in ("Completed", "Failed", "Stopped"):
                statuses[name] = status
                pending.discard(name)
        time.sleep(0.2)
    return statuses, pending


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--burst", type=int, default=200)
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.burst = 2, 5

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "first_line.py").write_text(SCRIPT)
        # The job's image runs the very interpreter the baseline runs (this machine's system Python
        # can take several times as long to start as a virtual environment's, because of what its
        # site-packages load): the comparison is then of the platform alone.
        (tmp / "home").mkdir()
        (tmp / "home" / "runtimes.json").write_text(json.dumps(
            {"runtimes": [{"image": "anneal/python:3", "python": sys.executable}]}))
        srv = AnnealServer(tmp / "home", extra_args=["--log-level", "warning"]).start()
        try:
            s3, sm, logs = srv.client("s3"), srv.client("sagemaker"), srv.client("logs")
            s3.create_bucket(Bucket="bench")
            s3.put_object(Bucket="bench", Key="data/channel.bin", Body=os.urandom(10 << 20))
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
                archive.add(tmp / "first_line.py", arcname="first_line.py")
            s3.put_object(Bucket="bench", Key="code/sourcedir.tar.gz", Body=buffer.getvalue())

            direct, platform = [], []
            for index in range(args.rounds):
                started = time.time()
                proc = subprocess.Popen([sys.executable, str(tmp / "first_line.py")], stdout=subprocess.PIPE, text=True)
                assert proc.stdout.readline().strip() == "started"
                direct.append(time.time() - started)
                proc.wait()

                name = f"startup-{index}"
                started = time.time()
                sm.create_training_job(**request(name))
                platform.append(first_line_time(logs, name) - started)
                statuses, pending = wait_done(sm, [name], 120)
                if statuses.get(name) != "Completed":
                    raise SystemExit(f"bench/startup: {name} ended {statuses.get(name)}")

            cpu_before = cpu_seconds(srv.proc.pid)
            burst_started = time.time()
            names = [f"burst-{index}" for index in range(args.burst)]
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda name: sm.create_training_job(**request(name)), names))
            statuses, pending = wait_done(sm, names, 1800)
            burst_seconds = time.time() - burst_started
            cpu = cpu_seconds(srv.proc.pid) - cpu_before
            failures = {}
            for name in names:
                if statuses.get(name) != "Completed":
                    job = sm.describe_training_job(TrainingJobName=name)
                    log = srv.home / "jobs" / name / "algo-1.worker.log"
                    failures[name] = (job["SecondaryStatus"], job.get("FailureReason"),
                                      [(t["Status"], t["StatusMessage"]) for t in job["SecondaryStatusTransitions"]],
                                      log.read_text()[-2000:] if log.exists() else "no worker log")
        finally:
            srv.stop()

    overhead = statistics.median(platform) - statistics.median(direct)
    print(f"bench/startup: {args.rounds} round(s), 10 MiB channel, medians")
    print(f"{'start':<44} {'ms':>8}")
    print(f"{'python script directly (baseline)':<44} {statistics.median(direct) * 1000:>8.1f}")
    print(f"{'CreateTrainingJob -> first line':<44} {statistics.median(platform) * 1000:>8.1f}")
    print(f"{'overhead':<44} {overhead * 1000:>8.1f}")
    completed = sum(1 for status in statuses.values() if status == "Completed")
    for name in sorted(set(names) - {n for n, status in statuses.items() if status == "Completed"}):
        print(f"not completed: {name}: {failures.get(name)}")
    print(f"burst: {args.burst} no-op jobs at once: {completed} completed, {len(pending)} unfinished, "
          f"{len(statuses) - completed} failed/stopped in {burst_seconds:.1f} s; "
          f"platform CPU {cpu / max(1, args.burst) * 1000:.0f} ms per job (server + workers + scripts)")
    print(f"target overhead < 150 ms {'met' if overhead < 0.150 else 'NOT met'}")
    print(f"target every burst job completes {'met' if completed == args.burst else 'NOT met'}")
    return 0 if completed == args.burst else 1


if __name__ == "__main__":
    sys.exit(main())
