"""Training jobs that really run: boto3 creates them the way the sagemaker SDK does (code as a
sourcedir.tar.gz in S3, a CSV channel), the platform runs the script under the SageMaker contract,
and the results come back through the same APIs: status transitions, FailureReason, metrics, logs
and model.tar.gz."""
import io
import json
import os
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
SKLEARN_IMAGE = "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"


@pytest.fixture(scope="module")
def env(server):
    s3 = server.client("s3")
    sm = server.client("sagemaker")
    logs = server.client("logs")
    try:
        s3.create_bucket(Bucket="jobs")
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass  # another module of the session set the same data up
    s3.put_object(Bucket="jobs", Key="data/train/part-1.csv", Body=b"1.5,a\n2.5,b\n")
    s3.put_object(Bucket="jobs", Key="data/train/nested/part-2.csv", Body=b"3,c\n")
    lines = ["f1,f2,label"] + [f"{i % 7},{(i * 3) % 11},{int(i % 7 > 3)}" for i in range(200)]
    s3.put_object(Bucket="jobs", Key="data/sk/train.csv", Body="\n".join(lines).encode() + b"\n")
    for script in ("train_basic.py", "train_sklearn.py", "sleep_forever.py"):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            archive.add(HERE / "jobs" / script, arcname=script)
        s3.put_object(Bucket="jobs", Key=f"code/{script}/sourcedir.tar.gz", Body=buffer.getvalue())
    return server, s3, sm, logs


