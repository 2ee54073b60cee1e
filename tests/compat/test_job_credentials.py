"""A training job's instances (the worker and the script) get session credentials of their own,
bound to the job, as SageMaker's get the execution role's: never the administrator's key. What the
session may do is checked here with the real clients."""
import io
import json
import tarfile

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from test_training_resilience import create, setup_bucket, wait


@pytest.fixture(scope="module")
def session(server):
    s3 = setup_bucket(server)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(__import__("pathlib").Path(__file__).parent / "jobs" / "dump_credentials.py", arcname="dump_credentials.py")
    s3.put_object(Bucket="resilience", Key="code/dump_credentials.py/sourcedir.tar.gz", Body=buffer.getvalue())
    create(server, "creds-1", "dump_credentials.py")
    job = wait(server, "creds-1")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    body = s3.get_object(Bucket="resilience", Key="output/creds-1/output/model.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        return json.loads(archive.extractfile("credentials.json").read())


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
