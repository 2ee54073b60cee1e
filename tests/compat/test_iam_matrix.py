"""Least privilege through boto3, as the Sorts team sets it up: three users (read-only; a data
scientist limited to one bucket and to ml.m5 instances; a pipeline that may only create training
jobs, with one role) and a user allowed everything but one bucket. Every allowed call succeeds,
every other is denied with the error each protocol's clients expect (S3's AccessDenied XML,
JSON's AccessDeniedException, Query's AccessDenied), and every denial is in the audit log, read
through `anneal audit --json` and through the console's ListAuditEvents."""
import io
import json
import os
import subprocess
import tarfile
import time
from pathlib import Path

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

HERE = Path(__file__).resolve().parent
BINARY = os.environ.get("ANNEAL_BIN", str(HERE.parents[1] / ".build" / "release" / "anneal"))
TRUST_SAGEMAKER = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def data_a_job_policy():
    return doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
                "Resource": ["arn:aws:s3:::data-a", "arn:aws:s3:::data-a/*"]},
               {"Effect": "Allow", "Action": ["logs:*", "cloudwatch:PutMetricData"], "Resource": "*"})


class World:
    """The account as the tests set it up: buckets, roles, users and their keys."""

    def __init__(self, server):
        self.server = server
        self.account = server.client("sts").get_caller_identity()["Account"]
        self.keys = {}
        self.denied = []  # (user, request id, action) of every call the matrix saw denied

    def role(self, name):
        return f"arn:aws:iam::{self.account}:role/{name}"

    def user_arn(self, name):
        return f"arn:aws:iam::{self.account}:user/{name}"

    def client(self, user, service):
        key = self.keys[user]
        return boto3.client(service, endpoint_url=self.server.endpoint, region_name=self.server.region(),
                            aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                            config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}))

    def audit_request(self, body, user=None):
        """ListAuditEvents as the console sends it (JSON 1.1, signed): (status, reply)."""
        key = self.keys[user] if user else {}
        prepared = self.server.signed("POST", "/", service="anneal", body=json.dumps(body).encode(),
                                      headers={"X-Amz-Target": "Anneal_20261204.ListAuditEvents",
                                               "Content-Type": "application/x-amz-json-1.1"},
                                      key=key.get("AccessKeyId"), secret=key.get("SecretAccessKey"))
        status, _, reply = self.server.send(prepared)
        return status, json.loads(reply)


def upload_code(s3, bucket, script):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(HERE / "jobs" / script, arcname=script)
    s3.put_object(Bucket=bucket, Key=f"code/{script}/sourcedir.tar.gz", Body=buffer.getvalue())


