"""Hyperparameter tuning jobs through the SageMaker API with the real clients: the tuner launches
child training jobs named and configured as SageMaker's, keeps MaxParallelTrainingJobs running,
records each objective, and reports counters and the best job; bad requests are refused naming
the field; a stop and a server restart neither lose nor repeat a trial."""
import io
import json
import re
import tarfile
import time
from pathlib import Path

import botocore.exceptions
import pytest

HERE = Path(__file__).resolve().parent
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


def setup(server):
    s3 = server.client("s3")
    try:
        s3.create_bucket(Bucket="tuning")
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(HERE / "jobs" / "objective.py", arcname="objective.py")
    s3.put_object(Bucket="tuning", Key="code/objective/sourcedir.tar.gz", Body=buffer.getvalue())
    s3.put_object(Bucket="tuning", Key="data/train/x.csv", Body=b"1\n")
    return s3


def definition(static=None, metric="validation:loss"):
    hyper = {"sagemaker_program": json.dumps("objective.py"),
             "sagemaker_submit_directory": json.dumps("s3://tuning/code/objective/sourcedir.tar.gz"), "epochs": "3"}
    hyper.update(static or {})
    return {
        "StaticHyperParameters": hyper,
        "AlgorithmSpecification": {"TrainingImage": "anneal/python:3", "TrainingInputMode": "File",
                                   "MetricDefinitions": [{"Name": "validation:loss", "Regex": "validation-loss=([0-9.eE+-]+);"}]},
        "RoleArn": ROLE,
        "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://tuning/data/train/", "S3DataDistributionType": "FullyReplicated"}}}],
        "OutputDataConfig": {"S3OutputPath": "s3://tuning/output"},
        "HyperParameterTuningResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 300},
    }


def config(strategy="Random", jobs=6, parallel=3, ranges=None, metric="validation:loss", **extra):
    ranges = ranges or {"ContinuousParameterRanges": [{"Name": "x", "MinValue": "-2", "MaxValue": "3", "ScalingType": "Linear"},
                                                      {"Name": "y", "MinValue": "-2", "MaxValue": "2"}],
                        "CategoricalParameterRanges": [{"Name": "kind", "Values": ["a", "b", "c"]}],
                        "IntegerParameterRanges": [{"Name": "depth", "MinValue": "1", "MaxValue": "6"}]}
    value = {"Strategy": strategy, "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": metric},
             "ResourceLimits": {"MaxNumberOfTrainingJobs": jobs, "MaxParallelTrainingJobs": parallel},
             "ParameterRanges": ranges, "RandomSeed": 7}
    value.update(extra)
    return value


def wait(sm, name, timeout=300, statuses=("Completed", "Failed", "Stopped")):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        if job["HyperParameterTuningJobStatus"] in statuses:
            return job
        time.sleep(0.5)
    raise AssertionError(f"{name}: {sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)}")


def children(sm, name, **extra):
    summaries, token = [], None
    while True:
        page = sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName=name, MaxResults=2,
                                                                    **({"NextToken": token} if token else {}), **extra)
        summaries += page["TrainingJobSummaries"]
        token = page.get("NextToken")
        if not token:
            return summaries


