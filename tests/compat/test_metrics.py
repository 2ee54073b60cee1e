"""CloudWatch metrics through the real clients: boto3 (JSON 1.0, awsQueryCompatible), botocore
speaking the Query protocol, awscli v1; the errors each client parses; algorithm metrics read by
the sagemaker SDK's TrainingJobAnalytics; utilisation of a CPU-bound job; `anneal jobs metrics`;
the platform's /metrics."""
import copy
import datetime
import gzip
import io
import json
import statistics
import subprocess
import tarfile
import time
import uuid
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from anneal_harness import ROOT, AnnealServer, BINARY, clean_env

HERE = Path(__file__).resolve().parent
AWS = str(ROOT / ".venv" / "bin" / "aws")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
JOBS_NAMESPACE = "/aws/sagemaker/TrainingJobs"


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def at(seconds_ago):
    return datetime.datetime.fromtimestamp(time.time() - seconds_ago, datetime.timezone.utc)


def code(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture(scope="module")
def cw(server):
    return server.client("cloudwatch")


# --- put, get, list through boto3 (JSON 1.0) ------------------------------------------------------

def test_statistics_of_values_value_lists_and_statistic_sets(cw):
    namespace = unique("Test/Stats")
    dims = [{"Name": "Host", "Value": "a"}, {"Name": "Env", "Value": "prod"}]
    base = time.time() - 600
    minute = datetime.datetime.fromtimestamp((int(base) // 60) * 60 + 5, datetime.timezone.utc)
    next_minute = minute + datetime.timedelta(seconds=60)
    cw.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "latency", "Dimensions": dims, "Timestamp": minute, "Value": 10.0, "Unit": "Milliseconds"},
        {"MetricName": "latency", "Dimensions": dims[::-1], "Timestamp": minute, "Values": [20.0, 30.0], "Counts": [1.0, 2.0],
         "Unit": "Milliseconds"},
        {"MetricName": "latency", "Dimensions": dims, "Timestamp": next_minute, "Unit": "Milliseconds",
         "StatisticValues": {"SampleCount": 4.0, "Sum": 400.0, "Minimum": 50.0, "Maximum": 150.0}},
        # Another series: same name, one dimension fewer.
        {"MetricName": "latency", "Dimensions": dims[:1], "Timestamp": minute, "Value": 999.0},
    ])
    reply = cw.get_metric_statistics(Namespace=namespace, MetricName="latency", Dimensions=dims[::-1],
                                     StartTime=minute - datetime.timedelta(minutes=2), EndTime=next_minute + datetime.timedelta(minutes=2),
                                     Period=60, Statistics=["SampleCount", "Average", "Sum", "Minimum", "Maximum"])
    points = sorted(reply["Datapoints"], key=lambda p: p["Timestamp"])
    assert reply["Label"] == "latency"
    assert len(points) == 2
    first, second = points
    # 10 once, 20 once, 30 twice: the Values/Counts datum weighs each value by its count.
    assert first["SampleCount"] == 4 and first["Sum"] == 90 and first["Average"] == 22.5
    assert first["Minimum"] == 10 and first["Maximum"] == 30 and first["Unit"] == "Milliseconds"
    assert second["SampleCount"] == 4 and second["Average"] == 100 and second["Maximum"] == 150
    # Datapoints start at the minute (CloudWatch rounds StartTime down to the period boundary).
    assert first["Timestamp"].timestamp() % 60 == 0 and second["Timestamp"] - first["Timestamp"] == datetime.timedelta(seconds=60)

    only = cw.get_metric_statistics(Namespace=namespace, MetricName="latency", Dimensions=dims, Unit="Seconds",
                                    StartTime=minute - datetime.timedelta(minutes=2), EndTime=next_minute + datetime.timedelta(minutes=2),
                                    Period=60, Statistics=["Average"])
    assert only["Datapoints"] == []
    wide = cw.get_metric_statistics(Namespace=namespace, MetricName="latency", Dimensions=dims,
                                    StartTime=minute - datetime.timedelta(minutes=2), EndTime=next_minute + datetime.timedelta(minutes=2),
                                    Period=300, Statistics=["Maximum", "SampleCount"])
    assert sum(p["SampleCount"] for p in wide["Datapoints"]) == 8
    assert max(p["Maximum"] for p in wide["Datapoints"]) == 150


