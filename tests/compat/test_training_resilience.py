"""What a training job survives and how it ends when it cannot: the instance type's memory limit
(OutOfMemory), a lost instance (RetryStrategy, checkpoints synced and restored), a platform restart
(queued jobs keep their place, running ones restart or end with a reason), and the channel forms
beyond a plain prefix (ManifestFile, Gzip, ShardedByS3Key, FastFile)."""
import gzip
import io
import json
import os
import signal
import tarfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
GROUP = "/aws/sagemaker/TrainingJobs"


def setup_bucket(server, bucket="resilience"):
    s3 = server.client("s3")
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    for script in ("eat_memory.py", "resumable.py", "read_channels.py", "fill_disk.py"):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            archive.add(HERE / "jobs" / script, arcname=script)
        s3.put_object(Bucket=bucket, Key=f"code/{script}/sourcedir.tar.gz", Body=buffer.getvalue())
    s3.put_object(Bucket=bucket, Key="data/plain/a.csv", Body=b"1,2\n")
    return s3


def create(server, name, script, bucket="resilience", hyper=None, channels=None, instance="ml.m5.large", count=1, **extra):
    hyperparameters = {"sagemaker_program": json.dumps(script),
                       "sagemaker_submit_directory": json.dumps(f"s3://{bucket}/code/{script}/sourcedir.tar.gz")}
    hyperparameters.update(hyper or {})
    if channels is None:
        channels = [{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/data/plain/"}}}]
    request = dict(
        TrainingJobName=name, RoleArn=ROLE, HyperParameters=hyperparameters, InputDataConfig=channels,
        AlgorithmSpecification={"TrainingImage": "anneal/python:3", "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/output"},
        ResourceConfig={"InstanceType": instance, "InstanceCount": count, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 300})
    request.update(extra)
    return server.client("sagemaker").create_training_job(**request)


def wait(server, name, statuses=("Completed", "Failed", "Stopped"), timeout=240, secondary=None):
    sm = server.client("sagemaker")
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = sm.describe_training_job(TrainingJobName=name)
        if job["TrainingJobStatus"] in statuses and (secondary is None or job["SecondaryStatus"] == secondary):
            return job
        time.sleep(0.3)
    raise AssertionError(f"{name} did not reach {statuses}/{secondary}: {sm.describe_training_job(TrainingJobName=name)}")


def lines(server, name):
    logs = server.client("logs")
    try:
        events = logs.filter_log_events(logGroupName=GROUP, logStreamNamePrefix=name + "/")["events"]
    except logs.exceptions.ResourceNotFoundException:  # no worker has made the group yet
        return []
    return [e["message"] for e in sorted(events, key=lambda e: (e["timestamp"], e.get("ingestionTime", 0)))]


def wait_for_line(server, name, text, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(text in line for line in lines(server, name)):
            return
        time.sleep(0.3)
    raise AssertionError(f"{name} never printed {text!r}: {lines(server, name)}")


def worker_pids(name):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if b"worker" in argv and b"--job" in argv and argv[argv.index(b"--job") + 1] == name.encode():
            pids.append(int(entry))
    return pids


def statuses_of(job):
    return [transition["Status"] for transition in job["SecondaryStatusTransitions"]]


def test_memory_over_the_instance_type_is_out_of_memory(server):
    setup_bucket(server)
    # ml.t3.medium has 4 GiB: the script keeps allocating past it.
    create(server, "oom-1", "eat_memory.py", instance="ml.t3.medium")
    job = wait(server, "oom-1")
    assert job["TrainingJobStatus"] == "Failed"
    assert job["SecondaryStatus"] == "Failed"
    assert job["FailureReason"] == "OutOfMemory: Process killed by SIGKILL (signal 9)"
    printed = lines(server, "oom-1")
    assert not any("no memory limit" in line for line in printed)
    allocated = [int(line.split()[1]) for line in printed if line.startswith("allocated ")]
    assert allocated and 3000 <= max(allocated) <= 4096, allocated[-3:]
    assert any("ml.t3.medium: 2 vCPUs, 4096 MiB memory" in line for line in printed)


def test_sm_num_cpus_follows_the_instance_type(server):
    setup_bucket(server)
    create(server, "cpus-1", "read_channels.py", instance="ml.m5.large")
    job = wait(server, "cpus-1")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    assert f"cpus {min(2, os.cpu_count())}" in lines(server, "cpus-1")
    # The training process runs at the normal priority; the platform yields to it through its cgroup.
    assert "nice 0" in lines(server, "cpus-1")


def test_the_training_process_outweighs_the_platform_for_the_cpu(server):
    setup_bucket(server)
    create(server, "weight-1", "resumable.py", hyper={"seconds": "30"})
    wait_for_line(server, "weight-1", "checkpoint 1 written")
    groups = [line.split(":", 2) for line in open("/proc/self/cgroup").read().splitlines()]
    cpu = next((g for g in groups if "cpu" in g[1].split(",")), None)
    if cpu is not None and os.geteuid() == 0:  # cgroup v1 with a cpu controller, as root (CI)
        mount = next(line.split()[4] for line in open("/proc/self/mountinfo")
                     if " - cgroup " in line and "cpu" in line.split(" - ")[1].split()[2].split(","))
        # One group per worker process (anneal-<job>-algo-<n>-<pid>).
        [group] = (Path(mount) / cpu[2].lstrip("/")).glob("anneal-weight-1-algo-1-*")
        assert (group / "cpu.shares").read_text().strip() == "10240"
    server.client("sagemaker").stop_training_job(TrainingJobName="weight-1")
    assert wait(server, "weight-1")["TrainingJobStatus"] == "Stopped"


def test_a_lost_instance_is_retried_and_resumes_from_its_checkpoint(server):
    s3 = setup_bucket(server)
    create(server, "retry-1", "resumable.py", hyper={"seconds": "120", "resumed-seconds": "1"},
           CheckpointConfig={"S3Uri": "s3://resilience/checkpoints/retry-1"},
           RetryStrategy={"MaximumRetryAttempts": 2})
    wait_for_line(server, "retry-1", "checkpoint 1 written")
    # The continuous sync copies the checkpoint to S3 while the script works.
    deadline = time.time() + 30
    while time.time() < deadline:
        listed = s3.list_objects_v2(Bucket="resilience", Prefix="checkpoints/retry-1/").get("Contents", [])
        if any(item["Key"].endswith("step.txt") for item in listed):
            break
        time.sleep(0.5)
    else:
        raise AssertionError("the checkpoint was never synced to S3")
    for pid in worker_pids("retry-1"):
        os.kill(pid, signal.SIGKILL)
    job = wait(server, "retry-1")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    statuses = statuses_of(job)
    assert "Restarting" in statuses
    assert statuses.index("Restarting") < len(statuses) - 1 - statuses[::-1].index("Training")
    restart = next(t for t in job["SecondaryStatusTransitions"] if t["Status"] == "Restarting")
    assert "retry 1 of 2" in restart["StatusMessage"] and "InternalServerError" in restart["StatusMessage"]
    assert any("resumed from checkpoint 1" in line for line in lines(server, "retry-1"))
    body = s3.get_object(Bucket="resilience", Key="output/retry-1/output/model.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        assert archive.extractfile("steps.txt").read() == b"2"


def test_without_retry_strategy_a_lost_instance_fails_the_job(server):
    setup_bucket(server)
    create(server, "lost-1", "resumable.py", hyper={"seconds": "120"})
    wait_for_line(server, "lost-1", "checkpoint 1 written")
    for pid in worker_pids("lost-1"):
        os.kill(pid, signal.SIGKILL)
    job = wait(server, "lost-1")
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("InternalServerError: the instance algo-1 ended")
    assert "Restarting" not in statuses_of(job)


def test_an_algorithm_error_is_not_retried(server):
    setup_bucket(server)
    create(server, "algo-err-1", "resumable.py", hyper={"seconds": "not-a-number"}, RetryStrategy={"MaximumRetryAttempts": 3})
    job = wait(server, "algo-err-1")
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("AlgorithmError")
    assert "Restarting" not in statuses_of(job)


def test_a_restart_keeps_queued_jobs_and_retries_running_ones(fresh_server, executor):
    """Local workers die with the server: a job with a RetryStrategy restarts from its checkpoint,
    one without fails saying why. Slurm jobs outlive it: the restarted server reattaches them and
    they complete without a restart. Queued jobs are kept either way."""
    srv = fresh_server(extra_args=["--max-instances", "2"])
    setup_bucket(srv)
    create(srv, "running-1", "resumable.py", hyper={"seconds": "120"}, RetryStrategy={"MaximumRetryAttempts": 1},
           CheckpointConfig={"S3Uri": "s3://resilience/checkpoints/running-1"})
    create(srv, "running-2", "resumable.py", hyper={"seconds": "120"})
    create(srv, "queued-1", "resumable.py", hyper={"seconds": "1"})
    wait_for_line(srv, "running-1", "checkpoint 1 written")
    wait_for_line(srv, "running-2", "checkpoint 1 written")
    assert wait(srv, "queued-1", statuses=("InProgress",))["SecondaryStatus"] == "Pending"
    time.sleep(6)  # one checkpoint sync pass
    srv.kill9()
    srv.port = int(srv.endpoint.rsplit(":", 1)[1])  # back on the same port, where Slurm's workers look for it
    srv.start()
    first = wait(srv, "running-1", timeout=300)
    assert first["TrainingJobStatus"] == "Completed", first.get("FailureReason")
    second = wait(srv, "running-2", timeout=300)
    if executor == "slurm":
        assert "Restarting" not in statuses_of(first)
        assert not any("resumed from checkpoint" in line for line in lines(srv, "running-1"))
        assert second["TrainingJobStatus"] == "Completed", second.get("FailureReason")
    else:
        assert "Restarting" in statuses_of(first)
        assert any("resumed from checkpoint 1" in line for line in lines(srv, "running-1"))
        assert second["TrainingJobStatus"] == "Failed"
        assert "Anneal stopped while this job ran" in second["FailureReason"]
    queued = wait(srv, "queued-1", timeout=300)
    assert queued["TrainingJobStatus"] == "Completed", queued.get("FailureReason")
    assert "Restarting" not in statuses_of(queued)


def test_manifest_gzip_sharded_and_fastfile_channels(server):
    s3 = setup_bucket(server)
    s3.put_object(Bucket="resilience", Key="raw/x/one.csv", Body=b"one")
    s3.put_object(Bucket="resilience", Key="raw/y/two.csv", Body=b"two")
    s3.put_object(Bucket="resilience", Key="raw/z/not-listed.csv", Body=b"no")
    manifest = [{"prefix": "s3://resilience/raw/"}, "x/one.csv", "y/two.csv"]
    s3.put_object(Bucket="resilience", Key="manifests/m.json", Body=json.dumps(manifest).encode())
    s3.put_object(Bucket="resilience", Key="gz/part.csv.gz", Body=gzip.compress(b"unzipped"))
    for index in range(4):
        s3.put_object(Bucket="resilience", Key=f"shards/s{index}.csv", Body=str(index).encode())
    def channel(name, uri, kind="S3Prefix", **more):
        source = {"S3DataType": kind, "S3Uri": uri}
        source.update(more.pop("source", {}))
        return {"ChannelName": name, "DataSource": {"S3DataSource": source}, **more}
    channels = [channel("manifest", "s3://resilience/manifests/m.json", kind="ManifestFile"),
                channel("gz", "s3://resilience/gz/", CompressionType="Gzip"),
                channel("shards", "s3://resilience/shards/", source={"S3DataDistributionType": "ShardedByS3Key"}),
                channel("fast", "s3://resilience/data/plain/", InputMode="FastFile")]
    create(server, "channels-1", "read_channels.py", channels=channels, count=2)
    job = wait(server, "channels-1")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    streams = server.client("logs").describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="channels-1/")["logStreams"]
    by_host = {}
    for stream in streams:
        events = server.client("logs").get_log_events(logGroupName=GROUP, logStreamName=stream["logStreamName"],
                                                      startFromHead=True)["events"]
        by_host[stream["logStreamName"].split("/")[1].rsplit("-", 1)[0]] = {e["message"] for e in events}
    for host in ("algo-1", "algo-2"):
        printed = by_host[host]
        assert {"manifest:x/one.csv=one", "manifest:y/two.csv=two", "gz:part.csv=unzipped", "fast:a.csv=1,2"} <= printed
        assert not any("not-listed" in line for line in printed)
    shards = {host: sorted(line for line in printed if line.startswith("shards:")) for host, printed in by_host.items()}
    assert shards["algo-1"] == ["shards:s0.csv=0", "shards:s2.csv=2"]
    assert shards["algo-2"] == ["shards:s1.csv=1", "shards:s3.csv=3"]


def test_bad_channels_fail_with_a_client_error(server):
    s3 = setup_bucket(server)
    s3.put_object(Bucket="resilience", Key="manifests/bad.json", Body=b"{not json")
    s3.put_object(Bucket="resilience", Key="notgz/part.csv.gz", Body=b"plain text")
    cases = {
        "badmanifest-1": ({"S3DataType": "ManifestFile", "S3Uri": "s3://resilience/manifests/bad.json"}, {}, "is not a JSON array"),
        "badgzip-1": ({"S3DataType": "S3Prefix", "S3Uri": "s3://resilience/notgz/"}, {"CompressionType": "Gzip"}, "is not gzip data"),
        "pipe-1": ({"S3DataType": "S3Prefix", "S3Uri": "s3://resilience/data/plain/"}, {"InputMode": "Pipe"}, "Pipe input mode"),
    }
    for name, (source, more, _) in cases.items():
        create(server, name, "read_channels.py", channels=[{"ChannelName": "train", "DataSource": {"S3DataSource": source}, **more}])
    for name, (_, _, message) in cases.items():
        job = wait(server, name)
        assert job["TrainingJobStatus"] == "Failed"
        assert job["FailureReason"].startswith("ClientError") and message in job["FailureReason"], job["FailureReason"]


def test_a_job_that_fills_its_volume_fails_and_the_others_go_on(fresh_server):
    srv = fresh_server(extra_args=["--stop-grace", "5"])
    setup_bucket(srv)
    create(srv, "fills-disk", "fill_disk.py", ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1})
    create(srv, "bystander", "resumable.py", hyper={"seconds": "6"})
    job = wait(srv, "fills-disk", timeout=120)
    assert job["TrainingJobStatus"] == "Failed"
    reason = job["FailureReason"]
    assert reason.startswith("ClientError: The training job's storage volume is full") and "VolumeSizeInGB is 1" in reason, reason
    assert any(line.startswith("[anneal] ClientError: The training job's storage volume is full") for line in lines(srv, "fills-disk"))
    written = [line for line in lines(srv, "fills-disk") if line.startswith("wrote ")]
    assert 4 <= len(written) <= 12, written  # stopped within moments of passing 1 GiB
    assert wait(srv, "bystander", timeout=120)["TrainingJobStatus"] == "Completed"
    # The released instance's files are gone from the disk; its worker's log stays.
    directory = srv.home / "jobs" / "fills-disk"
    deadline = time.time() + 10
    while time.time() < deadline and sorted(entry.name for entry in directory.iterdir()) != ["algo-1.worker.log"]:
        time.sleep(0.2)
    assert sorted(entry.name for entry in directory.iterdir()) == ["algo-1.worker.log"]