def test_a_random_tuning_job_runs_its_trials_and_reports_the_best(server):
    setup(server)
    sm = server.client("sagemaker")
    arn = sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="tune-random", HyperParameterTuningJobConfig=config(),
        TrainingJobDefinition=definition({"sleep": "0.3"}), Tags=[{"Key": "team", "Value": "sorts"}])["HyperParameterTuningJobArn"]
    assert arn.endswith(":hyper-parameter-tuning-job/tune-random")
    seen_parallel = 0
    deadline = time.time() + 300
    while time.time() < deadline:
        job = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-random")
        seen_parallel = max(seen_parallel, job["TrainingJobStatusCounters"]["InProgress"])
        assert job["TrainingJobStatusCounters"]["InProgress"] <= 3
        if job["HyperParameterTuningJobStatus"] != "InProgress":
            break
        time.sleep(0.3)
    assert job["HyperParameterTuningJobStatus"] == "Completed", job.get("FailureReason")
    # Trials ran side by side (from their recorded creation and end times, which polling can miss
    # on a fast machine), never more than MaxParallelTrainingJobs at once.
    spans = [sm.describe_training_job(TrainingJobName=t["TrainingJobName"]) for t in children(sm, "tune-random")]
    events = sorted([(s["CreationTime"].timestamp(), 1) for s in spans] + [(s["TrainingEndTime"].timestamp(), -1) for s in spans],
                    key=lambda e: (e[0], e[1]))
    running = most = 0
    for _, step in events:
        running += step
        most = max(most, running)
    assert 2 <= most <= 3, (most, seen_parallel)
    assert job["TrainingJobStatusCounters"] == {"Completed": 6, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0}
    assert job["ObjectiveStatusCounters"] == {"Succeeded": 6, "Pending": 0, "Failed": 0}
    assert job["HyperParameterTuningJobConfig"]["Strategy"] == "Random"
    assert job["TrainingJobDefinition"]["StaticHyperParameters"]["epochs"] == "3"
    trials = children(sm, "tune-random")
    assert len(trials) == 6 and len({t["TrainingJobName"] for t in trials}) == 6
    for trial in trials:
        assert re.fullmatch(r"tune-random-\d{3}-[0-9a-f]{8}", trial["TrainingJobName"]), trial["TrainingJobName"]
        assert set(trial["TunedHyperParameters"]) == {"x", "y", "kind", "depth"}
        tuned = trial["TunedHyperParameters"]
        assert -2 <= float(tuned["x"]) <= 3 and tuned["kind"] in ("a", "b", "c") and 1 <= int(tuned["depth"]) <= 6
        expected = (float(tuned["x"]) - 1) ** 2 + (float(tuned["y"]) + 0.5) ** 2 + {"a": 0, "b": 0.5, "c": 1}[tuned["kind"]] \
            + 0.1 * abs(int(tuned["depth"]) - 3)
        assert trial["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == pytest.approx(expected, abs=1e-5)
        assert trial["ObjectiveStatus"] == "Succeeded" and trial["TuningJobName"] == "tune-random"
    best = min(trials, key=lambda t: t["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    assert job["BestTrainingJob"]["TrainingJobName"] == best["TrainingJobName"]
    child = sm.describe_training_job(TrainingJobName=trials[0]["TrainingJobName"])
    assert child["TuningJobArn"] == arn
    assert child["HyperParameters"]["_tuning_objective_metric"] == "validation:loss"
    assert child["HyperParameters"]["epochs"] == "3"
    assert {"Key": "team", "Value": "sorts"} in sm.list_tags(ResourceArn=child["TrainingJobArn"])["Tags"]
    ranked = children(sm, "tune-random", SortBy="FinalObjectiveMetricValue", SortOrder="Ascending")
    values = [t["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for t in ranked]
    assert values == sorted(values)
    listed = sm.list_hyper_parameter_tuning_jobs(NameContains="tune-rand")["HyperParameterTuningJobSummaries"]
    assert [s["HyperParameterTuningJobName"] for s in listed] == ["tune-random"] and listed[0]["Strategy"] == "Random"


def test_grid_tries_every_combination_once(server):
    setup(server)
    sm = server.client("sagemaker")
    ranges = {"CategoricalParameterRanges": [{"Name": "kind", "Values": ["a", "b"]}],
              "IntegerParameterRanges": [{"Name": "depth", "MinValue": "2", "MaxValue": "4"}]}
    grid = config("Grid", jobs=100, parallel=4, ranges=ranges)
    del grid["ResourceLimits"]["MaxNumberOfTrainingJobs"]
    sm.create_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-grid", HyperParameterTuningJobConfig=grid,
                                         TrainingJobDefinition=definition())
    job = wait(sm, "tune-grid")
    assert job["HyperParameterTuningJobStatus"] == "Completed", job.get("FailureReason")
    combos = sorted((t["TunedHyperParameters"]["kind"], t["TunedHyperParameters"]["depth"]) for t in children(sm, "tune-grid"))
    assert combos == sorted((k, str(d)) for k in "ab" for d in (2, 3, 4))
    assert job["BestTrainingJob"]["TunedHyperParameters"] == {"kind": "a", "depth": "3"}


@pytest.mark.parametrize("change, message", [
    (lambda c, d: c.update(HyperParameterTuningJobObjective={"Type": "Minimize", "MetricName": "accuracy"}),
     "objective metric 'accuracy' is not among TrainingJobDefinition.AlgorithmSpecification.MetricDefinitions"),
    (lambda c, d: c.update(Strategy="Grid"), "HyperParameterTuningJobConfig.ParameterRanges.ContinuousParameterRanges 'x': the Grid strategy takes only categorical"),
    (lambda c, d: c["ParameterRanges"]["ContinuousParameterRanges"][0].update(MinValue="0", ScalingType="Logarithmic"),
     "ContinuousParameterRanges 'x': ScalingType Logarithmic needs a MinValue greater than 0"),
    (lambda c, d: c["ParameterRanges"]["ContinuousParameterRanges"][0].update(MaxValue="1.5", ScalingType="ReverseLogarithmic"),
     "ScalingType ReverseLogarithmic needs MinValue and MaxValue in [0, 1)"),
    (lambda c, d: c["ParameterRanges"]["ContinuousParameterRanges"][0].update(MinValue="5"), "cannot be greater than MaxValue"),
    (lambda c, d: c.update(Strategy="Hyperband", TrainingJobEarlyStoppingType="Auto"), "must be Off with the Hyperband strategy"),
    (lambda c, d: c["ResourceLimits"].update(MaxParallelTrainingJobs=10), "cannot be greater than MaxNumberOfTrainingJobs"),
    (lambda c, d: d["StaticHyperParameters"].update(x="1"), "both tuned"),
])
def test_bad_requests_are_validation_errors_naming_the_field(server, change, message):
    setup(server)
    sm = server.client("sagemaker")
    c, d = config(), definition()
    change(c, d)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sm.create_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-bad", HyperParameterTuningJobConfig=c,
                                             TrainingJobDefinition=d)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert message in refused.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as missing:
        sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-bad")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFound"


def test_more_bad_requests(server):
    setup(server)
    sm = server.client("sagemaker")
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sm.create_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-warm", HyperParameterTuningJobConfig=config(),
                                             TrainingJobDefinition=definition(),
                                             WarmStartConfig={"ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "nope"}],
                                                              "WarmStartType": "IdenticalDataAndAlgorithm"})
    assert "the tuning job nope does not exist" in refused.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sm.create_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-bad-image", HyperParameterTuningJobConfig=config(),
                                             TrainingJobDefinition=dict(definition(), OutputDataConfig={"S3OutputPath": "not-s3"}))
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="never-made")
    assert refused.value.response["Error"]["Code"] == "ResourceNotFound"