def test_list_metrics_filters_and_pages(cw):
    namespace = unique("Test/List")
    data = [{"MetricName": f"m{i:03d}", "Value": float(i), "Dimensions": [{"Name": "Shard", "Value": str(i % 3)}]} for i in range(520)]
    data.append({"MetricName": "solo", "Value": 1.0})
    # 521 metrics: over botocore's 10 KiB threshold, so the body is sent gzip-compressed.
    cw.put_metric_data(Namespace=namespace, MetricData=data)
    pages = list(cw.get_paginator("list_metrics").paginate(Namespace=namespace))
    assert len(pages) == 2 and "NextToken" in pages[0]
    names = sorted(m["MetricName"] for page in pages for m in page["Metrics"])
    assert names == sorted([f"m{i:03d}" for i in range(520)] + ["solo"])
    shard = cw.list_metrics(Namespace=namespace, Dimensions=[{"Name": "Shard", "Value": "1"}])["Metrics"]
    assert len(shard) == len([i for i in range(520) if i % 3 == 1])
    assert all(m["Dimensions"] == [{"Name": "Shard", "Value": "1"}] for m in shard)
    with_shard = [m for page in cw.get_paginator("list_metrics").paginate(Namespace=namespace, Dimensions=[{"Name": "Shard"}])
                  for m in page["Metrics"]]
    assert len(with_shard) == 520
    assert cw.list_metrics(Namespace=namespace, MetricName="solo")["Metrics"] == [
        {"Namespace": namespace, "MetricName": "solo", "Dimensions": []}]
    assert cw.list_metrics(Namespace=namespace + "-none")["Metrics"] == []
    with pytest.raises(ClientError) as bad:
        cw.list_metrics(Namespace=namespace, NextToken="garbage")
    assert code(bad) == ("InvalidNextToken", 400)


def test_get_metric_data_pages_and_orders(cw):
    namespace = unique("Test/Data")
    start = (int(time.time()) // 60) * 60 - 1200
    cw.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "req", "Timestamp": datetime.datetime.fromtimestamp(start + 60 * i + 1, datetime.timezone.utc),
         "Value": float(i), "Dimensions": [{"Name": "Api", "Value": "x"}]} for i in range(10)])
    query = lambda qid, stat, **kw: {"Id": qid, "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": "req",
                                     "Dimensions": [{"Name": "Api", "Value": "x"}]}, "Period": 60, "Stat": stat}, **kw}
    window = dict(StartTime=datetime.datetime.fromtimestamp(start, datetime.timezone.utc),
                  EndTime=datetime.datetime.fromtimestamp(start + 900, datetime.timezone.utc))
    reply = cw.get_metric_data(MetricDataQueries=[query("total", "Sum", Label="requests"), query("hidden", "Maximum", ReturnData=False)],
                               ScanBy="TimestampAscending", **window)
    assert [r["Id"] for r in reply["MetricDataResults"]] == ["total"]
    result = reply["MetricDataResults"][0]
    assert result["Label"] == "requests" and result["StatusCode"] == "Complete"
    assert result["Values"] == [float(i) for i in range(10)]
    assert [t.timestamp() for t in result["Timestamps"]] == [start + 60 * i for i in range(10)]

    pages = list(cw.get_paginator("get_metric_data").paginate(MetricDataQueries=[query("avg", "Average")], MaxDatapoints=4, **window))
    assert len(pages) == 3
    assert [p["MetricDataResults"][0]["StatusCode"] for p in pages] == ["PartialData", "PartialData", "Complete"]
    values = [v for p in pages for v in p["MetricDataResults"][0]["Values"]]
    assert values == [float(i) for i in reversed(range(10))]  # TimestampDescending by default

    with pytest.raises(ClientError) as expression:
        cw.get_metric_data(MetricDataQueries=[{"Id": "e", "Expression": "SUM(METRICS())"}], **window)
    assert code(expression) == ("InvalidParameterValue", 400)
    assert "not supported" in expression.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as bad_id:
        cw.get_metric_data(MetricDataQueries=[query("Bad-Id", "Sum")], **window)
    assert code(bad_id) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as percentile:
        cw.get_metric_data(MetricDataQueries=[query("p", "p99")], **window)
    assert code(percentile) == ("InvalidParameterValue", 400)


