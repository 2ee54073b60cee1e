"""Managed spot training: interruptions by the spot market (a replayed trace) and by an operator
(`anneal capacity reclaim`), each a SIGTERM notice to the script, a checkpoint sync and a restart on
new capacity from the last checkpoint; MaxWaitTimeInSeconds; billable time at the spot price; and a
fault test that kills workers with SIGKILL at random while spot jobs run."""
import io
import json
import os
import random
import re
import signal
import subprocess
import tarfile
import threading
import time

from anneal_harness import BINARY, clean_env
from test_capacity import capacity, most_at_once
from test_training_resilience import HERE, create, lines, statuses_of, wait, worker_pids

SPOT = dict(EnableManagedSpotTraining=True)


def setup(server, bucket="spot"):
    s3 = server.client("s3")
    s3.create_bucket(Bucket=bucket)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(HERE / "jobs" / "spot_steps.py", arcname="spot_steps.py")
    s3.put_object(Bucket=bucket, Key="code/spot_steps.py/sourcedir.tar.gz", Body=buffer.getvalue())
    s3.put_object(Bucket=bucket, Key="data/plain/a.csv", Body=b"1,2\n")
    return s3


def spot_job(server, name, steps, step_seconds=0.5, runtime=300, max_wait=600, **extra):
    return create(server, name, "spot_steps.py", bucket="spot", hyper={"steps": str(steps), "step-seconds": str(step_seconds)},
                  StoppingCondition={"MaxRuntimeInSeconds": runtime, "MaxWaitTimeInSeconds": max_wait},
                  CheckpointConfig={"S3Uri": f"s3://spot/checkpoints/{name}"}, **SPOT, **extra)


def ordered_lines(server, name):
    events = server.client("logs").filter_log_events(logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix=name + "/")["events"]
    return [event["message"] for event in sorted(events, key=lambda event: (event["timestamp"], event.get("ingestionTime", 0)))]


