"""bench/capacity: N short jobs (each script sleeps S seconds) submitted at once through an on-demand
pool of 2 instances. Reports the makespan (first CreateTrainingJob to the last job's end) beside two
ideals: the sum of the jobs' own run times divided by 2, with a job's run time taken as (a) its
instance's time, launch to release, from the capacity records (what the scheduler controls: gaps
between one instance's release and the next launch) and (b) the script's own S seconds (adds each
job's start-up and upload). Also the scheduler's decision time per call and the server process's
CPU time per job (its own, not its workers'), split by the server's own accounting of requests
(anneal_request_cpu_seconds_total): the data plane is the requests that move a job's data (its
model uploaded to S3, its log lines, its metric points: they grow with what the job does, not with
the number of jobs); the control plane is everything else (the SageMaker API, the workers' protocol,
scheduling, spawning and reaping workers).

Then warm pools: pairs of jobs with a channel and a requirements.txt, the first on a new instance
(cold), the second matching it and taking its warm instance (KeepAlivePeriodInSeconds); reports
CreateTrainingJob -> the script's first line for each, medians.

Targets (issue 7): makespan within 10% of the ideal; under 5 ms of control-plane CPU per job; a job
on a warm instance starts measurably faster than a cold one."""
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
from anneal_harness import BINARY, AnnealServer, clean_env  # noqa: E402
from test_warm_pools import wheel  # noqa: E402

WARM_SCRIPT = b"print('started', flush=True)\nimport tinywarm\nprint('tinywarm', tinywarm.VERSION)\n"


def server_cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, not the children's


def request(name, seconds):
    return dict(
        TrainingJobName=name, RoleArn="arn:aws:iam::123456789012:role/SageMakerRole",
        AlgorithmSpecification={"TrainingImage": "anneal/python:3", "TrainingInputMode": "File"},
        HyperParameters={"sagemaker_program": '"short.py"', "sagemaker_submit_directory": '"s3://bench/code/sourcedir.tar.gz"',
                         "seconds": str(seconds)},
        OutputDataConfig={"S3OutputPath": "s3://bench/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": 600})


# Services whose requests move data (objects, log lines, metric points) rather than control jobs.
DATA_SERVICES = ("s3", "logs", "cloudwatch")
# This bench's own polling of /metrics: the observer, not the jobs.
OBSERVER_SERVICES = ("operations",)


def request_cpu(srv):
    """CPU seconds the server spent serving requests, by service (anneal_request_cpu_seconds_total)."""
    _, _, body = srv.get("/metrics")
    cpu = {}
    for line in body.decode().splitlines():
        if line.startswith('anneal_request_cpu_seconds_total{service="'):
            cpu[line.split('"')[1]] = float(line.split()[-1])
    return cpu


def finished(srv):
    """Jobs ended and those of them not Completed, from the server's /metrics gauges: an unsigned
    request that costs the server next to nothing, so the CPU figure is the jobs' own (polling
    ListTrainingJobs over 500 jobs every second cost more than the jobs)."""
    _, _, body = srv.get("/metrics")
    counts = {}
    for line in body.decode().splitlines():
        if line.startswith('anneal_training_jobs{status="'):
            counts[line.split('"')[1]] = float(line.split()[-1])
    done = sum(counts.get(status, 0) for status in ("Completed", "Failed", "Stopped"))
    return int(done), int(done - counts.get("Completed", 0))


