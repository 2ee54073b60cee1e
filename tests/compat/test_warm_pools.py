"""Warm pools (ResourceConfig.KeepAlivePeriodInSeconds), as SageMaker keeps them: a finished job's
instance stays Available for a matching next job, which takes it over (Reused / InUse) and starts
without downloading unchanged channel objects or reinstalling an unchanged requirements.txt; a job
that does not match gets a new instance; a pool ends Terminated when its time runs out, when
UpdateTrainingJob sets the period to 0, or when a waiting job needs its capacity; spot jobs cannot
keep one."""
import base64
import hashlib
import io
import json
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from test_capacity import capacity
from test_training_resilience import ROLE, lines, wait

HERE = Path(__file__).resolve().parent
BUCKET = "warm"


def wheel(version):
    """A minimal wheel of the package `tinywarm` (no dependencies): pip installs it offline."""
    files = {"tinywarm/__init__.py": f"VERSION = {version!r}\n",
             f"tinywarm-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: tinywarm\nVersion: {version}\n",
             f"tinywarm-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = ""
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record += f"{name},sha256={digest},{len(text.encode())}\n"
    files[f"tinywarm-{version}.dist-info/RECORD"] = record + f"tinywarm-{version}.dist-info/RECORD,,\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return f"tinywarm-{version}-py3-none-any.whl", buffer.getvalue()


def upload_code(s3, version):
    """sourcedir.tar.gz with warm_job.py, the wheel and a requirements.txt naming it."""
    name, data = wheel(version)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(HERE / "jobs" / "warm_job.py", arcname="warm_job.py")
        for member, content in ((name, data), ("requirements.txt", f"./{name}\n".encode())):
            info = tarfile.TarInfo(member)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    key = f"code/{version}/sourcedir.tar.gz"
    s3.put_object(Bucket=BUCKET, Key=key, Body=buffer.getvalue())
    return f"s3://{BUCKET}/{key}"


def create(srv, name, code, keep_alive=60, instance="ml.m5.large", **extra):
    resources = {"InstanceType": instance, "InstanceCount": 1, "VolumeSizeInGB": 30}
    if keep_alive is not None:
        resources["KeepAlivePeriodInSeconds"] = keep_alive
    request = dict(
        TrainingJobName=name, RoleArn=ROLE,
        HyperParameters={"sagemaker_program": json.dumps("warm_job.py"), "sagemaker_submit_directory": json.dumps(code)},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/data/"}}}],
        AlgorithmSpecification={"TrainingImage": "anneal/python:3", "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/output"}, ResourceConfig=resources,
        StoppingCondition={"MaxRuntimeInSeconds": 120})
    request.update(extra)
    srv.client("sagemaker").create_training_job(**request)


def warm_status(srv, name):
    return srv.client("sagemaker").describe_training_job(TrainingJobName=name).get("WarmPoolStatus")


def wait_warm(srv, name, status, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        current = warm_status(srv, name)
        if current and current["Status"] == status:
            return current
        time.sleep(0.2)
    raise AssertionError(f"{name}: warm pool {warm_status(srv, name)}, expected {status}")


@pytest.fixture()
def srv(fresh_server):
    server = fresh_server(extra_args=["--on-demand-pool", "vcpus=4", "--max-instances", "10", "--stop-grace", "5"])
    s3 = server.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="data/a.csv", Body=b"alpha")
    s3.put_object(Bucket=BUCKET, Key="data/b.csv", Body=b"beta")
    s3.put_object(Bucket=BUCKET, Key="data/d.csv", Body=b"delta")
    server.code = upload_code(s3, "1.0")
    return server


def test_a_matching_job_takes_the_warm_instance_and_reuses_what_did_not_change(srv):
    create(srv, "warm-first", srv.code)
    first = wait(srv, "warm-first")
    assert first["TrainingJobStatus"] == "Completed", first.get("FailureReason")
    assert wait_warm(srv, "warm-first", "Available")
    first_lines = lines(srv, "warm-first")
    assert "[anneal] installing requirements.txt" in first_lines
    assert any(line.startswith("cache /opt/ml/sagemaker/warmpoolcache marker none") for line in first_lines)
    view = capacity(srv)
    assert [pool["job"] for pool in view["WarmPools"]] == ["warm-first"]
    instance = view["WarmPools"][0]["instances"][0]
    assert next(pool for pool in view["Pools"] if pool["pool"] == "on-demand")["instances"] == 1

    # One object changes, one goes, one is new, one stays as it was.
    s3 = srv.client("s3")
    s3.put_object(Bucket=BUCKET, Key="data/b.csv", Body=b"beta two")
    s3.delete_object(Bucket=BUCKET, Key="data/a.csv")
    s3.put_object(Bucket=BUCKET, Key="data/c.csv", Body=b"gamma")
    create(srv, "warm-second", srv.code, keep_alive=30)
    second = wait(srv, "warm-second")
    assert second["TrainingJobStatus"] == "Completed", second.get("FailureReason")
    reused = warm_status(srv, "warm-first")
    assert reused["Status"] == "Reused" and reused["ReusedByJob"] == "warm-second"
    assert reused["ResourceRetainedBillableTimeInSeconds"] >= 0
    second_lines = lines(srv, "warm-second")
    assert {"file b.csv beta two", "file c.csv gamma", "file d.csv delta"} <= set(second_lines)
    assert not any(line.startswith("file a.csv") for line in second_lines), second_lines
    assert any(line.startswith("[anneal] channel train: 3 object(s)") and line.endswith(", 1 already on this warm instance")
               for line in second_lines), second_lines
    assert "[anneal] installing requirements.txt" not in second_lines
    assert any("requirements.txt unchanged" in line for line in second_lines)
    assert "tinywarm 1.0" in second_lines
    assert "cache /opt/ml/sagemaker/warmpoolcache marker warm-first" in second_lines
    # The same instance ran both jobs; now it is the second job's warm pool.
    assert wait_warm(srv, "warm-second", "Available")
    view = capacity(srv)
    assert [(pool["job"], pool["instances"]) for pool in view["WarmPools"]] == [("warm-second", [instance])]
    records = capacity(srv, "instances", "--all")["Instances"]
    assert [record["instanceID"] for record in records] == [instance]

    # A job with other requirements installs them; a job of another instance type gets a new instance.
    create(srv, "warm-third", upload_code(s3, "2.0"), keep_alive=30)
    third = wait(srv, "warm-third")
    assert third["TrainingJobStatus"] == "Completed", third.get("FailureReason")
    third_lines = lines(srv, "warm-third")
    assert "[anneal] installing requirements.txt" in third_lines and "tinywarm 2.0" in third_lines
    assert warm_status(srv, "warm-second")["Status"] == "Reused"
    create(srv, "warm-other-type", srv.code, instance="ml.t3.large")
    other = wait(srv, "warm-other-type")
    assert other["TrainingJobStatus"] == "Completed", other.get("FailureReason")
    assert wait_warm(srv, "warm-third", "Available")
    assert "cache /opt/ml/sagemaker/warmpoolcache marker none" in " ".join(lines(srv, "warm-other-type"))


def test_a_warm_pool_ends_when_its_time_runs_out_or_when_updated_to_zero(srv):
    sm = srv.client("sagemaker")
    create(srv, "warm-short", srv.code, keep_alive=2)
    assert wait(srv, "warm-short")["TrainingJobStatus"] == "Completed"
    ended = wait_warm(srv, "warm-short", "Terminated", timeout=20)
    assert ended["ResourceRetainedBillableTimeInSeconds"] >= 1
    assert capacity(srv)["WarmPools"] == []
    with pytest.raises(ClientError) as error:
        sm.update_training_job(TrainingJobName="warm-short", ResourceConfig={"KeepAlivePeriodInSeconds": 60})
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "Terminated" in error.value.response["Error"]["Message"]

    create(srv, "warm-updated", srv.code, keep_alive=600)
    assert wait(srv, "warm-updated")["TrainingJobStatus"] == "Completed"
    wait_warm(srv, "warm-updated", "Available")
    sm.update_training_job(TrainingJobName="warm-updated", ResourceConfig={"KeepAlivePeriodInSeconds": 900})
    assert sm.describe_training_job(TrainingJobName="warm-updated")["ResourceConfig"]["KeepAlivePeriodInSeconds"] == 900
    assert 850 < capacity(srv)["WarmPools"][0]["secondsLeft"] <= 900
    sm.update_training_job(TrainingJobName="warm-updated", ResourceConfig={"KeepAlivePeriodInSeconds": 0})
    wait_warm(srv, "warm-updated", "Terminated", timeout=10)
    assert capacity(srv)["WarmPools"] == []
    listed = sm.list_training_jobs(WarmPoolStatusEquals="Terminated")["TrainingJobSummaries"]
    assert sorted(job["TrainingJobName"] for job in listed) == ["warm-short", "warm-updated"]


def test_a_waiting_job_gets_the_capacity_of_idle_warm_pools(srv):
    # The pool holds 4 vCPUs: two ml.m5.large (2 vCPUs each) kept warm fill it.
    for name in ("warm-a", "warm-b"):
        create(srv, name, srv.code, keep_alive=600)
    for name in ("warm-a", "warm-b"):
        assert wait(srv, name)["TrainingJobStatus"] == "Completed"
        wait_warm(srv, name, "Available")
    # A job that matches neither (no keep-alive) needs the capacity of one of them.
    create(srv, "cold-needs-room", srv.code, keep_alive=None, instance="ml.m5.xlarge")
    job = wait(srv, "cold-needs-room", timeout=60)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    ended = [name for name in ("warm-a", "warm-b") if warm_status(srv, name)["Status"] == "Terminated"]
    assert len(ended) == 2  # ml.m5.xlarge needs 4 vCPUs: both pools gave way, the oldest first


def test_bad_warm_pool_requests_are_refused(srv):
    sm = srv.client("sagemaker")
    with pytest.raises(ClientError) as error:
        create(srv, "warm-spot", srv.code, EnableManagedSpotTraining=True,
               StoppingCondition={"MaxRuntimeInSeconds": 60, "MaxWaitTimeInSeconds": 120})
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "spot" in error.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as error:
        create(srv, "warm-too-long", srv.code, keep_alive=21601)  # the model allows at most 21600
    assert error.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as error:
        sm.update_training_job(TrainingJobName="no-such-job", ResourceConfig={"KeepAlivePeriodInSeconds": 0})
    assert error.value.response["Error"]["Message"] == "Requested resource not found."
    create(srv, "warm-none", srv.code, keep_alive=None)
    assert wait(srv, "warm-none")["TrainingJobStatus"] == "Completed"
    assert "WarmPoolStatus" not in sm.describe_training_job(TrainingJobName="warm-none")
    with pytest.raises(ClientError) as error:
        sm.update_training_job(TrainingJobName="warm-none", ProfilerConfig={"S3OutputPath": "s3://warm/p"})
    assert "ProfilerConfig cannot be updated" in error.value.response["Error"]["Message"]