def job_request(name, role, instance="ml.m5.large", script="read_channels.py", channel="s3://data-a/train/", hyper=None):
    hyperparameters = {"sagemaker_program": json.dumps(script),
                       "sagemaker_submit_directory": json.dumps(f"s3://data-a/code/{script}/sourcedir.tar.gz")}
    hyperparameters.update(hyper or {})
    return dict(
        TrainingJobName=name, RoleArn=role, HyperParameters=hyperparameters,
        AlgorithmSpecification={"TrainingImage": "anneal/python:3", "TrainingInputMode": "File"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": channel}}}],
        OutputDataConfig={"S3OutputPath": "s3://data-a/output"},
        ResourceConfig={"InstanceType": instance, "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 300})


def tuning_request(name, role, instance):
    definition = job_request("unused", role, instance=instance)
    del definition["TrainingJobName"]
    definition["StaticHyperParameters"] = definition.pop("HyperParameters")
    definition["HyperParameterTuningResourceConfig"] = dict(definition.pop("ResourceConfig"))
    definition["AlgorithmSpecification"]["MetricDefinitions"] = [{"Name": "loss", "Regex": "loss=([0-9.]+)"}]
    return dict(HyperParameterTuningJobName=name, TrainingJobDefinition=definition, HyperParameterTuningJobConfig={
        "Strategy": "Random", "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "loss"},
        "ResourceLimits": {"MaxNumberOfTrainingJobs": 1, "MaxParallelTrainingJobs": 1},
        "ParameterRanges": {"IntegerParameterRanges": [{"Name": "depth", "MinValue": "1", "MaxValue": "3"}]}})


@pytest.fixture(scope="module")
def world(server):
    w = World(server)
    iam, s3 = server.client("iam"), server.client("s3")
    for bucket in ("data-a", "data-b"):
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket="data-a", Key="train/a.csv", Body=b"1,2\n")
    s3.put_object(Bucket="data-b", Key="train/b.csv", Body=b"3,4\n")
    for script in ("read_channels.py", "session_probe.py"):
        upload_code(s3, "data-a", script)
    for role in ("DataARole", "PipelineRole"):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(TRUST_SAGEMAKER))
        iam.put_role_policy(RoleName=role, PolicyName="data-a", PolicyDocument=data_a_job_policy())
    iam.create_role(RoleName="NoTrustRole", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{w.account}:root"}, "Action": "sts:AssumeRole"}]}))
    policies = {
        "reader": None,
        "scientist": doc(
            {"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::data-a", "arn:aws:s3:::data-a/*"]},
            {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
            {"Effect": "Allow", "Action": ["sagemaker:CreateTrainingJob", "sagemaker:CreateHyperParameterTuningJob"], "Resource": "*",
             "Condition": {"ForAllValues:StringLike": {"sagemaker:InstanceTypes": ["ml.m5.*"]}}},
            {"Effect": "Allow", "Action": ["sagemaker:Describe*", "sagemaker:List*", "sagemaker:Stop*"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": w.role("DataARole"),
             "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}}),
        "pipeline": doc(
            {"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob",
             "Resource": f"arn:aws:sagemaker:*:{w.account}:training-job/pipeline-*"},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": w.role("PipelineRole")}),
        "open": doc({"Effect": "Allow", "Action": "*", "Resource": "*"},
                    {"Sid": "NotDataB", "Effect": "Deny", "Action": "s3:*", "Resource": ["arn:aws:s3:::data-b", "arn:aws:s3:::data-b/*"]}),
    }
    for user, policy in policies.items():
        iam.create_user(UserName=user)
        w.keys[user] = iam.create_access_key(UserName=user)["AccessKey"]
        if policy:
            iam.put_user_policy(UserName=user, PolicyName="access", PolicyDocument=policy)
    iam.attach_user_policy(UserName="reader", PolicyArn="arn:aws:iam::aws:policy/AmazonSageMakerReadOnly")
    yield w
    sm = server.client("sagemaker")
    for job in sm.list_hyper_parameter_tuning_jobs(NameContains="mx-")["HyperParameterTuningJobSummaries"]:
        if job["HyperParameterTuningJobStatus"] == "InProgress":
            sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=job["HyperParameterTuningJobName"])


def s3_denied(action):
    return ("s3", 403, "AccessDenied", action)


def json_denied(action):
    return ("json", 400, "AccessDeniedException", action)


def query_denied(action):
    return ("query", 403, "AccessDenied", action)


OK = None

# (user, what, call(world), expected: OK or (protocol, HTTP status, code, action named in the message))
MATRIX = [
    ("reader", "list training jobs", lambda w: w.client("reader", "sagemaker").list_training_jobs(), OK),
    ("reader", "read data-a", lambda w: w.client("reader", "s3").get_object(Bucket="data-a", Key="train/a.csv"), OK),
    ("reader", "list data-b", lambda w: w.client("reader", "s3").list_objects_v2(Bucket="data-b"), OK),
    ("reader", "read logs", lambda w: w.client("reader", "logs").describe_log_groups(), OK),
    ("reader", "who am I", lambda w: w.client("reader", "sts").get_caller_identity(), OK),
    ("reader", "write data-a", lambda w: w.client("reader", "s3").put_object(Bucket="data-a", Key="x", Body=b"x"),
     s3_denied("s3:PutObject")),
    ("reader", "delete from data-b", lambda w: w.client("reader", "s3").delete_object(Bucket="data-b", Key="train/b.csv"),
     s3_denied("s3:DeleteObject")),
    ("reader", "create a training job",
     lambda w: w.client("reader", "sagemaker").create_training_job(**job_request("mx-reader", w.role("DataARole"))),
     json_denied("sagemaker:CreateTrainingJob")),
    ("reader", "create a user", lambda w: w.client("reader", "iam").create_user(UserName="mallory"), query_denied("iam:CreateUser")),
    ("reader", "assume a role", lambda w: w.client("reader", "sts").assume_role(RoleArn=w.role("DataARole"), RoleSessionName="reader-session"),
     query_denied("sts:AssumeRole")),

    ("scientist", "write and read data-a", lambda w: (
        w.client("scientist", "s3").put_object(Bucket="data-a", Key="scratch/s.csv", Body=b"s"),
        w.client("scientist", "s3").get_object(Bucket="data-a", Key="scratch/s.csv")), OK),
    ("scientist", "list buckets", lambda w: w.client("scientist", "s3").list_buckets(), OK),
    ("scientist", "train on ml.m5 with DataARole",
     lambda w: w.client("scientist", "sagemaker").create_training_job(**job_request("mx-scientist-m5", w.role("DataARole"))), OK),
    ("scientist", "tune on ml.m5 with DataARole", lambda w: w.client("scientist", "sagemaker").create_hyper_parameter_tuning_job(
        **tuning_request("mx-tune-m5", w.role("DataARole"), "ml.m5.large")), OK),
    ("scientist", "describe a job", lambda w: w.client("scientist", "sagemaker").describe_training_job(
        TrainingJobName="mx-scientist-m5"), OK),
    ("scientist", "read data-b", lambda w: w.client("scientist", "s3").get_object(Bucket="data-b", Key="train/b.csv"),
     s3_denied("s3:GetObject")),
    ("scientist", "list data-b", lambda w: w.client("scientist", "s3").list_objects_v2(Bucket="data-b"), s3_denied("s3:ListBucket")),
    ("scientist", "train on ml.c5",
     lambda w: w.client("scientist", "sagemaker").create_training_job(**job_request("mx-scientist-c5", w.role("DataARole"),
                                                                                    instance="ml.c5.xlarge")),
     json_denied("sagemaker:CreateTrainingJob")),
    ("scientist", "tune on ml.c5", lambda w: w.client("scientist", "sagemaker").create_hyper_parameter_tuning_job(
        **tuning_request("mx-tune-c5", w.role("DataARole"), "ml.c5.xlarge")), json_denied("sagemaker:CreateHyperParameterTuningJob")),
    ("scientist", "pass the pipeline's role",
     lambda w: w.client("scientist", "sagemaker").create_training_job(**job_request("mx-scientist-pr", w.role("PipelineRole"))),
     json_denied("iam:PassRole")),
    ("scientist", "list users", lambda w: w.client("scientist", "iam").list_users(), query_denied("iam:ListUsers")),

    ("pipeline", "train with PipelineRole",
     lambda w: w.client("pipeline", "sagemaker").create_training_job(**job_request("pipeline-1", w.role("PipelineRole"))), OK),
    ("pipeline", "train with DataARole",
     lambda w: w.client("pipeline", "sagemaker").create_training_job(**job_request("pipeline-2", w.role("DataARole"))),
     json_denied("iam:PassRole")),
    ("pipeline", "train under another name",
     lambda w: w.client("pipeline", "sagemaker").create_training_job(**job_request("adhoc-1", w.role("PipelineRole"))),
     json_denied("sagemaker:CreateTrainingJob")),
    ("pipeline", "list training jobs", lambda w: w.client("pipeline", "sagemaker").list_training_jobs(),
     json_denied("sagemaker:ListTrainingJobs")),
    ("pipeline", "describe its job", lambda w: w.client("pipeline", "sagemaker").describe_training_job(TrainingJobName="pipeline-1"),
     json_denied("sagemaker:DescribeTrainingJob")),
    ("pipeline", "list buckets", lambda w: w.client("pipeline", "s3").list_buckets(), s3_denied("s3:ListAllMyBuckets")),
    ("pipeline", "read data-a", lambda w: w.client("pipeline", "s3").get_object(Bucket="data-a", Key="train/a.csv"),
     s3_denied("s3:GetObject")),
    ("pipeline", "who am I", lambda w: w.client("pipeline", "sts").get_caller_identity(), query_denied("sts:GetCallerIdentity")),
    ("pipeline", "get a user", lambda w: w.client("pipeline", "iam").get_user(UserName="pipeline"), query_denied("iam:GetUser")),

    ("open", "read data-a", lambda w: w.client("open", "s3").get_object(Bucket="data-a", Key="train/a.csv"), OK),
    ("open", "list users", lambda w: w.client("open", "iam").list_users(), OK),
    ("open", "list training jobs", lambda w: w.client("open", "sagemaker").list_training_jobs(), OK),
    ("open", "read data-b", lambda w: w.client("open", "s3").get_object(Bucket="data-b", Key="train/b.csv"), s3_denied("s3:GetObject")),
    ("open", "write data-b", lambda w: w.client("open", "s3").put_object(Bucket="data-b", Key="x", Body=b"x"),
     s3_denied("s3:PutObject")),
    ("open", "list data-b", lambda w: w.client("open", "s3").list_objects_v2(Bucket="data-b"), s3_denied("s3:ListBucket")),
    ("open", "copy data-b into data-a", lambda w: w.client("open", "s3").copy_object(
        Bucket="data-a", Key="stolen.csv", CopySource={"Bucket": "data-b", "Key": "train/b.csv"}), s3_denied("s3:GetObject")),
]


@pytest.mark.parametrize("user,what,call,expected", MATRIX, ids=[f"{row[0]}: {row[1]}" for row in MATRIX])
def test_matrix(world, user, what, call, expected):
    if expected is OK:
        call(world)
        return
    protocol, status, code, action = expected
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(world)
    response = raised.value.response
    assert response["Error"]["Code"] == code, response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status, response
    assert action in response["Error"]["Message"] and world.user_arn(user) in response["Error"]["Message"], response
    if protocol == "s3":
        assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"].startswith("application/xml")
    elif protocol == "json":
        assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"].startswith("application/x-amz-json-1.1")
    else:
        assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"].startswith("text/xml")
    world.denied.append((user, response["ResponseMetadata"]["RequestId"], action))


def test_the_explicit_deny_is_named(world):
    message = world.client("open", "s3").get_object
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        message(Bucket="data-b", Key="train/b.csv")
    assert "explicit deny" in raised.value.response["Error"]["Message"]


def test_roles_are_checked_as_sagemaker_assumes_them(world):
    sm = world.server.client("sagemaker")
    for role, reason in [("NoTrustRole", "does not allow sagemaker.amazonaws.com"), ("NoSuchRole", "no role named NoSuchRole")]:
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            sm.create_training_job(**job_request(f"mx-role-{role.lower()}", world.role(role)))
        error = raised.value.response["Error"]
        assert error["Code"] == "ValidationException" and error["Message"].startswith(f"Could not assume role {world.role(role)}")
        assert reason in error["Message"]
    # Another account's role: the administrator's scripts written for AWS keep working; anyone else is told.
    foreign = "arn:aws:iam::123456789012:role/SageMakerRole"
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        world.client("open", "sagemaker").create_training_job(**job_request("mx-foreign", foreign))
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert "belongs to account 123456789012" in raised.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        world.client("open", "sagemaker").create_hyper_parameter_tuning_job(**tuning_request("mx-foreign-tune", foreign, "ml.m5.large"))
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    # The default execution role exists from the first start.
    assert world.server.client("iam").get_role(RoleName="SageMakerRole")["Role"]["AssumeRolePolicyDocument"] == TRUST_SAGEMAKER


def test_bad_policies_are_refused_with_the_reason(world):
    iam = world.server.client("iam")
    cases = [
        ("not json", "{\"Version\": ", "MalformedPolicyDocument", "not valid JSON"),
        ("no effect", doc({"Action": "s3:*", "Resource": "*"}), "MalformedPolicyDocument", "Effect"),
        ("too large", doc(*[{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::bucket-{i:04}/*"}
                            for i in range(200)]), "LimitExceeded", "PolicySize"),
    ]
    for label, document, code, reason in cases:
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            iam.put_user_policy(UserName="open", PolicyName="bad", PolicyDocument=document)
        error = raised.value.response["Error"]
        assert error["Code"] == code and reason in error["Message"], (label, error)


def run_audit(server, *args):
    result = subprocess.run([BINARY, "audit", *args, "--home", str(server.home)], capture_output=True, text=True, timeout=60,
                            env={k: v for k, v in os.environ.items() if not k.startswith("AWS_")})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_audit_log_shows_every_denial(world):
    assert len(world.denied) == sum(1 for row in MATRIX if row[3] is not OK), "run with the matrix"
    events = json.loads(run_audit(world.server, "--json", "--denied", "--limit", "5000"))
    by_request = {event["RequestId"]: event for event in events}
    for user, request_id, action in world.denied:
        event = by_request.get(request_id)
        assert event is not None, (user, action, request_id)
        assert event["Principal"] == world.user_arn(user) and event["AccessKeyId"] == world.keys[user]["AccessKeyId"]
        assert event["Action"] == action and event["Outcome"] == "Denied"
        assert event["ErrorCode"] in ("AccessDenied", "AccessDeniedException") and event["SourceIp"] == "127.0.0.1"
        assert abs(event["EventTime"] - time.time()) < 600
    read_b = [e for e in events if e["Principal"] == world.user_arn("scientist") and e["Action"] == "s3:GetObject"]
    assert read_b and read_b[0]["Resource"] == "arn:aws:s3:::data-b/train/b.csv"
    # Filters: one principal's, newest first; the table names the same.
    pipeline = json.loads(run_audit(world.server, "--json", "--principal", world.user_arn("pipeline"), "--since", "1h"))
    assert {e["Principal"] for e in pipeline} == {world.user_arn("pipeline")}
    assert len(pipeline) == sum(1 for row in MATRIX if row[0] == "pipeline" and row[3] is not OK)
    assert [e["EventTime"] for e in pipeline] == sorted((e["EventTime"] for e in pipeline), reverse=True)
    table = run_audit(world.server, "--denied", "--principal", world.user_arn("scientist"))
    assert "iam:PassRole" in table and "Denied" in table and "arn:aws:iam::" in table
    # No secret ever reaches the log.
    everything = run_audit(world.server, "--json", "--limit", "5000")
    for key in world.keys.values():
        assert key["SecretAccessKey"] not in everything


def test_the_audit_log_shows_iam_changes(world):
    events = json.loads(run_audit(world.server, "--json", "--limit", "5000"))
    changes = {(e["Action"], e["Resource"]) for e in events if e["Outcome"] == "Allowed"}
    admin = world.server.client("sts").get_caller_identity()["Arn"]
    assert ("iam:CreateUser", world.user_arn("scientist")) in changes
    assert ("iam:PutUserPolicy", world.user_arn("pipeline")) in changes
    assert ("iam:CreateRole", world.role("DataARole")) in changes
    assert ("iam:AttachUserPolicy", world.user_arn("reader")) in changes
    created = next(e for e in events if e["Action"] == "iam:CreateUser" and e["Resource"] == world.user_arn("scientist"))
    assert created["Principal"] == admin and "ErrorCode" not in created
    # Reads are not changes.
    assert not any(e["Action"].startswith(("iam:Get", "iam:List")) and e["Outcome"] == "Allowed" for e in events)
    # A failed change is kept with its error.
    with pytest.raises(botocore.exceptions.ClientError):
        world.server.client("iam").create_user(UserName="scientist")
    latest = json.loads(run_audit(world.server, "--json", "--limit", "1"))[0]
    assert (latest["Action"], latest["Outcome"], latest["ErrorCode"]) == ("iam:CreateUser", "Allowed", "EntityAlreadyExists")


def test_list_audit_events_for_the_console(world):
    status, reply = world.audit_request({"Outcome": "Denied", "Principal": world.user_arn("scientist"), "MaxResults": 2})
    assert status == 200 and len(reply["AuditEvents"]) == 2 and reply["NextToken"]
    status, more = world.audit_request({"Outcome": "Denied", "Principal": world.user_arn("scientist"), "MaxResults": 2,
                                        "NextToken": reply["NextToken"]})
    assert status == 200 and more["AuditEvents"]
    first, second = {e["RequestId"] for e in reply["AuditEvents"]}, {e["RequestId"] for e in more["AuditEvents"]}
    assert not first & second
    event = reply["AuditEvents"][0]
    assert set(event) >= {"EventTime", "Principal", "AccessKeyId", "Action", "Resource", "Outcome", "ErrorCode", "SourceIp", "RequestId"}
    assert isinstance(event["EventTime"], (int, float))
    now = time.time()
    status, none = world.audit_request({"StartTime": now + 3600})
    assert status == 200 and none["AuditEvents"] == [] and "NextToken" not in none
    status, allowed = world.audit_request({"Outcome": "Allowed", "EndTime": now + 60, "MaxResults": 1000})
    assert status == 200 and allowed["AuditEvents"] and all(e["Outcome"] == "Allowed" for e in allowed["AuditEvents"])
    for bad, field in [({"MaxResults": 0}, "MaxResults"), ({"MaxResults": 1001}, "MaxResults"), ({"Outcome": "Maybe"}, "Outcome"),
                       ({"NextToken": "forged"}, "NextToken"), ({"StartTime": "yesterday"}, "StartTime"),
                       ({"StartTime": now, "EndTime": now - 10}, "StartTime"), ({"Bogus": 1}, "Bogus")]:
        status, error = world.audit_request(bad)
        assert status == 400 and error["__type"].endswith("ValidationException") and field in error["message"], (bad, error)
    # Reading the log is itself authorised (anneal:ListAuditEvents), and the refusal is recorded.
    status, error = world.audit_request({}, user="reader")
    assert status == 400 and error["__type"].endswith("AccessDeniedException") and "anneal:ListAuditEvents" in error["message"]
    status, reply = world.audit_request({"Principal": world.user_arn("reader"), "MaxResults": 1})
    assert reply["AuditEvents"][0]["Action"] == "anneal:ListAuditEvents"
    status, reply = world.audit_request({"MaxResults": 1}, user="open")
    assert status == 200


def test_a_failed_signature_is_recorded_without_the_secret(world):
    key = world.keys["reader"]
    wrong = boto3.client("sts", endpoint_url=world.server.endpoint, region_name=world.server.region(),
                         aws_access_key_id=key["AccessKeyId"], aws_secret_access_key="x" * 40,
                         config=Config(retries={"max_attempts": 1}))
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        wrong.get_caller_identity()
    assert raised.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    latest = json.loads(run_audit(world.server, "--json", "--denied", "--limit", "1"))[0]
    assert latest["ErrorCode"] == "SignatureDoesNotMatch" and latest["AccessKeyId"] == key["AccessKeyId"]
    assert latest["RequestId"] == raised.value.response["ResponseMetadata"]["RequestId"]


def test_anneal_audit_usage_errors(server):
    for args in (["--since", "soon"], ["--limit", "0"], ["extra"]):
        result = subprocess.run([BINARY, "audit", *args, "--home", str(server.home)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 64 and "usage: anneal audit" in result.stderr, (args, result.stderr)


def wait_job(server, name, timeout=240):
    sm = server.client("sagemaker")
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = sm.describe_training_job(TrainingJobName=name)
        if job["TrainingJobStatus"] in ("Completed", "Failed", "Stopped"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"{name} did not end: {sm.describe_training_job(TrainingJobName=name)}")


def session_client(server, service, creds):
    return boto3.client(service, endpoint_url=server.endpoint, region_name=server.region(),
                        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"], aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
                        aws_session_token=creds["AWS_SESSION_TOKEN"],
                        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}))


def test_a_channel_the_role_may_not_read_fails_the_job(world):
    sm = world.server.client("sagemaker")
    sm.create_training_job(**job_request("mx-role-channel-b", world.role("DataARole"), channel="s3://data-b/train/"))
    job = wait_job(world.server, "mx-role-channel-b")
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("ClientError") and "s3://data-b/train/" in job["FailureReason"]
    assert "AccessDenied" in job["FailureReason"] or "not authorized" in job["FailureReason"]
    # The same job on data-a runs: the role, not the caller (the administrator), decided.
    sm.create_training_job(**job_request("mx-role-channel-a", world.role("DataARole")))
    assert wait_job(world.server, "mx-role-channel-a")["TrainingJobStatus"] == "Completed"


def test_the_script_acts_as_the_role_until_the_job_ends(world):
    server = world.server
    server.client("sagemaker").create_training_job(**job_request(
        "mx-role-probe", world.role("DataARole"), script="session_probe.py",
        hyper={"read": "s3://data-b/train/b.csv,s3://data-a/train/a.csv", "publish": "s3://data-a/probe/mx-role-probe"}))
    s3 = server.client("s3")
    deadline = time.time() + 120
    while True:
        try:
            creds = json.loads(s3.get_object(Bucket="data-a", Key="probe/mx-role-probe/credentials.json")["Body"].read())
            break
        except s3.exceptions.NoSuchKey:
            assert time.time() < deadline, server.client("sagemaker").describe_training_job(TrainingJobName="mx-role-probe")
            time.sleep(0.3)
    # What the script itself saw, signing with its session credentials:
    assert creds["probe"]["s3://data-b/train/b.csv"] == {"status": 403, "code": "AccessDenied"}
    assert creds["probe"]["s3://data-a/train/a.csv"] == {"status": 200, "code": None}
    # The same credentials through boto3, while the job runs:
    role_s3 = session_client(server, "s3", creds)
    assert role_s3.get_object(Bucket="data-a", Key="train/a.csv")["Body"].read() == b"1,2\n"
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        role_s3.get_object(Bucket="data-b", Key="train/b.csv")
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    session_arn = f"arn:aws:sts::{world.account}:assumed-role/DataARole/SageMaker"
    assert session_arn in raised.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        session_client(server, "iam", creds).list_users()
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    # The denials are in the audit log under the role's session.
    events = json.loads(run_audit(server, "--json", "--denied", "--principal", session_arn))
    mine = [(e["Action"], e["Resource"]) for e in events if e["AccessKeyId"] == creds["AWS_ACCESS_KEY_ID"]]
    # the script's own read, boto3's read, the IAM call
    assert mine.count(("s3:GetObject", "arn:aws:s3:::data-b/train/b.csv")) == 2 and ("iam:ListUsers", "*") in [
        (action, "*") for action, _ in mine]
    # ... and the staging of the other job's data-b channel, under its own session key.
    assert any(e["AccessKeyId"] != creds["AWS_ACCESS_KEY_ID"] and e["Resource"].startswith("arn:aws:s3:::data-b") for e in events)
    assert creds["AWS_SESSION_TOKEN"] not in run_audit(server, "--json", "--limit", "5000")
    # Once the job has ended, the credentials work no more.
    s3.put_object(Bucket="data-a", Key="probe/mx-role-probe/release", Body=b"")
    job = wait_job(server, "mx-role-probe")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        role_s3.get_object(Bucket="data-a", Key="train/a.csv")
    assert raised.value.response["Error"]["Code"] == "ExpiredToken"
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        session_client(server, "sts", creds).get_caller_identity()
    assert raised.value.response["Error"]["Code"] == "ExpiredToken"


def test_a_deleted_role_grants_its_running_job_nothing(world):
    """Deleting the role while its job runs narrows the session to nothing, never widens it."""
    server, iam = world.server, world.server.client("iam")
    iam.create_role(RoleName="ShortLived", AssumeRolePolicyDocument=json.dumps(TRUST_SAGEMAKER))
    iam.put_role_policy(RoleName="ShortLived", PolicyName="data-a", PolicyDocument=data_a_job_policy())
    server.client("sagemaker").create_training_job(**job_request(
        "mx-role-deleted", world.role("ShortLived"), script="session_probe.py", hyper={"publish": "s3://data-a/probe/mx-role-deleted"}))
    s3 = server.client("s3")
    deadline = time.time() + 120
    while True:
        try:
            creds = json.loads(s3.get_object(Bucket="data-a", Key="probe/mx-role-deleted/credentials.json")["Body"].read())
            break
        except s3.exceptions.NoSuchKey:
            assert time.time() < deadline
            time.sleep(0.3)
    role_s3 = session_client(server, "s3", creds)
    assert role_s3.get_object(Bucket="data-a", Key="train/a.csv")["Body"].read() == b"1,2\n"
    iam.delete_role_policy(RoleName="ShortLived", PolicyName="data-a")
    iam.delete_role(RoleName="ShortLived")
    for bucket, key in [("data-a", "train/a.csv"), ("data-b", "train/b.csv")]:
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            role_s3.get_object(Bucket=bucket, Key=key)
        assert raised.value.response["Error"]["Code"] == "AccessDenied"
    server.client("sagemaker").stop_training_job(TrainingJobName="mx-role-deleted")
    assert wait_job(server, "mx-role-deleted")["TrainingJobStatus"] == "Stopped"
