"""The Sorts workload (examples/sorts): its features from git history match a hand-computed example on a
repository built here with known commits, its synthetic data set is deterministic, and a still
smaller version of `make demo`'s pipeline runs against the test server: parallel training jobs (one on
managed spot) through the sagemaker SDK, a Bayesian tuning job on the best model, and every job's
logs, metrics and artifact read back through boto3; and a spot interruption in the middle of
train.py's loop resumes from its checkpoint."""
import csv
import io
import json
import subprocess
import sys
import tarfile
import time
from datetime import datetime, timezone
from pathlib import Path

from anneal_harness import BINARY, clean_env

HERE = Path(__file__).resolve().parent
SORTS = HERE.parents[1] / "examples" / "sorts"
sys.path.insert(0, str(SORTS))
import extract_features  # noqa: E402


def commit(repo, message, author, email, date, changes):
    """Applies `changes` ({path: text, or None to delete, or ('mv', new) to rename}) and commits them as
    `author <email>` at `date` (ISO 8601 with its offset, used as author and committer date)."""
    for path, change in changes.items():
        target = repo / path
        if isinstance(change, tuple):
            (repo / change[1]).parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["git", "-C", str(repo), "mv", path, change[1]], check=True)
        elif change is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(change)
    env = clean_env() | {"GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date,
                         "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", message], check=True, env=env)


def lines(count, tag):
    return "".join(f"{tag} line {i}\n" for i in range(count))


