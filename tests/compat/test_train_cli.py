"""`anneal train` against a real server: local code and data in, the job followed to its end."""
import io
import json
import subprocess
import tarfile

import pytest

from anneal_harness import BINARY, clean_env

TRAIN_SCRIPT = """\
import argparse, json, os, sys
from helper import GREETING
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int)
parser.add_argument("--name")
parser.add_argument("--fail", default="no")
args = parser.parse_args()
rows = [line for f in sorted(os.listdir(os.environ["SM_CHANNEL_TRAIN"]))
        for line in open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], f)) if line.strip()]
print(f"{GREETING} rows={len(rows)} epochs={args.epochs} name={args.name}", flush=True)
if args.fail == "yes":
    print("about to fail", flush=True)
    open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w").write("ValueError: refused on purpose")
    sys.exit(3)
for epoch in range(args.epochs):
    print(f"epoch={epoch} loss={1 / (epoch + 1):.3f}", flush=True)
json.dump({"rows": len(rows), "epochs": args.epochs}, open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w"))
"""


@pytest.fixture()
def project(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "train.py").write_text(TRAIN_SCRIPT)
    (source / "helper.py").write_text("GREETING = 'hello from src'\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.csv").write_text("".join(f"{i},{i * 2}\n" for i in range(25)))
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    return tmp_path


def anneal_train(server, cwd, *args):
    return subprocess.run([BINARY, "train", *args, "--home", str(server.home)], cwd=cwd, capture_output=True, text=True,
                          env=clean_env(), timeout=600)


def job_names(server):
    sm = server.client("sagemaker")
    return {job["TrainingJobName"] for job in sm.list_training_jobs(MaxResults=100)["TrainingJobSummaries"]}


def test_local_code_and_data_train_to_completion(server, project):
    out = anneal_train(server, project, "train.py", "--source-dir", "src", "--framework", "sklearn", "--framework-version", "1.2-1",
                       "--channel", "train=data/train.csv", "--hyperparameter", "epochs=2", "--hyperparameter", "name=abc",
                       "--job-name", "cli-train-ok", "--wait")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    lines = out.stdout.splitlines()
    # The script's own lines, streamed while it ran, and the secondary-status transitions in order.
    assert "hello from src rows=25 epochs=2 name=abc" in lines and "epoch=1 loss=0.500" in lines, out.stdout[-3000:]
    statuses = [line.split(" ")[2] for line in lines if line[:2] == "20" and " - " in line]
    assert statuses[-4:] == ["Downloading", "Training", "Uploading", "Completed"], statuses
    # In the order things happened: the script's lines between the Training and Uploading transitions.
    training = next(i for i, line in enumerate(lines) if " Training - " in line)
    uploading = next(i for i, line in enumerate(lines) if " Uploading - " in line)
    assert training < lines.index("hello from src rows=25 epochs=2 name=abc") < lines.index("epoch=1 loss=0.500") < uploading
    assert "Training job cli-train-ok Completed." in out.stdout
    sm, s3 = server.client("sagemaker"), server.client("s3")
    job = sm.describe_training_job(TrainingJobName="cli-train-ok")
    assert job["AlgorithmSpecification"]["TrainingImage"].endswith("/sagemaker-scikit-learn:1.2-1-cpu-py3")
    # What the SDK's framework estimators send: JSON-encoded values and the script-mode parameters.
    hp = job["HyperParameters"]
    assert hp["epochs"] == "2" and hp["name"] == '"abc"' and hp["sagemaker_program"] == '"train.py"'
    bucket, key = json.loads(hp["sagemaker_submit_directory"])[5:].split("/", 1)
    assert key == "cli-train-ok/source/sourcedir.tar.gz"
    with tarfile.open(fileobj=io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read())) as archive:
        assert sorted(archive.getnames()) == ["helper.py", "train.py"]
    channel = job["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"]
    assert channel == f"s3://{bucket}/cli-train-ok/input/train/"
    model_uri = job["ModelArtifacts"]["S3ModelArtifacts"]
    assert model_uri == f"s3://{bucket}/cli-train-ok/output/model.tar.gz" and f"Model: {model_uri}" in out.stdout
    with tarfile.open(fileobj=io.BytesIO(s3.get_object(Bucket=bucket, Key=key.replace("source/sourcedir", "output/model"))["Body"].read())) as archive:
        assert json.loads(archive.extractfile("model.json").read()) == {"rows": 25, "epochs": 2}


