"""The sagemaker SDK's other training paths, unmodified, against Anneal: the generic
`Estimator(image_uri=...)` (a bring-your-own image mapped by $ANNEAL_HOME/runtimes.json, and a script
on anneal/python:3) and the v3-style `ModelTrainer` (ContainerEntrypoint + code channels)."""
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from anneal_harness import clean_env

HERE = Path(__file__).resolve().parent
PYTHON = str(HERE.parents[1] / ".venv" / "bin" / "python")
BUCKET = "estimators"
BYO_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/anneal-compat/table-train:1.0"


@pytest.fixture(scope="module")
def sdk(server, tmp_path_factory):
    s3 = server.client("s3")
    try:
        s3.create_bucket(Bucket=BUCKET)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    csv = "\n".join(f"{i % 5},{i % 3}" for i in range(40)).encode() + b"\n"
    for prefix in ("data/estimator", "data/mt"):
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/part-1.csv", Body=csv)
    config = tmp_path_factory.mktemp("sdk-config") / "sagemaker.yaml"
    config.write_text("SchemaVersion: '1.0'\nSageMaker:\n  PythonSDK:\n    Modules:\n      TelemetryOptOut: true\n")
    env = clean_env() | server.profile_env() | {"SAGEMAKER_USER_CONFIG_OVERRIDE": str(config),
                                                "SAGEMAKER_SUPPRESS_V2_WARNING": "1"}
    return server, s3, env


def run_sdk(env, *args):
    out = subprocess.run([PYTHON, *map(str, args)], env=env, capture_output=True, text=True, timeout=600)
    return out, out.stdout + out.stderr


def value(stdout, label):
    return next(line.split(" ", 1)[1] for line in stdout.splitlines() if line.startswith(label + " "))


def model_files(s3, uri):
    bucket, key = uri[5:].split("/", 1)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
        return {m.name.lstrip("./"): archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


@pytest.fixture()
def runtime_table(server):
    """Maps the bring-your-own image to a train command, as an operator would in runtimes.json."""
    table = server.home / "runtimes.json"
    table.write_text(json.dumps({"runtimes": [{
        "image": "*/anneal-compat/table-train:*", "train": ["python3", str(HERE / "jobs" / "byo_train.py")],
        # The sandbox shows a job only the system, its runtime and what the table exposes (a checkout
        # under /tmp would otherwise be hidden behind the job's private /tmp).
        "expose": [str(HERE / "jobs")], "environment": {"BYO_MODE": "table"}}]}))
    yield table
    table.unlink()


def test_generic_estimator_runs_the_train_program_the_runtime_table_maps(sdk, runtime_table):
    server, s3, env = sdk
    out, text = run_sdk(env, HERE / "sdk" / "fit_estimator.py", "byo", BUCKET, BYO_IMAGE)
    assert out.returncode == 0, text[-3000:]
    assert "byo train: rows=40 epochs=3 mode=table" in text, text[-3000:]  # logs=True streamed the job's line
    assert value(out.stdout, "STATUS") == "Completed"
    model = json.loads(model_files(s3, value(out.stdout, "MODEL_DATA"))["model.json"])
    # The generic Estimator sends str(value): the program read them back as SageMaker writes them.
    assert model["hyperparameters"] == {"epochs": "3", "name": "abc"}
    assert model["rows"] == 40 and model["channels"] == ["train"] and model["mode"] == "table"


def test_generic_estimator_with_an_unmapped_image_fails_with_a_client_error(sdk):
    server, s3, env = sdk
    out, text = run_sdk(env, HERE / "sdk" / "fit_estimator.py", "byo", BUCKET, BYO_IMAGE)  # no table this time
    assert out.returncode != 0
    assert "ClientError: No local runtime maps the training image" in text and BYO_IMAGE in text, text[-3000:]
    assert "runtimes.json" in text


def test_generic_estimator_with_entry_point_on_anneal_python(sdk):
    server, s3, env = sdk
    out, text = run_sdk(env, HERE / "sdk" / "fit_estimator.py", "script", BUCKET, HERE / "jobs")
    assert out.returncode == 0, text[-3000:]
    assert "rows=40 epochs=2 rate=0.1 name=abc" in text, text[-3000:]
    assert value(out.stdout, "STATUS") == "Completed"
    model_data = value(out.stdout, "MODEL_DATA")
    assert model_data.startswith(f"s3://{BUCKET}/estimator-output/generic-script-") and model_data.endswith("/output/model.tar.gz")
    model = json.loads(model_files(s3, model_data)["model.json"])
    assert model["rows"] == 40 and model["env"]["SM_HP_NAME"] == "abc"


def test_model_trainer_runs_its_container_entrypoint_and_code_channels(sdk, tmp_path):
    server, s3, env = sdk
    source = tmp_path / "src"
    source.mkdir()
    (source / "helper.py").write_text("GREETING = 'hello from the code channel'\n")
    (source / "train_mt.py").write_text(
        "import argparse, json, os\n"
        "from helper import GREETING\n"
        "parser = argparse.ArgumentParser()\n"
        "parser.add_argument('--epochs', type=int)\n"
        "parser.add_argument('--name')\n"
        "args = parser.parse_args()\n"
        "rows = sum(1 for f in os.listdir(os.environ['SM_CHANNEL_TRAIN'])\n"
        "           for line in open(os.path.join(os.environ['SM_CHANNEL_TRAIN'], f)) if line.strip())\n"
        "print(f'{GREETING}: epochs={args.epochs} name={args.name} rows={rows}', flush=True)\n"
        "json.dump({'epochs': args.epochs, 'name': args.name, 'rows': rows, 'cwd': os.getcwd(),\n"
        "           'hps': json.loads(os.environ['SM_HPS'])},\n"
        "          open(os.path.join(os.environ['SM_MODEL_DIR'], 'model.json'), 'w'))\n")
    # COLUMNS: the SDK logs through rich, which wraps lines at the terminal's width.
    out, text = run_sdk(env | {"COLUMNS": "500"}, HERE / "sdk" / "model_trainer.py", BUCKET, source)
    assert out.returncode == 0, text[-4000:]
    assert "telemetry" not in text, text[-4000:]  # TelemetryOptOut held: no call to AWS's own endpoint
    assert value(out.stdout, "STATUS") == "Completed"
    assert value(out.stdout, "ENTRYPOINT") == "['/bin/bash']"
    assert value(out.stdout, "CHANNELS") == "['code', 'sm_drivers', 'train']"
    # logs=True streamed sm_train.sh's lines and the script's own, through the Logs API.
    assert "Running Basic Script driver" in text, text[-4000:]
    assert "hello from the code channel: epochs=2 name=abc rows=40" in text, text[-4000:]
    model_data = value(out.stdout, "MODEL_DATA")
    assert model_data.endswith("/output/model.tar.gz")
    model = json.loads(model_files(s3, model_data)["model.json"])
    assert model == {"epochs": 2, "name": "abc", "rows": 40, "cwd": "/opt/ml/input/data/code",
                     "hps": {"epochs": 2, "name": "abc"}}
