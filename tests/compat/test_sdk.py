"""The sagemaker Python SDK v2 (`sagemaker<3`), unmodified, driving Anneal through its profile."""
import os
import subprocess
from pathlib import Path

from anneal_harness import clean_env

HERE = Path(__file__).resolve().parent


def test_sklearn_estimator_fit_with_logs(server, tmp_path):
    s3 = server.client("s3")
    s3.create_bucket(Bucket="sdk-bucket")
    lines = ["f1,f2,label"] + [f"{i % 7},{(i * 3) % 11},{int(i % 7 > 3)}" for i in range(200)]
    s3.put_object(Bucket="sdk-bucket", Key="data/sk/train.csv", Body="\n".join(lines).encode() + b"\n")
    config = tmp_path / "sagemaker.yaml"
    config.write_text("SchemaVersion: '1.0'\nSageMaker:\n  PythonSDK:\n    Modules:\n      TelemetryOptOut: true\n")
    env = clean_env() | server.profile_env() | {"SAGEMAKER_USER_CONFIG_OVERRIDE": str(config), "SAGEMAKER_SUPPRESS_V2_WARNING": "1"}
    out = subprocess.run([str(HERE.parents[1] / ".venv" / "bin" / "python"), str(HERE / "sdk" / "fit_sklearn.py"),
                          str(HERE / "jobs"), "sdk-bucket"], env=env, capture_output=True, text=True, timeout=900)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-3000:]
    # fit(logs=True) streamed the job's own lines, and the SDK read the outcome through the API.
    assert "F1-Score:" in text, text[-3000:]
    assert "Training seconds:" in text and "Billable seconds:" in text, text[-3000:]
    model_data = next(line.split(" ", 1)[1] for line in out.stdout.splitlines() if line.startswith("MODEL_DATA"))
    assert model_data.startswith("s3://sdk-bucket/sdk-sklearn-") and model_data.endswith("/output/model.tar.gz")
    assert "STATUS Completed" in out.stdout
    bucket, key = model_data[5:].split("/", 1)
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0