def running_instance(server, name, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = capacity(server, "instances", "--job", name)["Instances"]
        if found:
            return found[0]["instanceID"]
        time.sleep(0.2)
    raise AssertionError(f"{name} has no running instance")


def wait_for_step(server, name, step, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(line == f"checkpoint {step}" for line in ordered_lines(server, name)):
            return
        time.sleep(0.2)
    raise AssertionError(f"{name} never reached step {step}: {ordered_lines(server, name)}")


def test_spot_job_interrupted_three_times_resumes_and_saves(fresh_server, tmp_path):
    trace = tmp_path / "trace.json"
    # The market takes back the first two spot instances launched, 5 s after each launch.
    trace.write_text(json.dumps([{"instance": 1, "afterSeconds": 5}, {"instance": 2, "afterSeconds": 5}]))
    srv = fresh_server(extra_args=["--spot-trace", str(trace), "--stop-grace", "10"])
    s3 = setup(srv)
    # Enough steps that the third attempt is still running when the operator reclaims it (each of the
    # first two gets about 5 s of them before the market takes its instance).
    steps = 40
    spot_job(srv, "spot-3x", steps=steps, step_seconds=0.5)
    job = wait(srv, "spot-3x", statuses=("InProgress",), secondary="Training", timeout=60)
    # After the market's two interruptions, an operator reclaims the third instance.
    deadline = time.time() + 90
    while statuses_of(srv.client("sagemaker").describe_training_job(TrainingJobName="spot-3x")).count("Interrupted") < 2:
        assert time.time() < deadline, "the market never interrupted the job twice"
        time.sleep(0.3)
    third = running_instance(srv, "spot-3x")
    printed = ordered_lines(srv, "spot-3x")
    reached = max([int(line.split()[1]) for line in printed if re.fullmatch(r"checkpoint \d+", line)] or [0])
    wait_for_step(srv, "spot-3x", reached + 2)
    out = subprocess.run([BINARY, "capacity", "reclaim", third, "--home", str(srv.home)], capture_output=True, text=True,
                         env=clean_env(), timeout=30)
    assert out.returncode == 0, out.stderr
    job = wait(srv, "spot-3x", timeout=180)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    statuses = statuses_of(job)
    assert statuses.count("Interrupted") == 3, statuses
    assert "Restarting" not in statuses and "Failed" not in statuses
    printed = ordered_lines(srv, "spot-3x")
    stops = [int(m.group(1)) for m in (re.fullmatch(r"stopping at checkpoint (\d+)", line) for line in printed) if m]
    resumes = [int(m.group(1)) for m in (re.fullmatch(r"resumed at step (\d+)", line) for line in printed) if m]
    # Each attempt resumed exactly where the interrupted one stopped, and the steps only went forward.
    assert len(stops) == 3 and resumes == stops, (stops, resumes, printed)
    assert stops == sorted(stops) and stops[0] > 0
    assert f"done after step {steps}" in printed
    assert any("spot interruption: checkpoints synced, no artifacts uploaded" in line for line in printed)
    # The model was uploaded once, by the attempt that finished.
    body = s3.get_object(Bucket="spot", Key="output/spot-3x/output/model.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        assert archive.extractfile("steps.txt").read() == str(steps).encode()
    assert s3.get_object(Bucket="spot", Key="checkpoints/spot-3x/step.txt")["Body"].read() == str(steps).encode()
    # Time: all attempts count; billable is the time on instances at the spot price (30% of on-demand).
    training, billable = job["TrainingTimeInSeconds"], job["BillableTimeInSeconds"]
    span = (job["TrainingEndTime"] - job["TrainingStartTime"]).total_seconds()
    assert abs(training - span) <= 1
    assert 1 <= billable < training
    savings = (1 - billable / training) * 100
    assert savings > 60, (training, billable)
    records = capacity(srv, "instances", "--all", "--job", "spot-3x")["Instances"]
    assert len(records) == 4 and all(record["pool"] == "spot" for record in records)
    assert sorted(record["releaseReason"] for record in records) == ["ended", "interrupted", "interrupted", "interrupted"]
    view = capacity(srv, "--all")
    assert view["Cost"]["Saved"] > 0 and view["Cost"]["Actual"] < view["Cost"]["OnDemandEquivalent"] * 0.31


def test_interruption_past_max_wait_ends_max_wait_time_exceeded(fresh_server, tmp_path):
    trace = tmp_path / "trace.json"
    trace.write_text(json.dumps([{"instance": 1, "afterSeconds": 4}]))
    srv = fresh_server(extra_args=["--spot-trace", str(trace), "--stop-grace", "5"])
    setup(srv)
    # 40 steps of 0.5 s need 20 s on instances; interrupted at 4 s, the job runs out of its 14 s of
    # MaxWaitTimeInSeconds on its second instance (before that attempt's own MaxRuntimeInSeconds).
    spot_job(srv, "spot-wait", steps=40, runtime=14, max_wait=14)
    job = wait(srv, "spot-wait", timeout=120)
    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Stopped", "MaxWaitTimeExceeded"), statuses_of(job)
    assert "Interrupted" in statuses_of(job)
    assert job["SecondaryStatusTransitions"][-1]["StatusMessage"] == "Training job exceeded MaxWaitTimeInSeconds provided"
    assert not capacity(srv, "instances", "--job", "spot-wait")["Instances"]
    assert 13 <= (job["TrainingEndTime"] - job["CreationTime"]).total_seconds() <= 14 + 5 + 2


def test_workers_killed_at_random_every_spot_job_completes(fresh_server):
    srv = fresh_server(extra_args=["--spot-pool", "instances=4", "--stop-grace", "5"])
    setup(srv)
    names = [f"spot-fault-{index}" for index in range(12)]
    for name in names:
        spot_job(srv, name, steps=8, step_seconds=0.4)
    killed = []
    done = threading.Event()
    chooser = random.Random(7)

    def killer():
        while not done.wait(chooser.uniform(0.8, 2.0)):
            victims = [(name, pid) for name in names for pid in worker_pids(name)]
            if victims:
                name, pid = chooser.choice(victims)
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(name)
                except ProcessLookupError:
                    pass

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        deadline = time.time() + 25
        while time.time() < deadline and len(killed) < 10:
            time.sleep(0.5)
    finally:
        done.set()
        thread.join()
    assert len(killed) >= 5, killed
    jobs = [wait(srv, name, timeout=240) for name in names]
    assert [job["TrainingJobStatus"] for job in jobs] == ["Completed"] * len(names), [
        (job["TrainingJobName"], job.get("FailureReason")) for job in jobs]
    records = capacity(srv, "instances", "--all")["Instances"]
    assert most_at_once(records) <= 4
    for job in jobs:
        name = job["TrainingJobName"]
        assert "Restarting" not in statuses_of(job) and "Failed" not in statuses_of(job)
        printed = ordered_lines(srv, name)
        assert "done after step 8" in printed
        resumes = [int(m.group(1)) for m in (re.fullmatch(r"resumed at step (\d+)", line) for line in printed) if m]
        assert resumes == sorted(resumes), printed
        # No double-counted time: the training time is the job's own span, billable is less, and its
        # instances never overlapped one another.
        span = (job["TrainingEndTime"] - job["TrainingStartTime"]).total_seconds()
        assert abs(job["TrainingTimeInSeconds"] - span) <= 1
        assert job["BillableTimeInSeconds"] <= job["TrainingTimeInSeconds"]
        mine = sorted((r["launchedAt"], r["releasedAt"]) for r in records if r["job"] == name)
        assert all(later[0] >= earlier[1] for earlier, later in zip(mine, mine[1:])), mine
    assert any(statuses_of(job).count("Interrupted") for job in jobs if job["TrainingJobName"] in killed)
