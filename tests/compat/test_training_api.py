"""The SageMaker training-job API through boto3, against a real `anneal serve`: CreateTrainingJob
validation and errors as SageMaker words them, DescribeTrainingJob's echo of the request,
ListTrainingJobs with its paginator and filters, StopTrainingJob, DeleteTrainingJob, tags, and the
wire details (SerializationException, UnknownOperationException, the waiter's view of a missing job).

The jobs here name an image no local runtime maps, so the platform ends them quickly (Failed); the
tests that depend on the lifecycle accept the states a job can reach while the runtime works on it.

The file also holds the generator of Sources/AnnealCore/TrainingJobModelShapes.swift (the
constraints of the API model) and a test that the checked-in file matches the installed botocore:
`python tests/compat/test_training_api.py --generate` rewrites it."""
import datetime
import gzip
import json
import re
import sys
import time
import uuid
from pathlib import Path

import botocore
import pytest
from botocore.exceptions import ClientError, WaiterError

ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "anneal-api-tests/no-such-runtime:1"
NAME_PATTERN = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
TERMINAL = {"Completed", "Failed", "Stopped"}


def unique(prefix="api"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def sdk_request(name, **changes):
    """The CreateTrainingJob request the sagemaker SDK v2 sends for an SKLearn estimator
    (aws-wire-contract.md §3), with an image the platform will not run."""
    request = {
        "AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": IMAGE,
                                   "MetricDefinitions": [{"Name": "validation:loss", "Regex": "val_loss=([0-9\\.]+)"}]},
        "OutputDataConfig": {"S3OutputPath": "s3://anneal-api-tests-no-bucket/"},
        "TrainingJobName": name,
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "ResourceConfig": {"VolumeSizeInGB": 30, "InstanceCount": 1, "InstanceType": "ml.m5.large"},
        "RoleArn": ROLE,
        "InputDataConfig": [{"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                             "S3Uri": "s3://anneal-api-tests-no-bucket/data/train",
                                                             "S3DataDistributionType": "FullyReplicated"}},
                             "ChannelName": "train"}],
        "HyperParameters": {"epochs": "10", "lr": "0.1", "name": "\"abc\"", "flag": "true",
                            "sagemaker_program": "\"train.py\"", "sagemaker_container_log_level": "20",
                            "sagemaker_job_name": json.dumps(name), "sagemaker_region": "\"us-west-2\""},
        "DebugHookConfig": {"S3OutputPath": "s3://anneal-api-tests-no-bucket/", "CollectionConfigurations": []},
        "ProfilerConfig": {"S3OutputPath": "s3://anneal-api-tests-no-bucket/", "DisableProfiler": False},
    }
    request.update(changes)
    return request


@pytest.fixture(scope="module")
def sm(server):
    return server.client("sagemaker")


def error_of(excinfo):
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def wait_terminal(sm, name, timeout=90):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = sm.describe_training_job(TrainingJobName=name)
        if job["TrainingJobStatus"] in TERMINAL:
            return job
        time.sleep(0.2)
    raise AssertionError(f"{name} did not finish in {timeout}s: {job['TrainingJobStatus']}/{job['SecondaryStatus']}")


# --- create and describe ---------------------------------------------------------------------------

def test_create_then_describe_echoes_the_request(sm, server):
    name = unique("echo")
    request = sdk_request(name, Tags=[{"Key": "team", "Value": "sorts"}])
    before = datetime.datetime.now(datetime.timezone.utc)
    arn = sm.create_training_job(**request)["TrainingJobArn"]
    assert re.fullmatch(rf"arn:aws:sagemaker:{server.region()}:\d{{12}}:training-job/{name}", arn)

    job = sm.describe_training_job(TrainingJobName=name)
    for member, value in request.items():
        if member != "Tags":
            assert job[member] == value, member
    assert "Tags" not in job
    assert job["TrainingJobArn"] == arn
    assert job["ModelArtifacts"] == {"S3ModelArtifacts": f"s3://anneal-api-tests-no-bucket/{name}/output/model.tar.gz"}
    assert job["TrainingJobStatus"] in {"InProgress", "Failed", "Stopped", "Completed"}
    assert abs((job["CreationTime"] - before).total_seconds()) < 30
    assert job["LastModifiedTime"] >= job["CreationTime"]
    first = job["SecondaryStatusTransitions"][0]
    assert first["Status"] == "Starting" and first["StatusMessage"]
    # The SDK indexes StatusMessage on every transition.
    assert all(t["StatusMessage"] for t in job["SecondaryStatusTransitions"])
    assert job["EnableManagedSpotTraining"] is False and job["EnableNetworkIsolation"] is False