# --- bad input: the AWS error each client parses ---------------------------------------------------

@pytest.mark.parametrize("datum, expected", [
    ({"MetricName": "x", "Value": float("nan")}, "InvalidParameterValue"),
    ({"MetricName": "x", "Value": float("inf")}, "InvalidParameterValue"),
    ({"MetricName": "x", "Value": 1e200}, "InvalidParameterValue"),
    ({"MetricName": "x", "Values": [1.0] * 151}, "InvalidParameterValue"),
    ({"MetricName": "x", "Values": [1.0, float("nan")]}, "InvalidParameterValue"),
    ({"MetricName": "x", "Values": [1.0, 2.0], "Counts": [1.0]}, "InvalidParameterValue"),
    ({"MetricName": "x", "Value": 1.0, "StatisticValues": {"SampleCount": 1.0, "Sum": 1.0, "Minimum": 1.0, "Maximum": 1.0}},
     "InvalidParameterCombination"),
    ({"MetricName": "x"}, "InvalidParameterCombination"),
    ({"MetricName": "x", "Value": 1.0, "Unit": "Parsecs"}, "InvalidParameterValue"),
    ({"MetricName": "x", "Value": 1.0, "StorageResolution": 5}, "InvalidParameterValue"),
    ({"MetricName": "x", "Value": 1.0, "Timestamp": datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc)}, "InvalidParameterValue"),
    ({"MetricName": "x", "Value": 1.0, "Dimensions": [{"Name": f"d{i}", "Value": "v"} for i in range(31)]}, "InvalidParameterValue"),
    ({"MetricName": "x", "Value": 1.0, "Dimensions": [{"Name": "d", "Value": "v"}, {"Name": "d", "Value": "w"}]}, "InvalidParameterValue"),
    ({"MetricName": "x", "StatisticValues": {"SampleCount": 2.0, "Sum": 1.0, "Minimum": 3.0, "Maximum": 1.0}}, "InvalidParameterValue"),
])
def test_put_metric_data_rejects_bad_input(cw, datum, expected):
    with pytest.raises(ClientError) as bad:
        cw.put_metric_data(Namespace="Test/Bad", MetricData=[datum])
    assert code(bad) == (expected, 400)
    assert bad.value.response["Error"]["Message"]


def test_request_level_errors(cw):
    with pytest.raises(cw.exceptions.InvalidParameterValueException) as too_many:
        cw.put_metric_data(Namespace="Test/Bad", MetricData=[{"MetricName": f"m{i}", "Value": 1.0} for i in range(1001)])
    assert "1000" in too_many.value.response["Error"]["Message"]
    with pytest.raises(cw.exceptions.InvalidParameterValueException):
        cw.put_metric_data(Namespace="AWS/EC2", MetricData=[{"MetricName": "m", "Value": 1.0}])
    window = dict(Namespace="Test/Bad", MetricName="m", StartTime=at(3600), EndTime=at(0))
    with pytest.raises(cw.exceptions.InvalidParameterValueException) as unknown:
        cw.get_metric_statistics(Period=60, Statistics=["Median"], **window)
    assert unknown.value.response["Error"]["Message"] == "The value Median for parameter Statistics.member.1 is invalid."
    with pytest.raises(cw.exceptions.InvalidParameterValueException):
        cw.get_metric_statistics(Period=60, ExtendedStatistics=["p99"], **window)
    with pytest.raises(cw.exceptions.InvalidParameterValueException):
        cw.get_metric_statistics(Period=7, Statistics=["Average"], **window)
    with pytest.raises(cw.exceptions.InvalidParameterCombinationException) as points:
        cw.get_metric_statistics(Period=1, Statistics=["Average"], **window)
    assert "1440" in points.value.response["Error"]["Message"]
    with pytest.raises(cw.exceptions.InvalidParameterValueException):
        cw.get_metric_statistics(Namespace="Test/Bad", MetricName="m", StartTime=at(0), EndTime=at(60), Period=60, Statistics=["Sum"])