def test_stop_ends_the_running_trials_and_keeps_the_best(server):
    setup(server)
    sm = server.client("sagemaker")
    sm.create_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-stop",
                                         HyperParameterTuningJobConfig=config(jobs=10, parallel=2),
                                         TrainingJobDefinition=definition({"epochs": "40", "sleep": "0.5"}))
    deadline = time.time() + 120
    while time.time() < deadline:
        job = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-stop")
        if job["TrainingJobStatusCounters"]["InProgress"] == 2 and all(
                t["TrainingJobStatus"] == "InProgress" for t in children(sm, "tune-stop")):
            break
        time.sleep(0.3)
    time.sleep(3)
    sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-stop")
    assert sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-stop")["HyperParameterTuningJobStatus"] in ("Stopping", "Stopped")
    job = wait(sm, "tune-stop", timeout=200)
    assert job["HyperParameterTuningJobStatus"] == "Stopped"
    trials = children(sm, "tune-stop")
    assert len(trials) == 2 and all(t["TrainingJobStatus"] == "Stopped" for t in trials)
    with pytest.raises(botocore.exceptions.ClientError) as again:
        sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-stop")
    assert "is in status Stopped" in again.value.response["Error"]["Message"]
    sm.delete_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-stop")
    assert sm.describe_training_job(TrainingJobName=trials[0]["TrainingJobName"])["TrainingJobStatus"] == "Stopped"


def test_a_restart_neither_loses_nor_repeats_a_trial(fresh_server):
    srv = fresh_server(extra_args=["--max-instances", "2"])
    setup(srv)
    sm = srv.client("sagemaker")
    sm.create_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-restart",
                                         HyperParameterTuningJobConfig=config(jobs=6, parallel=2),
                                         TrainingJobDefinition=definition({"epochs": "4", "sleep": "0.5"}))
    deadline = time.time() + 120
    while time.time() < deadline:
        if sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-restart")["TrainingJobStatusCounters"]["Completed"] >= 2:
            break
        time.sleep(0.3)
    srv.kill9()
    srv.start()
    sm = srv.client("sagemaker")
    job = wait(sm, "tune-restart", timeout=300)
    trials = children(sm, "tune-restart")
    # Trials that were running when the platform died end as lost (retryable); the tuner makes up for
    # them, so six trials count and none was launched twice.
    counted = [t for t in trials if not (t["TrainingJobStatus"] == "Failed" and t.get("FailureReason", "").startswith("InternalServerError"))]
    assert job["HyperParameterTuningJobStatus"] == "Completed", job.get("FailureReason")
    assert len(counted) == 6
    assert len({t["TrainingJobName"] for t in trials}) == len(trials)
    assert job["TrainingJobStatusCounters"]["Completed"] == 6
    assert job["TrainingJobStatusCounters"]["RetryableError"] == len(trials) - 6