def test_describe_fills_the_defaults_the_sdk_reads(sm):
    name = unique("defaults")
    request = sdk_request(name, ResourceConfig={"InstanceCount": 1, "InstanceType": "ml.m5.large"})
    del request["StoppingCondition"]
    sm.create_training_job(**request)
    job = sm.describe_training_job(TrainingJobName=name)
    assert job["StoppingCondition"] == {"MaxRuntimeInSeconds": 86400}
    assert job["ResourceConfig"]["VolumeSizeInGB"] == 30


def test_duplicate_names_are_resource_in_use(sm, server):
    name = unique("dup")
    arn = sm.create_training_job(**sdk_request(name))["TrainingJobArn"]
    with pytest.raises(sm.exceptions.ResourceInUse) as excinfo:
        sm.create_training_job(**sdk_request(name.upper()))
    code, message, status = error_of(excinfo)
    assert (code, status) == ("ResourceInUse", 400)
    assert message == ("Training job names must be unique within an AWS account and region, and a training job with "
                       f"this name already exists ({arn})")


@pytest.mark.parametrize("changes, message", [
    ({"TrainingJobName": "bad name!"},
     "1 validation error detected: Value 'bad name!' at 'trainingJobName' failed to satisfy constraint: "
     f"Member must satisfy regular expression pattern: {NAME_PATTERN}"),
    ({"AlgorithmSpecification": {"TrainingInputMode": "Bogus", "TrainingImage": IMAGE}},
     "1 validation error detected: Value 'Bogus' at 'algorithmSpecification.trainingInputMode' failed to satisfy "
     "constraint: Member must satisfy enum value set: [Pipe, File, FastFile]"),
    ({"ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 0}},
     "1 validation error detected: Value '0' at 'resourceConfig.instanceCount' failed to satisfy constraint: "
     "Member must have value greater than or equal to 1"),
    ({"RoleArn": "arn:aws:iam::123:role/too-short-account"},
     "1 validation error detected: Value 'arn:aws:iam::123:role/too-short-account' at 'roleArn' failed to satisfy "
     "constraint: Member must satisfy regular expression pattern: "
     "^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$"),
    ({"OutputDataConfig": {"S3OutputPath": "/tmp/out"}},
     "1 validation error detected: Value '/tmp/out' at 'outputDataConfig.s3OutputPath' failed to satisfy constraint: "
     "Member must satisfy regular expression pattern: ^(https|s3)://([^/]+)/?(.*)$"),
    ({"EnableManagedSpotTraining": True},
     "Invalid MaxWaitTimeInSeconds. It must be present and be greater than or equal to MaxRuntimeInSeconds"),
    ({"StoppingCondition": {"MaxRuntimeInSeconds": 3600, "MaxPendingTimeInSeconds": 2419201}},
     "1 validation error detected: Value '2419201' at 'stoppingCondition.maxPendingTimeInSeconds' failed to satisfy "
     "constraint: Member must have value less than or equal to 2419200"),
    ({"RetryStrategy": {"MaximumRetryAttempts": 31}},
     "1 validation error detected: Value '31' at 'retryStrategy.maximumRetryAttempts' failed to satisfy constraint: "
     "Member must have value less than or equal to 30"),
    ({"Environment": {"1BAD": "x"}},
     "1 validation error detected: Value '{1BAD=x}' at 'environment' failed to satisfy constraint: Map keys must "
     "satisfy constraint: [Member must have length less than or equal to 512, Member must have length greater than "
     "or equal to 0, Member must satisfy regular expression pattern: [a-zA-Z_][a-zA-Z0-9_]*]"),
    ({"TrainingJobName": "two-errors-", "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1,
                                                           "VolumeSizeInGB": 0}},
     "2 validation errors detected: Value 'two-errors-' at 'trainingJobName' failed to satisfy constraint: Member "
     f"must satisfy regular expression pattern: {NAME_PATTERN}; Value '0' at 'resourceConfig.volumeSizeInGB' failed "
     "to satisfy constraint: Member must have value greater than or equal to 1"),
])
def test_validation_errors_are_worded_as_sagemaker_words_them(sm, changes, message):
    request = sdk_request(unique("invalid"))
    request.update(changes)
    with pytest.raises(ClientError) as excinfo:
        sm.create_training_job(**request)
    assert error_of(excinfo) == ("ValidationException", message, 400)