# --- the Query protocol (older botocore, other SDKs): botocore with the model set to query -----------

@pytest.fixture(scope="module")
def cw_query(server, tmp_path_factory):
    """A real botocore client that speaks Query (form bodies, XML replies) for CloudWatch."""
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    model = copy.deepcopy(loader.load_service_model("cloudwatch", "service-2"))
    model["metadata"]["protocol"] = "query"
    model["metadata"]["protocols"] = ["query"]
    model["metadata"].pop("awsQueryCompatible", None)
    directory = tmp_path_factory.mktemp("models")
    version = model["metadata"]["apiVersion"]
    (directory / "cloudwatch" / version).mkdir(parents=True)
    (directory / "cloudwatch" / version / "service-2.json").write_text(json.dumps(model))
    # A fresh session: the first one's loader has the original model cached.
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(directory))
    key, secret = server.admin_keys()
    return boto3.session.Session(botocore_session=session).client(
        "cloudwatch", endpoint_url=server.endpoint, region_name=server.region(), aws_access_key_id=key,
        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1, "mode": "standard"}))


def test_query_protocol_put_get_list_and_errors(cw_query, cw):
    assert cw_query.meta.service_model.protocol == "query"
    namespace = unique("Test/Query")
    cw_query.put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": "depth", "Dimensions": [{"Name": "Queue", "Value": "q1"}], "Value": v, "Timestamp": at(30 - i)}
        for i, v in enumerate([3.0, 5.0, 7.0])])
    listed = cw_query.list_metrics(Namespace=namespace)["Metrics"]
    assert listed == [{"Namespace": namespace, "MetricName": "depth", "Dimensions": [{"Name": "Queue", "Value": "q1"}]}]
    stats = cw_query.get_metric_statistics(Namespace=namespace, MetricName="depth", Dimensions=[{"Name": "Queue", "Value": "q1"}],
                                           StartTime=at(600), EndTime=at(-60), Period=600, Statistics=["Average", "Maximum"])
    assert [(p["Average"], p["Maximum"]) for p in stats["Datapoints"]] == [(5.0, 7.0)]
    assert isinstance(stats["Datapoints"][0]["Timestamp"], datetime.datetime)
    data = cw_query.get_metric_data(MetricDataQueries=[{"Id": "d", "MetricStat": {"Metric": {
        "Namespace": namespace, "MetricName": "depth", "Dimensions": [{"Name": "Queue", "Value": "q1"}]}, "Period": 600, "Stat": "Sum"}}],
        StartTime=at(600), EndTime=at(-60))
    assert data["MetricDataResults"][0]["Values"] == [15.0]
    # What one protocol wrote, the other reads.
    assert cw.list_metrics(Namespace=namespace)["Metrics"] == listed
    with pytest.raises(ClientError) as nan:
        cw_query.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "depth", "Value": float("nan")}])
    assert code(nan) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as unknown:
        cw_query.get_metric_statistics(Namespace=namespace, MetricName="depth", StartTime=at(600), EndTime=at(0), Period=60,
                                       Statistics=["Mode"])
    assert code(unknown) == ("InvalidParameterValue", 400)