def create(sm, name, script, image="anneal/python:3", hyper=None, channel="s3://jobs/data/train", **extra):
    hyperparameters = {"sagemaker_program": json.dumps(script),
                       "sagemaker_submit_directory": json.dumps(f"s3://jobs/code/{script}/sourcedir.tar.gz"),
                       "sagemaker_container_log_level": "20", "sagemaker_region": json.dumps("us-east-1")}
    hyperparameters.update(hyper or {})
    request = dict(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File",
                                "MetricDefinitions": [{"Name": "f1", "Regex": "F1-Score: (.*?)%"},
                                                      {"Name": "train:loss", "Regex": "train_loss=(.*?);"}]},
        RoleArn=ROLE, HyperParameters=hyperparameters,
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": channel, "S3DataDistributionType": "FullyReplicated"}}}],
        OutputDataConfig={"S3OutputPath": "s3://jobs/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 600})
    request.update(extra)
    return sm.create_training_job(**request)


def wait(sm, name, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = sm.describe_training_job(TrainingJobName=name)
        if job["TrainingJobStatus"] in ("Completed", "Failed", "Stopped"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"{name} did not finish: {sm.describe_training_job(TrainingJobName=name)}")


def model_files(s3, name):
    body = s3.get_object(Bucket="jobs", Key=f"output/{name}/output/model.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
        return {member.name.lstrip("./"): archive.extractfile(member).read() for member in archive.getmembers() if member.isfile()}


def test_script_runs_under_the_sagemaker_contract(env):
    server, s3, sm, logs = env
    create(sm, "basic-1", "train_basic.py", hyper={"epochs": "3", "rate": "0.25", "name": json.dumps("abc")})
    job = wait(sm, "basic-1")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    assert [t["Status"] for t in job["SecondaryStatusTransitions"]] == ["Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert all(t["StatusMessage"] for t in job["SecondaryStatusTransitions"])
    assert job["TrainingTimeInSeconds"] >= 1 and job["BillableTimeInSeconds"] >= 1
    assert job["ModelArtifacts"]["S3ModelArtifacts"] == "s3://jobs/output/basic-1/output/model.tar.gz"
    metrics = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    assert metrics["f1"] == pytest.approx(7.0) and metrics["train:loss"] == pytest.approx(1 / 3, abs=1e-3)
    model = json.loads(model_files(s3, "basic-1")["model.json"])
    assert model["rows"] == 3 and model["total"] == pytest.approx(7.0)
    sm_env = model["env"]
    assert sm_env["SM_CURRENT_HOST"] == "algo-1" and json.loads(sm_env["SM_HOSTS"]) == ["algo-1"]
    assert json.loads(sm_env["SM_HPS"]) == {"epochs": 3, "rate": 0.25, "name": "abc"}
    assert json.loads(sm_env["SM_USER_ARGS"]) == ["--epochs", "3", "--name", "abc", "--rate", "0.25"]
    assert sm_env["SM_CHANNEL_TRAIN"] == "/opt/ml/input/data/train" and sm_env["TRAINING_JOB_NAME"] == "basic-1"
    assert model["config"]["sagemaker_program"] == '"train_basic.py"'
    out = s3.get_object(Bucket="jobs", Key="output/basic-1/output/output.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(out), mode="r:gz") as archive:
        assert archive.extractfile("report.txt").read() == b"done\n"
    # The logs: one stream per host, every line in order, read as the SDK reads them.
    streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix="basic-1/")["logStreams"]
    assert len(streams) == 1 and streams[0]["logStreamName"].startswith("basic-1/algo-1-")
    events = logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=streams[0]["logStreamName"],
                                 startFromHead=True)["events"]
    messages = [e["message"] for e in events]
    assert "rows=3 epochs=3 rate=0.25 name=abc" in messages and "F1-Score: 7.00%" in messages
    assert messages.index("epoch=0 train_loss=1.0000;") < messages.index("epoch=2 train_loss=0.3333;")


def test_failure_reason_comes_from_the_failure_file(env):
    _, _, sm, _ = env
    create(sm, "fails-1", "train_basic.py", hyper={"fail": json.dumps("yes")})
    job = wait(sm, "fails-1")
    assert job["TrainingJobStatus"] == "Failed" and job["SecondaryStatus"] == "Failed"
    assert job["FailureReason"] == "AlgorithmError: ValueError: the data was refused on purpose"


def test_missing_channel_data_is_a_client_error(env):
    _, _, sm, _ = env
    create(sm, "nodata-1", "train_basic.py", channel="s3://jobs/nothing/here")
    job = wait(sm, "nodata-1")
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("ClientError: Data download failed") and "s3://jobs/nothing/here" in job["FailureReason"]


def test_unknown_image_and_missing_entry_point(env):
    _, _, sm, _ = env
    create(sm, "badimage-1", "train_basic.py", image="123456789012.dkr.ecr.us-east-1.amazonaws.com/unknown:1")
    assert wait(sm, "badimage-1")["FailureReason"].startswith("ClientError: No local runtime maps the training image")
    create(sm, "noentry-1", "does_not_exist.py", hyper={"sagemaker_submit_directory": json.dumps("s3://jobs/code/train_basic.py/sourcedir.tar.gz")})
    reason = wait(sm, "noentry-1")["FailureReason"]
    assert reason.startswith("ClientError: the entry point does_not_exist.py was not found"), reason


def test_stop_sends_sigterm_and_keeps_the_model(env):
    _, s3, sm, _ = env
    create(sm, "stopme-1", "sleep_forever.py")
    deadline = time.time() + 60
    while sm.describe_training_job(TrainingJobName="stopme-1")["SecondaryStatus"] != "Training" and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1)
    sm.stop_training_job(TrainingJobName="stopme-1")
    assert sm.describe_training_job(TrainingJobName="stopme-1")["TrainingJobStatus"] in ("Stopping", "Stopped")
    job = wait(sm, "stopme-1")
    assert job["TrainingJobStatus"] == "Stopped" and job["SecondaryStatus"] == "Stopped"
    assert model_files(s3, "stopme-1")["partial.txt"] == b"stopped gracefully\n"


def test_max_runtime_stops_the_job(env):
    _, _, sm, _ = env
    create(sm, "tooslow-1", "sleep_forever.py", StoppingCondition={"MaxRuntimeInSeconds": 3})
    job = wait(sm, "tooslow-1", timeout=120)
    assert job["TrainingJobStatus"] == "Stopped" and job["SecondaryStatus"] == "MaxRuntimeExceeded"


def test_scikit_learn_job_produces_a_model_that_predicts(env):
    server, s3, sm, _ = env
    create(sm, "sklearn-1", "train_sklearn.py", image=SKLEARN_IMAGE, channel="s3://jobs/data/sk",
           hyper={"n-estimators": "15", "max-depth": "3"})
    job = wait(sm, "sklearn-1", timeout=900)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    assert {m["MetricName"] for m in job["FinalMetricDataList"]} == {"f1"}
    target = server.home / "sklearn-model"
    target.mkdir(exist_ok=True)
    (target / "model.joblib").write_bytes(model_files(s3, "sklearn-1")["model.joblib"])
    python = server.home / "runtimes" / "sklearn-1.2" / "bin" / "python"
    out = subprocess.run([str(python), "-c", "import joblib, sklearn; m = joblib.load('model.joblib'); "
                          "print(sklearn.__version__, list(m.predict([[5, 1], [1, 1]])))"],
                         cwd=target, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    version, prediction = out.stdout.split(" ", 1)
    assert version.startswith("1.2") and prediction.strip() == "[1, 0]"


def test_sandbox_hides_the_platform_and_other_jobs(env):
    server, s3, sm, _ = env
    if not Path("/usr/bin/bwrap").exists():
        pytest.fail("bubblewrap is required here (scripts/setup installs it)")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(HERE / "jobs" / "peek.py", arcname="peek.py")
    s3.put_object(Bucket="jobs", Key="code/peek.py/sourcedir.tar.gz", Body=buffer.getvalue())
    assert (server.home / "jobs" / "basic-1").exists() or True
    create(sm, "peek-1", "peek.py", Environment={"PEEK_HOME": str(server.home), "PEEK_OTHER": "fails-1"},
           ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 2, "VolumeSizeInGB": 30})
    job = wait(sm, "peek-1")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    assert (server.home / "anneal.db").exists() and (server.home / "jobs" / "fails-1").exists()
    seen = json.loads(model_files(s3, "peek-1")["peek-algo-1.json"])
    assert seen["database"] is False and seen["secret"] is False and seen["other_job"] is False
    assert seen["wrote_etc"] is False and not Path("/etc/anneal-sandbox-test").exists()
    # Its own PID namespace and host name; every host of the job resolves.
    assert seen["hostname"] == "algo-1" and seen["pid"] < 10
    assert set(seen["hosts"]) == {"algo-1", "algo-2"}
