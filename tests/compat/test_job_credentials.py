"""A training job's instances (the worker and the script) get session credentials of their own,
bound to the job, as SageMaker's get the execution role's: never the administrator's key. What the
session may do is checked here with the real clients while the job runs, and that it stops working
once the job has ended."""
import io
import json
import pathlib
import tarfile
import time

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from test_training_resilience import create, setup_bucket, wait


def upload_script(s3, script, bucket="resilience"):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(pathlib.Path(__file__).parent / "jobs" / script, arcname=script)
    s3.put_object(Bucket=bucket, Key=f"code/{script}/sourcedir.tar.gz", Body=buffer.getvalue())


def published(server, name, bucket="resilience", timeout=120):
    """The credentials a running session_probe.py job published (it waits for its release)."""
    s3 = server.client("s3")
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            return json.loads(s3.get_object(Bucket=bucket, Key=f"probe/{name}/credentials.json")["Body"].read())
        except s3.exceptions.NoSuchKey:
            job = server.client("sagemaker").describe_training_job(TrainingJobName=name)
            assert job["TrainingJobStatus"] == "InProgress", job.get("FailureReason")
            time.sleep(0.3)
    raise AssertionError(f"{name} never published its credentials")


def release(server, name, bucket="resilience"):
    server.client("s3").put_object(Bucket=bucket, Key=f"probe/{name}/release", Body=b"")


@pytest.fixture(scope="module")
def session(server):
    """The session credentials of a job that is still running (it waits to be released)."""
    upload_script(setup_bucket(server), "session_probe.py")
    create(server, "creds-1", "session_probe.py", hyper={"publish": "s3://resilience/probe/creds-1"})
    yield published(server, "creds-1")
    release(server, "creds-1")


def client(server, service, creds, token=True):
    return boto3.client(service, endpoint_url=server.endpoint, region_name=server.region(),
                        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"], aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
                        aws_session_token=creds["AWS_SESSION_TOKEN"] if token else None,
                        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}))


def test_the_script_gets_session_credentials_not_the_administrators(server, session):
    admin_key, _ = server.admin_keys()
    assert session["AWS_ACCESS_KEY_ID"].startswith("ASIA") and session["AWS_ACCESS_KEY_ID"] != admin_key
    assert session["AWS_SESSION_TOKEN"] and session["AWS_ENDPOINT_URL"] == server.endpoint
    identity = client(server, "sts", session).get_caller_identity()
    assert identity["Arn"].endswith(":assumed-role/SageMakerRole/SageMaker")


def test_the_session_reads_and_writes_data_and_its_own_job(server, session):
    s3 = client(server, "s3", session)
    s3.put_object(Bucket="resilience", Key="from-job/x.txt", Body=b"x")
    assert s3.get_object(Bucket="resilience", Key="from-job/x.txt")["Body"].read() == b"x"
    sm = client(server, "sagemaker", session)
    assert sm.describe_training_job(TrainingJobName="creds-1")["TrainingJobName"] == "creds-1"


def test_the_session_can_do_nothing_else(server, session):
    sm = client(server, "sagemaker", session)
    create(server, "creds-other", "read_channels.py")
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        sm.describe_training_job(TrainingJobName="creds-other")
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "sagemaker:DescribeTrainingJob" in denied.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        sm.list_training_jobs()
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        sm.stop_training_job(TrainingJobName="creds-1")
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    wait(server, "creds-other")


def test_the_session_key_needs_its_token(server, session):
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        client(server, "sts", session, token=False).get_caller_identity()
    assert refused.value.response["Error"]["Code"] == "InvalidClientTokenId"
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        client(server, "s3", dict(session, AWS_SESSION_TOKEN=session["AWS_SESSION_TOKEN"][:-4] + "AAAA")).list_buckets()
    assert refused.value.response["Error"]["Code"] == "InvalidToken"


def test_the_session_ends_with_the_job(server, session):
    # Works while the job runs...
    assert client(server, "sts", session).get_caller_identity()["Arn"].endswith(":assumed-role/SageMakerRole/SageMaker")
    release(server, "creds-1")
    job = wait(server, "creds-1")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    # ... and not at all once it has ended, in each protocol's terms.
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        client(server, "sts", session).get_caller_identity()
    assert refused.value.response["Error"]["Code"] == "ExpiredToken"
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        client(server, "s3", session).get_object(Bucket="resilience", Key="data/plain/a.csv")
    assert refused.value.response["Error"]["Code"] == "ExpiredToken"
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        client(server, "sagemaker", session).describe_training_job(TrainingJobName="creds-1")
    assert refused.value.response["Error"]["Code"] == "ExpiredTokenException"
