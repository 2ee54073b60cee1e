"""IAM through boto3: users, access keys, roles, managed and inline policies; and every request of
an IAM user authorised by its policies (explicit Deny first, then Allow, else denied)."""
import json
import time

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config


def as_user(server, service, key):
    return boto3.client(service, endpoint_url=server.endpoint, region_name=server.region(),
                        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
                        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}))


def error(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        call(*args, **kwargs)
    return raised.value.response["Error"]


def eventually(check, timeout=5):
    deadline = time.time() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)


def test_users_keys_and_policies_decide_what_a_user_may_do(server):
    iam = server.client("iam")
    user = iam.create_user(UserName="alice", Path="/team/")["User"]
    assert user["Arn"].endswith(":user/team/alice") and user["UserId"].startswith("AIDA")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and len(key["SecretAccessKey"]) == 40
    s3 = as_user(server, "s3", key)
    sts = as_user(server, "sts", key)
    # A user with no policy may do nothing, and is told which action was refused.
    denied = error(s3.list_buckets)
    assert denied["Code"] == "AccessDenied" and "s3:ListAllMyBuckets" in denied["Message"]
    assert error(sts.get_caller_identity)["Code"] == "AccessDenied"
    # The data-scientist policy: data and training, no identity administration.
    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AnnealDataScientist")
    assert sts.get_caller_identity()["Arn"].endswith(":user/alice")
    s3.create_bucket(Bucket="alice-data")
    s3.put_object(Bucket="alice-data", Key="k", Body=b"v")
    assert s3.get_object(Bucket="alice-data", Key="k")["Body"].read() == b"v"
    refused = error(as_user(server, "iam", key).create_user, UserName="mallory")
    assert refused["Code"] == "AccessDenied" and "iam:CreateUser" in refused["Message"]
    # An explicit Deny wins over the Allow of the attached policy.
    iam.put_user_policy(UserName="alice", PolicyName="no-deletes", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::alice-data/*"}]}))
    refused = error(s3.delete_object, Bucket="alice-data", Key="k")
    assert refused["Code"] == "AccessDenied" and "explicit deny" in refused["Message"]
    assert iam.list_user_policies(UserName="alice")["PolicyNames"] == ["no-deletes"]
    stored = iam.get_user_policy(UserName="alice", PolicyName="no-deletes")["PolicyDocument"]
    assert stored["Statement"][0]["Effect"] == "Deny"
    attached = iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AnnealDataScientist"]
    # Detaching takes effect on the next request.
    iam.detach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/AnnealDataScientist")
    assert error(s3.get_object, Bucket="alice-data", Key="k")["Code"] == "AccessDenied"


def test_conditions_on_the_request(server):
    iam = server.client("iam")
    iam.create_user(UserName="carol")
    key = iam.create_access_key(UserName="carol")["AccessKey"]
    iam.put_user_policy(UserName="carol", PolicyName="tls-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*",
                                               "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}))
    assert error(as_user(server, "sts", key).get_caller_identity)["Code"] == "AccessDenied"  # plain HTTP here
    iam.put_user_policy(UserName="carol", PolicyName="tls-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*",
                                               "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}}]}))
    assert as_user(server, "sts", key).get_caller_identity()["Arn"].endswith(":user/carol")


def test_access_key_lifecycle_and_limits(server):
    iam = server.client("iam")
    iam.create_user(UserName="dave")
    first = iam.create_access_key(UserName="dave")["AccessKey"]
    iam.create_access_key(UserName="dave")
    assert error(iam.create_access_key, UserName="dave")["Code"] == "LimitExceeded"
    keys = iam.list_access_keys(UserName="dave")["AccessKeyMetadata"]
    assert len(keys) == 2 and all(k["Status"] == "Active" for k in keys)
    iam.put_user_policy(UserName="dave", PolicyName="whoami", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]}))
    sts = as_user(server, "sts", first)
    assert sts.get_caller_identity()["Arn"].endswith(":user/dave")
    assert "LastUsedDate" in iam.get_access_key_last_used(AccessKeyId=first["AccessKeyId"])["AccessKeyLastUsed"]
    second = next(k["AccessKeyId"] for k in iam.list_access_keys(UserName="dave")["AccessKeyMetadata"] if k["AccessKeyId"] != first["AccessKeyId"])
    assert iam.get_access_key_last_used(AccessKeyId=second)["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    iam.update_access_key(UserName="dave", AccessKeyId=first["AccessKeyId"], Status="Inactive")
    assert error(sts.get_caller_identity)["Code"] == "InvalidClientTokenId"
    assert error(iam.delete_user, UserName="dave")["Code"] == "DeleteConflict"
    for meta in iam.list_access_keys(UserName="dave")["AccessKeyMetadata"]:
        iam.delete_access_key(UserName="dave", AccessKeyId=meta["AccessKeyId"])
    iam.delete_user_policy(UserName="dave", PolicyName="whoami")
    iam.delete_user(UserName="dave")
    assert error(iam.get_user, UserName="dave")["Code"] == "NoSuchEntity"


def test_roles_and_managed_policies(server):
    iam = server.client("iam")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="TrainRole", AssumeRolePolicyDocument=json.dumps(trust), Description="jobs")["Role"]
    assert role["Arn"].endswith(":role/TrainRole") and role["AssumeRolePolicyDocument"] == trust
    assert iam.get_role(RoleName="TrainRole")["Role"]["Description"] == "jobs"
    assert "TrainRole" in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert error(iam.create_role, RoleName="TrainRole", AssumeRolePolicyDocument=json.dumps(trust))["Code"] == "EntityAlreadyExists"
    bad_trust = error(iam.create_role, RoleName="Bad", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    assert bad_trust["Code"] == "MalformedPolicyDocument" and "Principal" in bad_trust["Message"]
    policy = iam.create_policy(PolicyName="read-data", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]}))["Policy"]
    assert policy["Arn"].endswith(":policy/read-data")
    iam.attach_role_policy(RoleName="TrainRole", PolicyArn=policy["Arn"])
    assert iam.get_policy(PolicyArn=policy["Arn"])["Policy"]["AttachmentCount"] == 1
    assert error(iam.delete_policy, PolicyArn=policy["Arn"])["Code"] == "DeleteConflict"
    assert error(iam.delete_role, RoleName="TrainRole")["Code"] == "DeleteConflict"
    iam.detach_role_policy(RoleName="TrainRole", PolicyArn=policy["Arn"])
    iam.delete_policy(PolicyArn=policy["Arn"])
    iam.delete_role(RoleName="TrainRole")
    names = [p["PolicyName"] for p in iam.list_policies(Scope="AWS")["Policies"]]
    assert {"AmazonSageMakerFullAccess", "AmazonSageMakerReadOnly", "AnnealDataScientist"} <= set(names)
    malformed = error(iam.create_policy, PolicyName="bad", PolicyDocument='{"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}')
    assert malformed["Code"] == "MalformedPolicyDocument" and "Resource" in malformed["Message"]
    assert error(iam.attach_user_policy, UserName="nobody", PolicyArn="arn:aws:iam::aws:policy/AmazonSageMakerReadOnly")["Code"] == "NoSuchEntity"


def test_assume_role_gives_a_session_with_the_roles_policies(server):
    iam, sts, s3 = server.client("iam"), server.client("sts"), server.client("s3")
    account = sts.get_caller_identity()["Account"]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                                                     "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="Reader", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName="Reader", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"},
            {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]}))
    s3.create_bucket(Bucket="shared")
    s3.put_object(Bucket="shared", Key="k", Body=b"v")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/Reader", RoleSessionName="job-7", DurationSeconds=900)["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and creds["SessionToken"]
    session = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"], region_name=server.region())
    config = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
    assert session.client("sts", endpoint_url=server.endpoint, config=config).get_caller_identity()["Arn"] == \
        f"arn:aws:sts::{account}:assumed-role/Reader/job-7"
    role_s3 = session.client("s3", endpoint_url=server.endpoint, config=config)
    assert role_s3.get_object(Bucket="shared", Key="k")["Body"].read() == b"v"
    assert error(role_s3.put_object, Bucket="shared", Key="x", Body=b"x")["Code"] == "AccessDenied"
    # A user the trust policy does not name, or without sts:AssumeRole, is refused.
    iam.create_user(UserName="erin")
    key = iam.create_access_key(UserName="erin")["AccessKey"]
    refused = error(as_user(server, "sts", key).assume_role, RoleArn=f"arn:aws:iam::{account}:role/Reader", RoleSessionName="xy")
    assert refused["Code"] == "AccessDenied" and "sts:AssumeRole" in refused["Message"]
    assert error(sts.assume_role, RoleArn=f"arn:aws:iam::{account}:role/Nope", RoleSessionName="xy")["Code"] == "AccessDenied"
    assert error(sts.assume_role, RoleArn=f"arn:aws:iam::{account}:role/Reader", RoleSessionName="xy",
                 DurationSeconds=99999)["Code"] == "ValidationError"


def test_groups_give_their_members_their_policies(server):
    iam = server.client("iam")
    group = iam.create_group(GroupName="scientists")["Group"]
    assert group["Arn"].endswith(":group/scientists")
    iam.create_user(UserName="frank")
    key = iam.create_access_key(UserName="frank")["AccessKey"]
    sts = as_user(server, "sts", key)
    assert error(sts.get_caller_identity)["Code"] == "AccessDenied"
    iam.attach_group_policy(GroupName="scientists", PolicyArn="arn:aws:iam::aws:policy/AmazonSageMakerReadOnly")
    iam.add_user_to_group(GroupName="scientists", UserName="frank")
    assert sts.get_caller_identity()["Arn"].endswith(":user/frank")
    assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="frank")["Groups"]] == ["scientists"]
    assert [u["UserName"] for u in iam.get_group(GroupName="scientists")["Users"]] == ["frank"]
    iam.put_group_policy(GroupName="scientists", PolicyName="deny-whoami", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "sts:GetCallerIdentity", "Resource": "*"}]}))
    assert "explicit deny" in error(sts.get_caller_identity)["Message"]
    assert error(iam.delete_group, GroupName="scientists")["Code"] == "DeleteConflict"
    for meta in iam.list_access_keys(UserName="frank")["AccessKeyMetadata"]:
        iam.delete_access_key(UserName="frank", AccessKeyId=meta["AccessKeyId"])
    assert "group memberships" in error(iam.delete_user, UserName="frank")["Message"]
    iam.remove_user_from_group(GroupName="scientists", UserName="frank")
    iam.delete_user(UserName="frank")
    iam.delete_group_policy(GroupName="scientists", PolicyName="deny-whoami")
    iam.detach_group_policy(GroupName="scientists", PolicyArn="arn:aws:iam::aws:policy/AmazonSageMakerReadOnly")
    iam.delete_group(GroupName="scientists")
    assert error(iam.get_group, GroupName="scientists")["Code"] == "NoSuchEntity"


def test_a_jobs_data_access_follows_its_execution_role(server):
    from test_training_resilience import create, setup_bucket, wait
    iam, s3 = server.client("iam"), server.client("s3")
    account = server.client("sts").get_caller_identity()["Account"]
    setup_bucket(server)
    s3.create_bucket(Bucket="forbidden")
    s3.put_object(Bucket="forbidden", Key="data/a.csv", Body=b"1,2\n")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    iam.create_role(RoleName="NarrowJobRole", AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName="NarrowJobRole", PolicyName="job", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
             "Resource": ["arn:aws:s3:::resilience", "arn:aws:s3:::resilience/*"]},
            {"Effect": "Allow", "Action": ["logs:*", "cloudwatch:PutMetricData"], "Resource": "*"}]}))
    role = f"arn:aws:iam::{account}:role/NarrowJobRole"
    create(server, "role-ok-1", "read_channels.py", RoleArn=role)
    create(server, "role-denied-1", "read_channels.py", RoleArn=role, channels=[{"ChannelName": "train", "DataSource": {
        "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://forbidden/data/"}}}])
    ok = wait(server, "role-ok-1")
    assert ok["TrainingJobStatus"] == "Completed", ok.get("FailureReason")
    denied = wait(server, "role-denied-1")
    assert denied["TrainingJobStatus"] == "Failed"
    assert denied["FailureReason"].startswith("ClientError") and "s3://forbidden/data/" in denied["FailureReason"]
    assert "AccessDenied" in denied["FailureReason"] or "not authorized" in denied["FailureReason"]


def test_session_tokens_and_policy_versions(server):
    iam = server.client("iam")
    iam.create_user(UserName="gina")
    key = iam.create_access_key(UserName="gina")["AccessKey"]
    iam.put_user_policy(UserName="gina", PolicyName="whoami", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:GetCallerIdentity", "sts:GetSessionToken"],
                                               "Resource": "*"}]}))
    creds = as_user(server, "sts", key).get_session_token(DurationSeconds=900)["Credentials"]
    session = boto3.client("sts", endpoint_url=server.endpoint, region_name=server.region(), aws_access_key_id=creds["AccessKeyId"],
                           aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
                           config=Config(retries={"max_attempts": 1}))
    assert session.get_caller_identity()["Arn"].endswith(":user/gina")
    assert error(session.get_session_token)["Code"] == "AccessDenied"
    tampered = boto3.client("sts", endpoint_url=server.endpoint, region_name=server.region(), aws_access_key_id=creds["AccessKeyId"],
                            aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"][:-2] + "AA",
                            config=Config(retries={"max_attempts": 1}))
    assert error(tampered.get_caller_identity)["Code"] == "InvalidClientTokenId"
    policy = iam.create_policy(PolicyName="versioned", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))["Policy"]
    version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId="v1")["PolicyVersion"]
    assert version["IsDefaultVersion"] and version["Document"]["Statement"][0]["Action"] == "s3:GetObject"
    assert error(iam.get_policy_version, PolicyArn=policy["Arn"], VersionId="v2")["Code"] == "NoSuchEntity"