def test_the_sdk_hyperparameter_tuner_runs_end_to_end(server, tmp_path):
    import os
    import subprocess
    from anneal_harness import clean_env
    setup(server)
    config_file = tmp_path / "sagemaker.yaml"
    config_file.write_text("SchemaVersion: '1.0'\nSageMaker:\n  PythonSDK:\n    Modules:\n      TelemetryOptOut: true\n")
    env = clean_env() | server.profile_env() | {"SAGEMAKER_USER_CONFIG_OVERRIDE": str(config_file), "SAGEMAKER_SUPPRESS_V2_WARNING": "1"}
    source = tmp_path / "src"
    source.mkdir()
    (source / "objective.py").write_text((HERE / "jobs" / "objective.py").read_text())
    out = subprocess.run([str(HERE.parents[1] / ".venv" / "bin" / "python"), str(HERE / "sdk" / "tune.py"), str(source), "tuning",
                          "Bayesian"], env=env, capture_output=True, text=True, timeout=900)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text[-3000:]
    best = next(line.split(" ", 1)[1] for line in out.stdout.splitlines() if line.startswith("BEST "))
    frame = json.loads(next(line.split(" ", 1)[1] for line in out.stdout.splitlines() if line.startswith("FRAME ")))
    assert len(frame) == 8
    assert {"x", "y", "kind", "depth", "FinalObjectiveValue", "TrainingJobName", "TrainingJobStatus"} <= set(frame[0])
    assert min(frame, key=lambda row: row["FinalObjectiveValue"])["TrainingJobName"] == best
    sm = server.client("sagemaker")
    job = sm.describe_training_job(TrainingJobName=best)
    assert job["TrainingJobStatus"] == "Completed" and job["HyperParameters"]["_tuning_objective_metric"] == "validation:loss"