def test_a_failing_script_exits_non_zero_with_the_failure_reason(server, project):
    out = anneal_train(server, project, "src/train.py", "--source-dir", "src", "--image", "anneal/python:3",
                       "--channel", "train=data", "--hyperparameter", "epochs=1", "--hyperparameter", "fail=yes",
                       "--base-job-name", "cli-fail", "--wait", "--json")
    assert out.returncode == 1, out.stdout[-2000:] + out.stderr[-2000:]
    described = json.loads(out.stdout)  # --json: stdout is the job's description, progress went to stderr
    assert described["TrainingJobStatus"] == "Failed" and described["TrainingJobName"].startswith("cli-fail-20")
    assert described["FailureReason"] == "AlgorithmError: ValueError: refused on purpose"
    assert "about to fail" in out.stderr and " Failed - " in out.stderr
    assert "FailureReason: AlgorithmError: ValueError: refused on purpose" in out.stderr


def test_without_wait_it_prints_the_job_and_returns(server, project):
    out = anneal_train(server, project, "--image", "anneal/python:3", "--source-dir", "src", "--channel",
                       "train=s3://no-such-bucket-for-cli/data", "--job-name", "cli-nowait", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["TrainingJobName"] == "cli-nowait"
    job = server.client("sagemaker").describe_training_job(TrainingJobName="cli-nowait")
    assert "sagemaker_program" not in job["HyperParameters"] and "sagemaker_submit_directory" in job["HyperParameters"]
    # The same name again is refused before anything is uploaded.
    again = anneal_train(server, project, "train.py", "--source-dir", "src", "--image", "anneal/python:3", "--job-name", "cli-nowait")
    assert again.returncode == 1 and "cli-nowait is taken" in again.stderr


@pytest.mark.parametrize("args, message", [
    (["missing.py", "--framework", "sklearn"], "entry point missing.py not found"),
    (["train.py", "--source-dir", "src", "--framework", "sklearn", "--instance-type", "m5.large"], "--instance-type m5.large is not"),
    (["nope.py", "--source-dir", "src", "--framework", "sklearn"], "entry point nope.py not found in --source-dir"),
    (["src/train.py", "--framework", "pytorch"], "unknown framework 'pytorch'"),
    (["src/train.py", "--framework", "sklearn", "--framework-version", "9.9-1"], "is not a SageMaker scikit-learn version"),
    (["src/train.py"], "--framework sklearn"),
    (["src/train.py", "--image", "anneal/python:3", "--hyperparameter", "epochs"], "--hyperparameter epochs is not KEY=VALUE"),
    (["src/train.py", "--image", "anneal/python:3", "--hyperparameter", "=3"], "is not KEY=VALUE"),
    (["src/train.py", "--image", "anneal/python:3", "--channel", "train=data/none.csv"], "--channel train: data/none.csv does not exist"),
    (["src/train.py", "--image", "anneal/python:3", "--channel", "train"], "is not NAME=PATH"),
    (["src/train.py", "--image", "anneal/python:3", "--channel", "train=empty"], "--channel train: empty has no files"),
    (["src/train.py", "--image", "anneal/python:3", "--instance-count", "0"], "--instance-count 0 is not a whole number"),
    (["src/train.py", "--image", "anneal/python:3", "--job-name", "bad_name"], "--job-name bad_name must be"),
    (["src/train.py", "--image", "anneal/python:3", "--output-path", "/tmp/out"], "is not an s3://bucket/prefix URI"),
    (["src/train.py", "--image", "anneal/python:3", "--bogus"], "unknown option --bogus"),
])
def test_bad_arguments_are_refused_before_any_job_exists(server, project, args, message):
    before = job_names(server)
    out = anneal_train(server, project, *args)
    assert out.returncode == 64, out.stdout + out.stderr
    assert message in out.stderr and "anneal train --help" in out.stderr, out.stderr
    assert job_names(server) == before
