"""Capacity pools and the scheduler, seen from outside: jobs submitted at once wait for a pool that
holds fewer, never more instances run than the pool holds (read from the recorded launches and
releases), requests that can never fit are refused with ResourceLimitExceeded, and `anneal capacity`
shows pools, instances, the queue and cost."""
import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from anneal_harness import BINARY, clean_env
from test_training_resilience import ROLE, create, setup_bucket, statuses_of, wait


def capacity(server, *args):
    """`anneal capacity ... --json` against the server, parsed."""
    out = subprocess.run([BINARY, "capacity", *args, "--json", "--home", str(server.home)], capture_output=True, text=True,
                         env=clean_env(), timeout=30)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def most_at_once(instances):
    """The largest number of instances running at the same moment, from their launch and release times."""
    events = []
    for instance in instances:
        events.append((instance["launchedAt"], 1))
        events.append((instance["releasedAt"], -1))
    running = peak = 0
    for _, delta in sorted(events, key=lambda event: (event[0], event[1])):
        running += delta
        peak = max(peak, running)
    return peak


def test_ten_jobs_on_a_pool_of_four_wait_their_turn(fresh_server):
    srv = fresh_server(extra_args=["--on-demand-pool", "vcpus=8", "--max-instances", "50", "--stop-grace", "5"])
    setup_bucket(srv)
    names = [f"sorts-model-{index}" for index in range(10)]
    # As the Sorts launcher: one thread per model, all at once.
    with ThreadPoolExecutor(len(names)) as pool:
        list(pool.map(lambda name: create(srv, name, "resumable.py", hyper={"seconds": "3"}), names))
    time.sleep(1.5)
    view = capacity(srv)
    on_demand = next(pool for pool in view["Pools"] if pool["pool"] == "on-demand")
    assert on_demand["instances"] == 4 and on_demand["used"]["vCPUs"] == 8
    assert len(view["Queue"]) == 6
    jobs = [wait(srv, name, timeout=180) for name in names]
    assert [job["TrainingJobStatus"] for job in jobs] == ["Completed"] * 10, [job.get("FailureReason") for job in jobs]
    waited = [job for job in jobs if "Pending" in statuses_of(job)]
    assert len(waited) >= 6
    records = capacity(srv, "instances", "--all")["Instances"]
    assert sorted(record["job"] for record in records) == sorted(names)
    assert all(record["releasedAt"] and record["pool"] == "on-demand" and record["vCPUs"] == 2 for record in records)
    assert most_at_once(records) == 4
    # Each job's instance lived inside the job's own life.
    for job in jobs:
        record = next(r for r in records if r["job"] == job["TrainingJobName"])
        assert record["launchedAt"] >= job["CreationTime"].timestamp() - 1
        assert record["releasedAt"] <= job["TrainingEndTime"].timestamp() + 1


def test_requests_that_can_never_fit_are_refused_naming_the_limit(fresh_server):
    srv = fresh_server(extra_args=["--on-demand-pool", "vcpus=8,memory-gib=40", "--spot-pool", "quota:ml.c5.xlarge=1",
                                   "--max-instances", "50"])
    setup_bucket(srv)
    cases = [
        (dict(instance="ml.p3.2xlarge"), "'gpus' is 0"),
        (dict(instance="ml.m5.4xlarge"), "'vcpus' is 8"),
        (dict(instance="ml.r5.2xlarge"), "'memory-mib' is 40960"),
        (dict(instance="ml.m5.large", count=5), "'vcpus' is 8"),
        (dict(instance="ml.c5.xlarge", count=2, EnableManagedSpotTraining=True,
              StoppingCondition={"MaxRuntimeInSeconds": 60, "MaxWaitTimeInSeconds": 120}), "'quota:ml.c5.xlarge' is 1"),
    ]
    for index, (arguments, limit) in enumerate(cases):
        with pytest.raises(ClientError) as error:
            create(srv, f"never-{index}", "resumable.py", **arguments)
        assert error.value.response["Error"]["Code"] == "ResourceLimitExceeded"
        assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert limit in error.value.response["Error"]["Message"], error.value.response["Error"]["Message"]
    sm = srv.client("sagemaker")
    assert sm.list_training_jobs()["TrainingJobSummaries"] == []
    # Spot without MaxWaitTimeInSeconds, or with one below MaxRuntimeInSeconds: ValidationException.
    for stopping in ({"MaxRuntimeInSeconds": 60}, {"MaxRuntimeInSeconds": 60, "MaxWaitTimeInSeconds": 30}):
        with pytest.raises(ClientError) as error:
            create(srv, "spot-no-wait", "resumable.py", EnableManagedSpotTraining=True, StoppingCondition=stopping)
        assert error.value.response["Error"]["Code"] == "ValidationException"
        assert "MaxWaitTimeInSeconds" in error.value.response["Error"]["Message"]
    # CheckpointConfig without spot or retry is allowed; a job that fits still runs.
    create(srv, "fits", "resumable.py", hyper={"seconds": "1"}, CheckpointConfig={"S3Uri": "s3://resilience/ckpt/fits"})
    assert wait(srv, "fits")["TrainingJobStatus"] == "Completed"


def test_capacity_view_and_bad_operator_input(fresh_server):
    srv = fresh_server(extra_args=["--on-demand-pool", "vcpus=2", "--stop-grace", "5"])
    setup_bucket(srv)
    create(srv, "view-1", "resumable.py", hyper={"seconds": "30"})
    create(srv, "view-2", "resumable.py", hyper={"seconds": "1"})
    deadline = time.time() + 30
    while not capacity(srv)["Instances"] and time.time() < deadline:
        time.sleep(0.2)
    out = subprocess.run([BINARY, "capacity", "--home", str(srv.home)], capture_output=True, text=True, env=clean_env(), timeout=30)
    assert out.returncode == 0, out.stderr
    assert "on-demand" in out.stdout and "2/2" in out.stdout and "view-1" in out.stdout
    assert "queue: 1 job(s) waiting" in out.stdout and "view-2" in out.stdout
    assert "cost so far" in out.stdout
    running = capacity(srv)["Instances"][0]
    # Only spot instances can be reclaimed; unknown ones are an error, not a crash.
    for target, message in ((running["instanceID"], "on-demand"), ("i-99999999", "no running instance")):
        out = subprocess.run([BINARY, "capacity", "reclaim", target, "--home", str(srv.home)], capture_output=True, text=True,
                             env=clean_env(), timeout=30)
        assert out.returncode != 0 and message in out.stderr, out.stderr
    out = subprocess.run([BINARY, "capacity", "reclaim", "--home", str(srv.home)], capture_output=True, text=True, env=clean_env())
    assert out.returncode == 64
    srv.client("sagemaker").stop_training_job(TrainingJobName="view-1")
    assert wait(srv, "view-2")["TrainingJobStatus"] == "Completed"
    view = capacity(srv, "--all")
    cost = view["Cost"]
    assert cost["Actual"] > 0 and abs(cost["OnDemandEquivalent"] - cost["Actual"]) < 1e-9 and cost["Saved"] == pytest.approx(0)