def test_hyperband_stops_poor_trials_at_its_rungs_and_their_objectives_count(server):
    setup(server)
    sm = server.client("sagemaker")
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="tune-hyperband",
        HyperParameterTuningJobConfig=config("Hyperband", jobs=9, parallel=3,
                                             StrategyConfig={"HyperbandStrategyConfig": {"MinResource": 1, "MaxResource": 9}}),
        TrainingJobDefinition=definition({"epochs": "9", "sleep": "0.4"}))
    job = wait(sm, "tune-hyperband", timeout=400)
    assert job["HyperParameterTuningJobStatus"] == "Completed", job.get("FailureReason")
    trials = children(sm, "tune-hyperband")
    stopped = [t for t in trials if t["TrainingJobStatus"] == "Stopped"]
    assert stopped, [(t["TrainingJobName"], t["TrainingJobStatus"]) for t in trials]
    for trial in stopped:
        # Stopped early, yet the value it reached counts (not a failure).
        assert trial["ObjectiveStatus"] == "Succeeded" and "FinalHyperParameterTuningJobObjectiveMetric" in trial
    assert job["TrainingJobStatusCounters"]["Stopped"] == len(stopped)
    assert job["ObjectiveStatusCounters"]["Failed"] == 0
    best = job["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
    assert best == min(t["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for t in trials)


def test_hyperband_needs_a_max_resource(server):
    setup(server)
    sm = server.client("sagemaker")
    d = definition()
    del d["StaticHyperParameters"]["epochs"]
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sm.create_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-hb-bad", HyperParameterTuningJobConfig=config("Hyperband"),
                                             TrainingJobDefinition=d)
    assert "MaxResource is required" in refused.value.response["Error"]["Message"]


def test_the_cli_tunes_from_a_json_request_and_ranks_the_trials(server, tmp_path):
    import subprocess
    from anneal_harness import BINARY, clean_env
    setup(server)

    def anneal(*args):
        return subprocess.run([BINARY, *args, "--home", str(server.home)], capture_output=True, text=True, env=clean_env(), timeout=300)

    spec = tmp_path / "tune.json"
    spec.write_text(json.dumps({"HyperParameterTuningJobConfig": config(jobs=4, parallel=2), "TrainingJobDefinition": definition()}))
    out = anneal("tune", str(spec), "--name", "tune-cli", "--wait")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Completed: 4 completed" in out.stdout
    ranked = anneal("tunes", "trials", "tune-cli", "--json")
    values = [t["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for t in json.loads(ranked.stdout)]
    assert len(values) == 4 and values == sorted(values)
    table = anneal("tunes", "trials", "tune-cli")
    assert table.stdout.splitlines()[1].startswith("1 ") and "tune-cli-00" in table.stdout
    listed = anneal("tunes", "list")
    assert "tune-cli" in listed.stdout and "Completed" in listed.stdout
    described = anneal("tunes", "describe", "tune-cli")
    assert "best" in described.stdout and "Completed 4" in described.stdout
    again = anneal("tune", str(spec), "--name", "tune-cli")
    assert again.returncode == 1 and "already exists" in again.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    refused = anneal("tune", str(bad), "--name", "x")
    assert refused.returncode == 64 and "is not a JSON object" in refused.stderr
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps({"HyperParameterTuningJobConfig": config(strategy="Grid"), "TrainingJobDefinition": definition()}))
    refused = anneal("tune", str(invalid), "--name", "tune-cli-bad")
    assert refused.returncode == 1 and "the Grid strategy takes only categorical" in refused.stderr


def test_completion_criteria_and_warm_start(server):
    setup(server)
    sm = server.client("sagemaker")
    # Any trial beats a target of 1000: the job completes after the first finished trial(s).
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="tune-target", TrainingJobDefinition=definition(),
        HyperParameterTuningJobConfig=config(jobs=20, parallel=1, TuningJobCompletionCriteria={"TargetObjectiveMetricValue": 1000.0}))
    job = wait(sm, "tune-target")
    assert job["HyperParameterTuningJobStatus"] == "Completed"
    assert len(children(sm, "tune-target")) == 1
    assert "ConvergenceDetectedTime" in job["TuningJobCompletionDetails"]
    # The warm-started job knows its parent's results: its overall best is the better of both.
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="tune-warm-child", TrainingJobDefinition=definition(),
        HyperParameterTuningJobConfig=config(jobs=2, parallel=2),
        WarmStartConfig={"ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "tune-target"}],
                         "WarmStartType": "IdenticalDataAndAlgorithm"})
    child = wait(sm, "tune-warm-child")
    assert child["HyperParameterTuningJobStatus"] == "Completed"
    assert child["WarmStartConfig"]["ParentHyperParameterTuningJobs"] == [{"HyperParameterTuningJobName": "tune-target"}]
    candidates = children(sm, "tune-target") + children(sm, "tune-warm-child")
    overall = min(candidates, key=lambda t: t["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    assert child["OverallBestTrainingJob"]["TrainingJobName"] == overall["TrainingJobName"]
    # A running parent cannot be warm-started from.
    sm.create_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-long", TrainingJobDefinition=definition({"epochs": "30", "sleep": "1"}),
                                         HyperParameterTuningJobConfig=config(jobs=1, parallel=1))
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sm.create_hyper_parameter_tuning_job(
            HyperParameterTuningJobName="tune-warm-bad", TrainingJobDefinition=definition(), HyperParameterTuningJobConfig=config(),
            WarmStartConfig={"ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": "tune-long"}],
                             "WarmStartType": "TransferLearning"})
    assert "must have finished" in refused.value.response["Error"]["Message"]
    sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-long")
    assert wait(sm, "tune-long")["HyperParameterTuningJobStatus"] == "Stopped"


def test_early_stopping_auto_stops_trials_worse_than_the_median(server):
    setup(server)
    sm = server.client("sagemaker")
    # Trials print 12 epochs 0.3 s apart; with the median rule, those whose curve lies above the
    # median of the others' running averages are stopped, and their last value still counts.
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="tune-auto", TrainingJobDefinition=definition({"epochs": "12", "sleep": "0.3"}),
        HyperParameterTuningJobConfig=config(jobs=10, parallel=2, TrainingJobEarlyStoppingType="Auto"))
    job = wait(sm, "tune-auto", timeout=400)
    assert job["HyperParameterTuningJobStatus"] == "Completed", job.get("FailureReason")
    trials = children(sm, "tune-auto")
    stopped = [t for t in trials if t["TrainingJobStatus"] == "Stopped"]
    assert stopped, [(t["TrainingJobName"], t["TrainingJobStatus"]) for t in trials]
    assert all(t["ObjectiveStatus"] == "Succeeded" for t in stopped)
    finished = [t for t in trials if t["TrainingJobStatus"] == "Completed"]
    # The job that ran to the end with the best value was never worse than those stopped at the time.
    assert min(t["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for t in finished) <= \
        min(t["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] for t in stopped)