def first_line_seconds(logs, name, created, timeout=300):
    """CreateTrainingJob -> the worker's read time of the script's first line."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix=name + "/")["logStreams"]
        except logs.exceptions.ResourceNotFoundException:  # the first job's worker has not made the group yet
            streams = []
        for stream in streams:
            for event in logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=stream["logStreamName"],
                                             startFromHead=True)["events"]:
                if event["message"] == "started":
                    return event["timestamp"] / 1000 - created
        time.sleep(0.05)
    raise SystemExit(f"bench/capacity: {name} printed nothing in {timeout} s")


def warm_versus_cold(rounds, channel_mib):
    """Pairs of jobs: the first cold (a role no warm pool has), the second taking its warm instance."""
    with tempfile.TemporaryDirectory() as home:
        srv = AnnealServer(Path(home) / "home", extra_args=["--log-level", "warning"]).start()
        try:
            s3, sm, logs = srv.client("s3"), srv.client("sagemaker"), srv.client("logs")
            s3.create_bucket(Bucket="bench")
            s3.put_object(Bucket="bench", Key="warm/data/channel.bin", Body=os.urandom(channel_mib << 20))
            name, data = wheel("1.0")
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
                for member, content in (("warm.py", WARM_SCRIPT), (name, data), ("requirements.txt", f"./{name}\n".encode())):
                    info = tarfile.TarInfo(member)
                    info.size = len(content)
                    archive.addfile(info, io.BytesIO(content))
            s3.put_object(Bucket="bench", Key="warm/code/sourcedir.tar.gz", Body=buffer.getvalue())
            cold, warm = [], []
            for index in range(rounds):
                for kind, times in (("cold", cold), ("warm", warm)):
                    job = f"{kind}-{index}"
                    request = dict(
                        TrainingJobName=job, RoleArn=f"arn:aws:iam::123456789012:role/WarmBench{index}",
                        AlgorithmSpecification={"TrainingImage": "anneal/python:3", "TrainingInputMode": "File"},
                        HyperParameters={"sagemaker_program": '"warm.py"',
                                         "sagemaker_submit_directory": '"s3://bench/warm/code/sourcedir.tar.gz"'},
                        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
                            "S3DataType": "S3Prefix", "S3Uri": "s3://bench/warm/data/"}}}],
                        OutputDataConfig={"S3OutputPath": "s3://bench/output"},
                        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1,
                                        "KeepAlivePeriodInSeconds": 120},
                        StoppingCondition={"MaxRuntimeInSeconds": 600})
                    created = time.time()
                    sm.create_training_job(**request)
                    times.append(first_line_seconds(logs, job, created))
                    while sm.describe_training_job(TrainingJobName=job)["TrainingJobStatus"] == "InProgress":
                        time.sleep(0.1)
                    status = sm.describe_training_job(TrainingJobName=job)
                    if status["TrainingJobStatus"] != "Completed":
                        raise SystemExit(f"bench/capacity: {job} ended {status['TrainingJobStatus']}: {status.get('FailureReason')}")
                    # The warm pool is Available moments after the job's end is recorded.
                    while kind == "cold" and sm.describe_training_job(TrainingJobName=job).get("WarmPoolStatus", {}).get("Status") != "Available":
                        time.sleep(0.05)
                    if kind == "warm" and sm.describe_training_job(TrainingJobName=f"cold-{index}")["WarmPoolStatus"]["Status"] != "Reused":
                        raise SystemExit(f"bench/capacity: warm-{index} did not take the warm instance of cold-{index}")
        finally:
            srv.stop(check=False)
    cold_median, warm_median = statistics.median(cold), statistics.median(warm)
    print(f"bench/capacity: warm pools, {rounds} pair(s), a {channel_mib} MiB channel and a requirements.txt, medians")
    print(f"  CreateTrainingJob -> first line, cold instance  {cold_median * 1000:9.1f} ms")
    print(f"  CreateTrainingJob -> first line, warm instance  {warm_median * 1000:9.1f} ms   ({cold_median / warm_median:.1f}x faster)")
    if warm_median >= cold_median:
        raise SystemExit("bench/capacity: FAILED (a warm instance did not start faster than a cold one)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="20 jobs, for CI")
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    jobs = 20 if args.smoke else args.jobs
    with tempfile.TemporaryDirectory() as home:
        srv = AnnealServer(Path(home) / "home", extra_args=["--on-demand-pool", "instances=2", "--max-instances", "2",
                                                            "--log-level", "warning"])
        srv.start()
        try:
            s3 = srv.client("s3")
            s3.create_bucket(Bucket="bench")
            buffer = io.BytesIO()
            script = b"import sys, time\nseconds = float(sys.argv[sys.argv.index('--seconds') + 1])\ntime.sleep(seconds)\nprint('done')\n"
            with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
                info = tarfile.TarInfo("short.py")
                info.size = len(script)
                archive.addfile(info, io.BytesIO(script))
            s3.put_object(Bucket="bench", Key="code/sourcedir.tar.gz", Body=buffer.getvalue())
            sm = srv.client("sagemaker")
            cpu_before = server_cpu_seconds(srv.proc.pid)
            requests_before = request_cpu(srv)
            start = time.time()
            for index in range(jobs):
                sm.create_training_job(**request(f"cap-{index:04d}", args.seconds))
            submitted = time.time() - start
            deadline = time.time() + 60 + jobs * (args.seconds + 5)
            while True:
                done, failed = finished(srv)
                if done >= jobs or time.time() > deadline:
                    break
                time.sleep(1)
            cpu = server_cpu_seconds(srv.proc.pid) - cpu_before
            for status in ("Failed", "Stopped"):
                for summary in sm.list_training_jobs(StatusEquals=status, MaxResults=100)["TrainingJobSummaries"]:
                    job = sm.describe_training_job(TrainingJobName=summary["TrainingJobName"])
                    print(f"bench/capacity: {job['TrainingJobName']} ended {status}: {job.get('FailureReason')}")
                    log = srv.home / "jobs" / job["TrainingJobName"] / "algo-1.worker.log"
                    if log.exists():
                        lines = log.read_text().splitlines()
                        if os.environ.get("BENCH_KEEP_LOGS"):
                            Path(os.environ["BENCH_KEEP_LOGS"], f"{job['TrainingJobName']}.worker.log").write_text("\n".join(lines))
                        crash = next((i for i, line in enumerate(lines) if "Fatal error" in line or "Crash" in line), None)
                        shown = lines[max(0, crash - 5):crash + 40] if crash is not None else lines[-15:]
                        print("  its worker's log:\n    " + "\n    ".join(shown))
            requests_after = request_cpu(srv)
            data_cpu = sum(requests_after.get(name, 0) - requests_before.get(name, 0) for name in DATA_SERVICES)
            observer_cpu = sum(requests_after.get(name, 0) - requests_before.get(name, 0) for name in OBSERVER_SERVICES)
            out = subprocess.run([BINARY, "capacity", "instances", "--all", "--json", "--home", str(srv.home)],
                                 capture_output=True, text=True, env=clean_env(), check=True)
            view = json.loads(out.stdout)
            records = view["Instances"]
            ends = [sm.describe_training_job(TrainingJobName=f"cap-{index:04d}")["TrainingEndTime"].timestamp() for index in range(jobs)]
        finally:
            srv.stop(check=False)
    makespan = max(ends) - start
    occupied = sum(record["releasedAt"] - record["launchedAt"] for record in records if record["releasedAt"])
    ideal_instances = occupied / 2
    ideal_scripts = jobs * args.seconds / 2
    events = sorted([(r["launchedAt"], 1) for r in records] + [(r["releasedAt"], -1) for r in records], key=lambda e: (e[0], e[1]))
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    print(f"bench/capacity: {jobs} jobs of {args.seconds:g} s through a pool of 2 instances ({failed} not Completed, "
          f"{done} finished; submitted in {submitted:.1f} s)")
    print(f"  makespan                               {makespan:9.1f} s")
    print(f"  ideal (instance time launch->release)  {ideal_instances:9.1f} s   makespan / ideal = {makespan / ideal_instances:.3f}"
          f"   (target <= 1.10)")
    print(f"  ideal (scripts' own {args.seconds:g} s each)         {ideal_scripts:9.1f} s   makespan / ideal = "
          f"{makespan / ideal_scripts:.3f}   (start-up and upload included)")
    print(f"  instances at once (recorded)           {peak:9d}     (pool holds 2)")
    print(f"  scheduling decisions                   {view['SchedulingDecisions']:9d}     "
          f"{view['DecisionMicroseconds']:.1f} us each")
    print(f"  server CPU per job, all of it          {cpu / jobs * 1000:9.2f} ms")
    print(f"    of which data plane (S3, logs, metrics requests) {data_cpu / jobs * 1000:6.2f} ms")
    print(f"    of which this bench polling /metrics             {observer_cpu / jobs * 1000:6.2f} ms")
    control = cpu - data_cpu - observer_cpu
    print(f"    control plane (the rest: API, workers, scheduling) {control / jobs * 1000:4.2f} ms   (target < 5 ms)")
    if failed or done < jobs or peak > 2:
        raise SystemExit("bench/capacity: FAILED (jobs not completed or pool oversubscribed)")
    warm_versus_cold(rounds=1 if args.smoke else 5, channel_mib=8 if args.smoke else 128)


if __name__ == "__main__":
    main()