# --- awscli v1 --------------------------------------------------------------------------------------

def aws_cli(server, *args, check=True):
    out = subprocess.run([AWS, *args, "--output", "json"], env=clean_env() | server.profile_env(),
                         capture_output=True, text=True, timeout=60)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def test_aws_cli_cloudwatch_commands(server):
    namespace = unique("Test/Cli")
    aws_cli(server, "cloudwatch", "put-metric-data", "--namespace", namespace, "--metric-name", "jobs",
            "--value", "4", "--unit", "Count", "--dimensions", "Team=ml,Stage=dev")
    aws_cli(server, "cloudwatch", "put-metric-data", "--namespace", namespace, "--metric-name", "jobs",
            "--value", "8", "--unit", "Count", "--dimensions", "Stage=dev,Team=ml")
    listed = json.loads(aws_cli(server, "cloudwatch", "list-metrics", "--namespace", namespace).stdout)["Metrics"]
    assert listed == [{"Namespace": namespace, "MetricName": "jobs",
                       "Dimensions": [{"Name": "Stage", "Value": "dev"}, {"Name": "Team", "Value": "ml"}]}]
    now = time.time()
    stats = json.loads(aws_cli(server, "cloudwatch", "get-metric-statistics", "--namespace", namespace, "--metric-name", "jobs",
                               "--dimensions", "Name=Team,Value=ml", "Name=Stage,Value=dev",
                               "--start-time", str(int(now - 600)), "--end-time", str(int(now + 600)),
                               "--period", "1200", "--statistics", "Sum", "SampleCount").stdout)
    assert [(p["Sum"], p["SampleCount"], p["Unit"]) for p in stats["Datapoints"]] == [(12.0, 2.0, "Count")]
    bad = aws_cli(server, "cloudwatch", "put-metric-data", "--namespace", namespace, "--metric-name", "jobs", "--value", "NaN", check=False)
    assert bad.returncode != 0 and "InvalidParameterValue" in bad.stderr, bad.stderr
    bad = aws_cli(server, "cloudwatch", "get-metric-statistics", "--namespace", namespace, "--metric-name", "jobs",
                  "--start-time", str(int(now - 600)), "--end-time", str(int(now)), "--period", "60", "--statistics", "Median", check=False)
    assert bad.returncode != 0 and "InvalidParameterValue" in bad.stderr and "Median" in bad.stderr, bad.stderr


# --- training jobs: algorithm metrics, utilisation, the CLI -----------------------------------------

@pytest.fixture(scope="module")
def sampled(tmp_path_factory):
    """A server of this module's own whose instances sample utilisation every second."""
    srv = AnnealServer(tmp_path_factory.mktemp("anneal-metrics"), extra_args=["--worker-metrics-period", "1"])
    srv.start()
    s3 = srv.client("s3")
    s3.create_bucket(Bucket="metrics-jobs")
    for script in ("print_metrics.py", "busy_core.py"):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            archive.add(HERE / "jobs" / script, arcname=script)
        s3.put_object(Bucket="metrics-jobs", Key=f"code/{script}/sourcedir.tar.gz", Body=buffer.getvalue())
    yield srv
    srv.stop()