def build_repository(repo):
    """Six commits by four authors (two emails of one of them), in four time zones, with a rename, a
    250-line commit, commits at 02:30 and 05:59 local time (midnight commits) and one at 06:00 (not),
    and a security fix (an XSS fix) touching two files."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    app10, readme3 = lines(10, "app"), lines(3, "readme")
    commit(repo, "Initial import", "Ana", "ana@corp.com", "2024-01-01T10:00:00+00:00",
           {"app.py": app10, "README.md": readme3, "empty.txt": ""})
    commit(repo, "Add handler", "Bob", "bob@corp.com", "2024-01-05T02:30:00-05:00",
           {"app.py": app10 + lines(5, "handler"), "util.py": lines(4, "util")})
    commit(repo, "Bulk data", "Ana", "ana@users.noreply.github.com", "2024-01-10T12:00:00+01:00",
           {"app.py": app10 + lines(5, "handler") + lines(250, "data")})
    commit(repo, "Fix XSS in the rendering of app.py", "Carol", "carol@corp.com", "2024-02-01T23:30:00+00:00",
           {"app.py": app10 + lines(5, "handler") + lines(249, "data") + "escaped\n", "util.py": lines(3, "util") + "safe\n"})
    commit(repo, "Move the readme", "Bob", "bob@corp.com", "2024-03-01T05:59:00+02:00",
           {"README.md": ("mv", "docs/README.md")})
    (repo / "docs" / "README.md").write_text(readme3 + "moved\n")
    commit(repo, "Docs and build", "Dave", "dave@corp.com", "2024-03-02T06:00:00+00:00",
           {"docs/README.md": readme3 + "moved\nmore\n", "Makefile": "all:\n\ttrue\n"})


# Computed by hand from the commits above, at T = 2024-04-01T00:00Z for files at HEAD and at the fix's
# author date (2024-02-01T23:30Z) for the two files the fix touched (history before the fix only).
EXPECTED = {
    # app.py before the fix: commits 1 (ana 10:00), 2 (bob 02:30 local: midnight), 3 (ana again, by the
    # local part; 255 lines changed: risky); mean 1.5 commits per author, bob below it; 10+5+250 lines;
    # 31 days 13.5 h from 2024-01-01T10:00Z to the fix; 3/31 = 0.0968.
    "app.py": dict(is_vuln=1, num_commits=3, num_unique_authors=2, file_age=31, midnight_commits=1, risky_commits=1,
                   seldom_contributors=1, num_lines=265, busy_file=0, commit_frequency=0.0968, extension="py"),
    # util.py before the fix: commit 2 only (07:30Z, 02:30 local); 27 days 16 h; 4 lines; 1/27 = 0.037.
    "util.py": dict(is_vuln=1, num_commits=1, num_unique_authors=1, file_age=27, midnight_commits=1, risky_commits=0,
                    seldom_contributors=0, num_lines=4, busy_file=0, commit_frequency=0.037, extension="py"),
    # docs/README.md, followed back through the rename: commits 1, 5 (05:59 local: midnight), 6 (06:00:
    # not); three authors; 90 days 14 h; 3 + 1 + 1 lines; 3/90 = 0.0333.
    "docs/README.md": dict(is_vuln=0, num_commits=3, num_unique_authors=3, file_age=90, midnight_commits=1,
                           risky_commits=0, seldom_contributors=0, num_lines=5, busy_file=0, commit_frequency=0.0333,
                           extension="md"),
    # Makefile: commit 6 only; 29 days 18 h; no dot, so the extension is the name.
    "Makefile": dict(is_vuln=0, num_commits=1, num_unique_authors=1, file_age=29, midnight_commits=0, risky_commits=0,
                     seldom_contributors=0, num_lines=2, busy_file=0, commit_frequency=0.0345, extension="makefile"),
    # empty.txt has no lines: dropped, as Sorts drops num_lines == 0.
}


def test_features_match_a_hand_computed_example(tmp_path):
    repo = tmp_path / "repo"
    build_repository(repo)
    rows, summary = extract_features.extract(str(repo), now=datetime(2024, 4, 1, tzinfo=timezone.utc), negatives=0)
    by_file = {row["file"]: row for row in rows}
    assert set(by_file) == set(EXPECTED), by_file.keys()
    for path, expected in EXPECTED.items():
        got = {key: by_file[path][key] for key in expected}
        assert got == expected, (path, got)
    # "py" is the 20th extension in the list: ordinal 20 = 0b00000010100, extension_0 the top bit.
    assert [by_file["app.py"][f"extension_{i}"] for i in range(11)] == [0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0]
    fix_sha = subprocess.run(["git", "-C", str(repo), "log", "--format=%H", "--grep", "XSS"], capture_output=True,
                             text=True, check=True).stdout.strip()
    assert by_file["app.py"]["commit"] == by_file["util.py"]["commit"] == fix_sha
    assert summary["commits"] == 6 and summary["fix_commits"] == 1 and summary["positives"] == 2

    # The command line writes Sorts' 21 numeric columns, label first, balanced 1:1 by default.
    out = tmp_path / "features.csv"
    run = subprocess.run([sys.executable, str(SORTS / "extract_features.py"), str(repo), "-o", str(out),
                          "--now", "2024-04-01T00:00:00+00:00"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "files/s" in run.stderr
    with out.open() as handle:
        table = list(csv.reader(handle))
    assert table[0] == extract_features.COLUMNS and len(table[0]) == 21
    assert sorted(row[0] for row in table[1:]) == ["0", "0", "1", "1"]


def test_the_synthetic_data_set_is_deterministic_and_shaped_like_sorts(tmp_path):
    command = [sys.executable, str(SORTS / "make_dataset.py"), "--rows", "2000", "--seed", "3"]
    first = subprocess.run(command, capture_output=True, check=True).stdout
    assert first == subprocess.run(command, capture_output=True, check=True).stdout
    assert first != subprocess.run(command[:-1] + ["4"], capture_output=True, check=True).stdout
    rows = list(csv.reader(first.decode().splitlines()))
    assert len(rows[0]) == 21 and rows[0][0] == "is_vuln" and len(rows) == 2001
    assert sum(int(row[0]) for row in rows[1:]) == 1000
    header = rows[0]
    for row in rows[1:]:
        values = dict(zip(header, map(float, row)))
        assert values["busy_file"] == (values["num_unique_authors"] > 9)
        assert 1 <= values["num_unique_authors"] <= values["num_commits"]
        assert values["seldom_contributors"] < values["num_unique_authors"] or values["seldom_contributors"] == 0


def test_the_sorts_pipeline_runs_smaller_against_the_server(server, tmp_path):
    data = tmp_path / "dataset.csv"
    subprocess.run([sys.executable, str(SORTS / "make_dataset.py"), "--rows", "2000", "-o", str(data)], check=True)
    config = tmp_path / "sagemaker.yaml"
    config.write_text("SchemaVersion: '1.0'\nSageMaker:\n  PythonSDK:\n    Modules:\n      TelemetryOptOut: true\n")
    env = clean_env() | server.profile_env() | {"SAGEMAKER_USER_CONFIG_OVERRIDE": str(config),
                                                "SAGEMAKER_SUPPRESS_V2_WARNING": "1"}
    out = tmp_path / "results"
    run = subprocess.run([str(HERE.parents[1] / ".venv" / "bin" / "python"), str(SORTS / "launch.py"), "--preset", "smoke",
                          "--bucket", "sorts-smoke", "--data", str(data), "--out", str(out), "--timeout", "900"],
                         env=env, capture_output=True, text=True, timeout=1200)
    text = run.stdout + run.stderr
    assert run.returncode == 0, text[-4000:]
    assert "checked through boto3" in run.stdout, text[-3000:]

    results = json.loads((out / "results.json").read_text())
    training = results["training"]
    assert set(training) == {"logisticregression", "kneighborsclassifier"}
    assert training["logisticregression"]["spot"] is True  # most models on spot ...
    assert training["kneighborsclassifier"]["spot"] is False  # ... Sorts' ON_DEMAND_NEEDED ones on-demand
    for result in training.values():
        assert result["status"] == "Completed", result
        assert 30 < result["metrics"]["fscore"] <= 100
        assert result["best"]["combinations"] == 3 and result["best"]["model_file"].endswith(".joblib")
    tuning = results["tuning"]
    assert tuning["status"] == "Completed" and tuning["strategy"] == "Bayesian"
    assert tuning["counters"]["Completed"] == 2
    assert tuning["best"]["metrics"]["fscore"] == max(t["fscore"] for t in tuning["trials"])
    assert (out / "chart.svg").read_text().startswith("<svg")

    # Independently of the launcher: what a Sorts engineer would read with boto3.
    sm, s3, logs = server.client("sagemaker"), server.client("s3"), server.client("logs")
    spot = sm.describe_training_job(TrainingJobName=training["logisticregression"]["job"])
    assert spot["EnableManagedSpotTraining"] is True
    assert spot["StoppingCondition"]["MaxWaitTimeInSeconds"] >= spot["StoppingCondition"]["MaxRuntimeInSeconds"]
    assert spot["CheckpointConfig"]["S3Uri"].startswith("s3://sorts-smoke/checkpoints/")
    checkpoints = s3.list_objects_v2(Bucket="sorts-smoke", Prefix="checkpoints/")["Contents"]
    assert any(o["Key"].endswith("logisticregression_train_results.csv") for o in checkpoints)
    best = tuning["best"]["job"]
    described = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=tuning["name"])
    assert described["BestTrainingJob"]["TrainingJobName"] == best
    for name in [r["job"] for r in training.values()] + [best]:
        job = sm.describe_training_job(TrainingJobName=name)
        assert {m["MetricName"] for m in job["FinalMetricDataList"]} >= {"precision", "recall", "fscore", "accuracy", "overfit"}
        bucket, key = job["ModelArtifacts"]["S3ModelArtifacts"][5:].split("/", 1)
        assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0
        events = logs.filter_log_events(logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix=name + "/")["events"]
        assert any(e["message"].startswith("F1-Score: ") for e in events), name


def test_a_spot_interruption_resumes_train_py_from_its_checkpoint(server, tmp_path):
    """train.py appends each finished combination to /opt/ml/checkpoints; an operator takes the spot
    instance back after the first one (`anneal capacity reclaim`), and the restarted job skips what
    the checkpoint holds and still reports every combination."""
    s3, sm, logs = server.client("s3"), server.client("sagemaker"), server.client("logs")
    try:
        s3.create_bucket(Bucket="sorts-spot")
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    data = subprocess.run([sys.executable, str(SORTS / "make_dataset.py"), "--rows", "3000"], capture_output=True,
                          check=True).stdout
    s3.put_object(Bucket="sorts-spot", Key="training/data.csv", Body=data)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in ("train.py", "evaluation.py", "models.py"):
            archive.add(SORTS / "training" / name, arcname=name)
    s3.put_object(Bucket="sorts-spot", Key="code/sourcedir.tar.gz", Body=buffer.getvalue())
    name = "sorts-spot-resume"
    hyper = {"sagemaker_program": '"train.py"', "sagemaker_submit_directory": '"s3://sorts-spot/code/sourcedir.tar.gz"',
             "model": '"randomforestclassifier"', "features": '"SC,LC,CM"', "max-size": "3", "folds": "3",
             "curve-points": "3", "n-jobs": "1"}
    sm.create_training_job(
        TrainingJobName=name, RoleArn="arn:aws:iam::123456789012:role/sorts_prod", HyperParameters=hyper,
        AlgorithmSpecification={"TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
                                "TrainingInputMode": "File", "MetricDefinitions": [{"Name": "fscore", "Regex": "F1-Score: (.*?)%"}]},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://sorts-spot/training/", "S3DataDistributionType": "FullyReplicated"}}}],
        OutputDataConfig={"S3OutputPath": "s3://sorts-spot/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 600, "MaxWaitTimeInSeconds": 900}, EnableManagedSpotTraining=True,
        CheckpointConfig={"S3Uri": "s3://sorts-spot/checkpoints/resume"})

    def printed():
        try:
            events = logs.filter_log_events(logGroupName="/aws/sagemaker/TrainingJobs",
                                            logStreamNamePrefix=name + "/")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return []  # no job has printed on this server yet
        return [e["message"] for e in sorted(events, key=lambda e: (e["timestamp"], e.get("ingestionTime", 0)))]

    deadline = time.time() + 300
    while time.time() < deadline and not any(line.startswith("F1-Score:") for line in printed()):
        time.sleep(0.3)
    listed = subprocess.run([BINARY, "capacity", "instances", "--job", name, "--json", "--home", str(server.home)],
                            capture_output=True, text=True, env=clean_env(), timeout=30)
    instance = json.loads(listed.stdout)["Instances"][0]["instanceID"]
    reclaimed = subprocess.run([BINARY, "capacity", "reclaim", instance, "--home", str(server.home)],
                               capture_output=True, text=True, env=clean_env(), timeout=30)
    assert reclaimed.returncode == 0, reclaimed.stderr
    while time.time() < deadline:
        job = sm.describe_training_job(TrainingJobName=name)
        if job["TrainingJobStatus"] in ("Completed", "Failed", "Stopped"):
            break
        time.sleep(0.5)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    assert "Interrupted" in [t["Status"] for t in job["SecondaryStatusTransitions"]]
    lines = printed()
    resumed = [line for line in lines if line.startswith("Resuming: ")]
    assert resumed, lines[-40:]
    skipped = int(resumed[0].split()[1])
    assert 1 <= skipped < 7
    # Every one of the 7 combinations was evaluated exactly once across the two attempts, plus the
    # final block of the chosen one.
    assert sum(line.startswith("F1-Score:") for line in lines) >= 7 + 1
    csv_key = "checkpoints/resume/randomforestclassifier_train_results.csv"
    rows = s3.get_object(Bucket="sorts-spot", Key=csv_key)["Body"].read().decode().splitlines()
    assert len(rows) == 1 + 7 and len({row.split(",")[1] for row in rows[1:]}) == 7