def test_enums_botocore_does_not_check_reach_the_server(sm):
    request = sdk_request(unique("enum"))
    request["ResourceConfig"]["InstanceType"] = "ml.fake"
    with pytest.raises(ClientError) as excinfo:
        sm.create_training_job(**request)
    code, message, _ = error_of(excinfo)
    assert code == "ValidationException"
    assert message.startswith("1 validation error detected: Value 'ml.fake' at 'resourceConfig.instanceType' failed to "
                              "satisfy constraint: Member must satisfy enum value set: [ml.m4.xlarge, ")


def test_describe_missing_job_is_a_validation_exception(sm):
    with pytest.raises(ClientError) as excinfo:
        sm.describe_training_job(TrainingJobName="no-such-job")
    assert error_of(excinfo) == ("ValidationException", "Requested resource not found.", 400)
    # The waiter the SDK uses treats that as a failure, as against SageMaker.
    with pytest.raises(WaiterError) as waited:
        sm.get_waiter("training_job_completed_or_stopped").wait(
            TrainingJobName="no-such-job", WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    assert "ValidationException" in str(waited.value)


# --- list -------------------------------------------------------------------------------------------

def test_list_pages_filters_and_sorts(sm):
    prefix = unique("list")
    names = [f"{prefix}-{i}" for i in range(5)]
    for name in names[:3]:
        sm.create_training_job(**sdk_request(name))
    # botocore sends timestamps in whole seconds: put a second boundary between the third and fourth job.
    time.sleep(1.05 - time.time() % 1)
    boundary = datetime.datetime.fromtimestamp(int(time.time()), datetime.timezone.utc)
    time.sleep(0.05)
    for name in names[3:]:
        sm.create_training_job(**sdk_request(name))

    pages = list(sm.get_paginator("list_training_jobs").paginate(NameContains=prefix, PaginationConfig={"PageSize": 2}))
    assert [len(p["TrainingJobSummaries"]) for p in pages] == [2, 2, 1]
    assert "NextToken" not in pages[-1]
    listed = [s["TrainingJobName"] for p in pages for s in p["TrainingJobSummaries"]]
    assert listed == names, "CreationTime ascending by default"
    summary = pages[0]["TrainingJobSummaries"][0]
    assert set(summary) >= {"TrainingJobName", "TrainingJobArn", "CreationTime", "LastModifiedTime", "TrainingJobStatus",
                            "SecondaryStatus"}

    descending = sm.list_training_jobs(NameContains=prefix.upper(), SortBy="Name", SortOrder="Descending")
    assert [s["TrainingJobName"] for s in descending["TrainingJobSummaries"]] == names[::-1]

    after = sm.list_training_jobs(NameContains=prefix, CreationTimeAfter=boundary)
    assert [s["TrainingJobName"] for s in after["TrainingJobSummaries"]] == names[3:]
    before = sm.list_training_jobs(NameContains=prefix, CreationTimeBefore=boundary)
    assert [s["TrainingJobName"] for s in before["TrainingJobSummaries"]] == names[:3]

    for status in ("InProgress", "Failed"):
        filtered = sm.list_training_jobs(NameContains=prefix, StatusEquals=status, MaxResults=100)
        assert all(s["TrainingJobStatus"] == status for s in filtered["TrainingJobSummaries"])


def test_list_errors(sm):
    with pytest.raises(ClientError) as excinfo:
        sm.list_training_jobs(NextToken="not-a-token")
    assert error_of(excinfo)[0] == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        sm.list_training_jobs(StatusEquals="Running")
    assert error_of(excinfo) == (
        "ValidationException", "1 validation error detected: Value 'Running' at 'statusEquals' failed to satisfy constraint: "
        "Member must satisfy enum value set: [InProgress, Completed, Failed, Stopping, Stopped, Deleting]", 400)


# --- stop and delete --------------------------------------------------------------------------------

def test_stop_then_delete(sm):
    name = unique("stop")
    sm.create_training_job(**sdk_request(name))
    try:
        reply = sm.stop_training_job(TrainingJobName=name)
        assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"] in {"Stopping", "Stopped"}
    except ClientError as error:
        # The platform may already have ended the job (it cannot run this image).
        code, message = error.response["Error"]["Code"], error.response["Error"]["Message"]
        assert code == "ValidationException"
        assert re.fullmatch(r"The request was rejected because the training job is in status (Failed|Stopped|Completed)\.",
                            message), message

    with pytest.raises(ClientError) as again:
        sm.stop_training_job(TrainingJobName=name)
    code, message, _ = error_of(again)
    assert code == "ValidationException"
    assert re.fullmatch(r"The request was rejected because the training job is in status (Stopping|Stopped|Failed)\.",
                        message), message

    wait_terminal(sm, name)
    sm.delete_training_job(TrainingJobName=name)
    for call in (sm.describe_training_job, sm.stop_training_job, sm.delete_training_job):
        with pytest.raises(ClientError) as gone:
            call(TrainingJobName=name)
        assert error_of(gone) == ("ValidationException", "Requested resource not found.", 400)


# --- tags ---------------------------------------------------------------------------------------------

def test_tags(sm, server):
    name = unique("tags")
    arn = sm.create_training_job(**sdk_request(name, Tags=[{"Key": "team", "Value": "sorts"},
                                                           {"Key": "env", "Value": "test"}]))["TrainingJobArn"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "sorts"}, {"Key": "env", "Value": "test"}]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "ana"}, {"Key": "env", "Value": "prod"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "sorts"}, {"Key": "env", "Value": "prod"},
                                                     {"Key": "owner", "Value": "ana"}]
    sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert [t["Key"] for t in sm.list_tags(ResourceArn=arn)["Tags"]] == ["env", "owner"]
    # The paginator works (one page: a resource has at most 50 tags and MaxResults is at least 50).
    pages = list(sm.get_paginator("list_tags").paginate(ResourceArn=arn))
    assert len(pages) == 1 and "NextToken" not in pages[0]

    with pytest.raises(ClientError) as too_many:
        sm.add_tags(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": ""} for i in range(49)])
    assert error_of(too_many)[0] == "ValidationException"
    missing = arn.rsplit("/", 1)[0] + "/no-such-job"
    with pytest.raises(ClientError) as excinfo:
        sm.list_tags(ResourceArn=missing)
    assert error_of(excinfo) == ("ValidationException", "Requested resource not found.", 400)


# --- the wire -----------------------------------------------------------------------------------------

def raw_sagemaker(server, target, body):
    prepared = server.signed("POST", service="sagemaker", body=body,
                             headers={"X-Amz-Target": f"SageMaker.{target}", "Content-Type": "application/x-amz-json-1.1"})
    status, headers, data = server.send(prepared)
    return status, json.loads(data or b"{}")


def test_malformed_bodies_are_serialization_exceptions(server):
    status, body = raw_sagemaker(server, "CreateTrainingJob", b'{"TrainingJobName": "x",}')
    assert status == 400 and body["__type"] == "SerializationException"
    request = sdk_request(unique("types"))
    request["ResourceConfig"]["InstanceCount"] = "1"
    status, body = raw_sagemaker(server, "CreateTrainingJob", json.dumps(request).encode())
    assert (status, body["__type"]) == (400, "SerializationException")
    assert body["message"] == "Expected an integer at 'resourceConfig.instanceCount' but found a string."


def test_unknown_operations(sm):
    with pytest.raises(ClientError) as excinfo:
        sm.list_models()
    code, message, status = error_of(excinfo)
    assert (code, status) == ("UnknownOperationException", 400)
    assert message == "Unknown operation SageMaker.ListModels"


def test_timestamps_are_epoch_seconds_on_the_wire(server, sm):
    name = unique("wire")
    sm.create_training_job(**sdk_request(name))
    status, body = raw_sagemaker(server, "DescribeTrainingJob", json.dumps({"TrainingJobName": name}).encode())
    assert status == 200
    assert isinstance(body["CreationTime"], (int, float)) and body["CreationTime"] > 1.6e9
    assert isinstance(body["ResourceConfig"]["InstanceCount"], int)
    # ISO-8601 timestamps in requests are accepted as well as epoch numbers.
    iso = datetime.datetime.fromtimestamp(body["CreationTime"] - 1, datetime.timezone.utc).isoformat()
    status, listed = raw_sagemaker(server, "ListTrainingJobs",
                                   json.dumps({"NameContains": name, "CreationTimeAfter": iso}).encode())
    assert status == 200 and [s["TrainingJobName"] for s in listed["TrainingJobSummaries"]] == [name]


# --- the model's constraints, generated into Swift ------------------------------------------------------

SHAPES_FILE = ROOT / "Sources" / "AnnealCore" / "TrainingJobModelShapes.swift"
ROOT_SHAPES = ["CreateTrainingJobRequest", "DescribeTrainingJobRequest", "ListTrainingJobsRequest",
               "StopTrainingJobRequest", "DeleteTrainingJobRequest", "AddTagsInput", "ListTagsInput", "DeleteTagsInput",
               "CreateHyperParameterTuningJobRequest", "DescribeHyperParameterTuningJobRequest",
               "ListHyperParameterTuningJobsRequest", "ListTrainingJobsForHyperParameterTuningJobRequest",
               "StopHyperParameterTuningJobRequest", "DeleteHyperParameterTuningJobRequest", "UpdateTrainingJobRequest"]
# Patterns any single-line string satisfies are not checked (Java's '.' refuses line terminators,
# but values with newlines are legitimate here).
TRIVIAL_PATTERNS = {".*", ".+", "[\\S\\s]*"}
# The pattern as SageMaker prints it in messages: older models (and the service) still anchor these.
DISPLAYED_PATTERNS = {
    "TrainingJobName": "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
    "RoleArn": "^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$",
    "S3Uri": "^(https|s3)://([^/]+)/?(.*)$",
    "TagKey": "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$",
    "TagValue": "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$",
}
SWIFT_KEYWORDS = {"default", "protocol", "class", "struct", "enum", "extension", "func", "var", "let", "in", "is", "as",
                  "self", "operator"}


def sagemaker_model_path():
    models = sorted((Path(botocore.__file__).parent / "data" / "sagemaker").glob("*/service-2.json.gz"))
    return models[-1]


def generate_model_shapes(model_path):
    """The Swift source of `SageMakerModel`: every shape reachable from the training-job inputs."""
    model = json.load(gzip.open(model_path))
    shapes = model["shapes"]
    seen = set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        shape = shapes[name]
        if shape["type"] == "structure":
            for member in shape["members"].values():
                visit(member["shape"])
        elif shape["type"] == "list":
            visit(shape["member"]["shape"])
        elif shape["type"] == "map":
            visit(shape["key"]["shape"])
            visit(shape["value"]["shape"])

    for name in ROOT_SHAPES:
        visit(name)

    def ident(name):
        swift = name[0].lower() + name[1:]
        return f"`{swift}`" if swift in SWIFT_KEYWORDS else swift

    def bounds(shape):
        parts = [f"{key}: {shape[key]}" for key in ("min", "max") if key in shape]
        return "ModelRange(" + ", ".join(parts) + ")" if parts else ".any"

    def raw(text):
        return '#"' + text + '"#'

    def wrap(items, width=112):
        if len(", ".join(items)) <= 80:
            return ", ".join(items)
        lines, line = [], ""
        for item in items:
            if line and len(line) + len(item) + 2 > width:
                lines.append(line)
                line = ""
            line += item + ", "
        lines.append(line)
        return "\n" + "".join("        " + text.rstrip() + "\n" for text in lines) + "    "

    lines = []
    for name in sorted(seen):
        shape = shapes[name]
        kind = shape["type"]
        arguments = None
        if kind == "structure":
            members = "".join(f"\n        ModelMember(\"{member}\", {ident(value['shape'])})," for member, value in shape["members"].items())
            required = ", ".join(f"\"{member}\"" for member in shape.get("required", []))
            expression = f".structure([{members}\n    ], required: [{required}])"
        elif kind == "list":
            arguments = [ident(shape["member"]["shape"]), f"length: {bounds(shape)}"]
            expression = f".list({', '.join(arguments)})"
        elif kind == "map":
            arguments = [f"key: {ident(shape['key']['shape'])}", f"value: {ident(shape['value']['shape'])}", f"length: {bounds(shape)}"]
            expression = f".map({', '.join(arguments)})"
        elif kind == "string" and "enum" in shape:
            expression = ".enumeration([" + wrap([f"\"{value}\"" for value in shape["enum"]]) + "])"
        elif kind == "string":
            pattern = shape.get("pattern")
            if pattern is None or pattern in TRIVIAL_PATTERNS:
                swift_pattern = "nil"
            elif name in DISPLAYED_PATTERNS:
                swift_pattern = f"ModelPattern({raw(pattern)}, display: {raw(DISPLAYED_PATTERNS[name])})"
            else:
                swift_pattern = f"ModelPattern({raw(pattern)})"
            arguments = [f"length: {bounds(shape)}", f"pattern: {swift_pattern}"]
            expression = f".string({', '.join(arguments)})"
        elif kind in ("integer", "long"):
            expression = f".{kind}({bounds(shape)})"
        elif kind in ("float", "double"):
            expression = ".float"
        elif kind in ("boolean", "timestamp"):
            expression = f".{kind}"
        else:
            raise ValueError(f"shape {name} has a type the generator does not know: {kind}")
        line = f"    public static let {ident(name)}: ModelShape = {expression}"
        if len(line) > 120 and arguments:
            head = expression.split("(", 1)[0]
            line = f"    public static let {ident(name)}: ModelShape = {head}(\n" + ",\n".join("        " + a for a in arguments) + ")"
        lines.append(line)

    version = model_path.parent.name
    header = (f"// Generated from botocore's SageMaker model ({version}, service-2.json) by the generator in\n"
              "// tests/compat/test_training_api.py (`python tests/compat/test_training_api.py --generate`); the test\n"
              "// `test_model_shapes_match_botocore` fails when this file and the installed model disagree. Do not edit.\n\n"
              "/// The shapes of the training-job operations' inputs, as the SageMaker API model defines them.\n"
              "public enum SageMakerModel {\n")
    return header + "\n".join(lines) + "\n}\n"


def test_model_shapes_match_botocore():
    expected = generate_model_shapes(sagemaker_model_path())
    assert SHAPES_FILE.read_text() == expected, (
        "Sources/AnnealCore/TrainingJobModelShapes.swift differs from the installed botocore model: "
        "run `python tests/compat/test_training_api.py --generate` and review the change")


if __name__ == "__main__":
    if sys.argv[1:] == ["--generate"]:
        SHAPES_FILE.write_text(generate_model_shapes(sagemaker_model_path()))
        print(f"wrote {SHAPES_FILE}")
    else:
        print(__doc__)