def run_job(srv, name, script, definitions=(), hyper=None):
    sm = srv.client("sagemaker")
    hyperparameters = {"sagemaker_program": json.dumps(script),
                       "sagemaker_submit_directory": json.dumps(f"s3://metrics-jobs/code/{script}/sourcedir.tar.gz")}
    hyperparameters.update(hyper or {})
    sm.create_training_job(
        TrainingJobName=name, RoleArn=ROLE, HyperParameters=hyperparameters,
        AlgorithmSpecification={"TrainingImage": "anneal/python:3", "TrainingInputMode": "File",
                                "MetricDefinitions": [{"Name": n, "Regex": r} for n, r in definitions]},
        OutputDataConfig={"S3OutputPath": "s3://metrics-jobs/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 600})
    deadline = time.time() + 300
    while time.time() < deadline:
        job = sm.describe_training_job(TrainingJobName=name)
        if job["TrainingJobStatus"] in ("Completed", "Failed", "Stopped"):
            assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
            return job
        time.sleep(0.5)
    raise AssertionError(f"{name} did not finish")


def test_training_job_analytics_returns_the_printed_series(sampled, tmp_path):
    name = unique("analytics")
    job = run_job(sampled, name, "print_metrics.py", [("loss", r"loss=(.*?);"), ("accuracy", r"accuracy=([0-9.]+)")])
    assert {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]} == pytest.approx({"loss": 0.125, "accuracy": 0.875})
    config = tmp_path / "sagemaker.yaml"
    config.write_text("SchemaVersion: '1.0'\nSageMaker:\n  PythonSDK:\n    Modules:\n      TelemetryOptOut: true\n")
    env = clean_env() | sampled.profile_env() | {"SAGEMAKER_USER_CONFIG_OVERRIDE": str(config), "SAGEMAKER_SUPPRESS_V2_WARNING": "1"}
    frames = {}
    for period in (1, 60):
        out = subprocess.run([PYTHON, str(HERE / "sdk" / "analytics.py"), name, str(period)], env=env,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, (out.stdout + out.stderr)[-3000:]
        frames[period] = json.loads(next(line[6:] for line in out.stdout.splitlines() if line.startswith("FRAME ")))
    # One datapoint a second: the series as printed, in order, with elapsed times.
    series = {metric: [row for row in frames[1] if row["metric_name"] == metric] for metric in ("loss", "accuracy")}
    assert [row["value"] for row in series["loss"]] == [0.9, 0.5, 0.25, 0.125]
    assert [row["value"] for row in series["accuracy"]] == pytest.approx([0.1, 0.5, 0.75, 0.875])
    assert series["loss"][0]["timestamp"] == 0 and series["loss"][-1]["timestamp"] >= 3
    # SDK's default period (60 s): the per-minute averages weigh every printed value.
    loss60 = [row for row in frames[60] if row["metric_name"] == "loss"]
    assert 1 <= len(loss60) <= 2
    assert min(r["value"] for r in loss60) <= 0.9 and max(r["value"] for r in loss60) >= 0.125

    cw = sampled.client("cloudwatch")
    listed = cw.list_metrics(Namespace=JOBS_NAMESPACE, Dimensions=[{"Name": "TrainingJobName", "Value": name}])["Metrics"]
    assert sorted(m["MetricName"] for m in listed) == ["accuracy", "loss"]


def test_cpu_bound_job_utilisation_near_one_core(sampled, tmp_path):
    name = unique("busy")
    job = run_job(sampled, name, "busy_core.py", [("cpu_share", r"cpu_share=([0-9.]+);")], hyper={"seconds": "6"})
    # The script's own measure of the core it got (about 100 on an idle machine; less when other
    # work competes for the cores, as on a shared 2-core test machine).
    share = job["FinalMetricDataList"][0]["Value"]
    assert share >= 25, share
    cw = sampled.client("cloudwatch")
    host = [{"Name": "Host", "Value": f"{name}/algo-1"}]
    listed = {m["MetricName"] for m in cw.list_metrics(Namespace=JOBS_NAMESPACE, Dimensions=host)["Metrics"]}
    assert {"CPUUtilization", "MemoryUtilization", "DiskUtilization"} <= listed
    cpu = cw.get_metric_data(MetricDataQueries=[{"Id": "cpu", "MetricStat": {"Metric": {
        "Namespace": JOBS_NAMESPACE, "MetricName": "CPUUtilization", "Dimensions": host}, "Period": 1, "Stat": "Average"}}],
        StartTime=at(600), EndTime=at(-60), ScanBy="TimestampAscending")["MetricDataResults"][0]["Values"]
    assert len(cpu) >= 4, cpu
    # A busy core reads 100 (SageMaker's scale: 100 per core): the busiest second-long samples show
    # the share of a core the script measured itself, plus a little for the worker shipping its lines.
    top = sorted(cpu)[-3:]
    assert share - 15 <= statistics.mean(top) <= share + 20, (share, cpu)
    assert max(cpu) <= 140, cpu
    memory = cw.get_metric_statistics(Namespace=JOBS_NAMESPACE, MetricName="MemoryUtilization", Dimensions=host,
                                      StartTime=at(600), EndTime=at(-60), Period=600, Statistics=["Maximum", "Minimum"])
    assert 0 < memory["Datapoints"][0]["Maximum"] < 100
    disk = cw.get_metric_statistics(Namespace=JOBS_NAMESPACE, MetricName="DiskUtilization", Dimensions=host,
                                    StartTime=at(600), EndTime=at(-60), Period=600, Statistics=["Average"])
    assert 0 < disk["Datapoints"][0]["Average"] <= 100

    # anneal jobs metrics: the table, --json, and an SVG chart.
    env = clean_env() | {"ANNEAL_HOME": str(sampled.home)}
    table = subprocess.run([BINARY, "jobs", "metrics", name], env=env, capture_output=True, text=True, timeout=60)
    assert table.returncode == 0, table.stderr
    assert "CPUUtilization" in table.stdout and "algo-1" in table.stdout
    machine = subprocess.run([BINARY, "jobs", "metrics", name, "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert machine.returncode == 0, machine.stderr
    document = json.loads(machine.stdout)
    by_name = {s["MetricName"]: s for s in document["Series"]}
    assert by_name["CPUUtilization"]["Host"] == "algo-1" and len(by_name["CPUUtilization"]["Points"]) >= 4
    chart = tmp_path / "busy.svg"
    drawn = subprocess.run([BINARY, "jobs", "metrics", name, "--plot", str(chart)], env=env, capture_output=True, text=True, timeout=60)
    assert drawn.returncode == 0, drawn.stderr
    svg = chart.read_text()
    import xml.etree.ElementTree as ElementTree
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    lines = root.findall(".//{http://www.w3.org/2000/svg}polyline")
    assert len(lines) >= 3 and "CPUUtilization" in svg
    missing = subprocess.run([BINARY, "jobs", "metrics", "no-such-job"], env=env, capture_output=True, text=True, timeout=60)
    assert missing.returncode != 0


def test_prometheus_metrics_show_jobs_and_ingestion(sampled):
    cw = sampled.client("cloudwatch")
    before = prometheus(sampled)
    cw.put_metric_data(Namespace="Test/Prom", MetricData=[{"MetricName": "m", "Value": float(i)} for i in range(7)])
    logs = sampled.client("logs")
    logs.create_log_group(logGroupName="/test/prom")
    logs.create_log_stream(logGroupName="/test/prom", logStreamName="s")
    logs.put_log_events(logGroupName="/test/prom", logStreamName="s",
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": f"line {i}"} for i in range(5)])
    after = prometheus(sampled)
    assert after["anneal_metric_points_ingested_total"] - before["anneal_metric_points_ingested_total"] == 7
    assert after["anneal_log_events_ingested_total"] - before["anneal_log_events_ingested_total"] == 5
    # Jobs by status agree with what ListTrainingJobs shows (nothing runs now: no queue, no instances).
    jobs = [j for page in sampled.client("sagemaker").get_paginator("list_training_jobs").paginate() for j in page["TrainingJobSummaries"]]
    for status in ("InProgress", "Completed", "Failed", "Stopped"):
        assert after[f'anneal_training_jobs{{status="{status}"}}'] == sum(j["TrainingJobStatus"] == status for j in jobs)
    assert after["anneal_training_jobs_pending"] == 0 and after["anneal_instances_in_use"] == 0


def prometheus(srv):
    status, _, body = srv.get("/metrics")
    assert status == 200
    values = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values
