"""The Slurm executor against a real single-node Slurm cluster (scripts/slurm-local: munged,
slurmctld, slurmd, slurmrestd with JWT): training jobs, a 2-instance job and a tuning job run as
Slurm jobs through slurmrestd; a spot job preempted by a higher-priority Slurm job is interrupted
and resumes from its checkpoint; an outage of slurmrestd, a slurmctld restart, an Anneal restart and
a job the cluster cancelled are reconciled; bad settings and allocations get clear errors."""
import io
import json
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from anneal_harness import BINARY, AnnealServer, clean_env
from slurm_local import SlurmLocal
from test_training_resilience import create, lines, wait, wait_for_line

HERE = Path(__file__).resolve().parent
SKLEARN_IMAGE = "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
GROUP = "/aws/sagemaker/TrainingJobs"


@pytest.fixture(scope="module")
def cluster():
    local = SlurmLocal(user="root").start()
    yield local
    local.stop()
    local.cleanup()


@pytest.fixture(scope="module")
def srv(cluster, tmp_path_factory):
    home = tmp_path_factory.mktemp("slurm-home")
    server = AnnealServer(home, extra_args=cluster.serve_args(home) + ["--stop-grace", "15"]).start()
    setup(server)
    yield server
    server.stop(check=False)


def setup(server, bucket="resilience"):
    s3 = server.client("s3")
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    for script in ("train_basic.py", "train_sklearn.py", "spot_steps.py", "objective.py", "sleep_forever.py"):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            archive.add(HERE / "jobs" / script, arcname=script)
        s3.put_object(Bucket=bucket, Key=f"code/{script}/sourcedir.tar.gz", Body=buffer.getvalue())
    s3.put_object(Bucket=bucket, Key="data/plain/a.csv", Body=b"1.5,a\n2.5,b\n")
    rows = ["f1,f2,label"] + [f"{i % 7},{(i * 3) % 11},{int(i % 7 > 3)}" for i in range(200)]
    s3.put_object(Bucket=bucket, Key="data/sk/train.csv", Body="\n".join(rows).encode() + b"\n")
    return s3


def slurm_jobs(cluster, name):
    """The cluster's own record of the Slurm jobs Anneal submitted for a training job (squeue --json)."""
    out = cluster.run("squeue", "--json", "--states=all")
    return sorted((j for j in json.loads(out.stdout)["jobs"] if j["name"] == f"anneal-{name}"), key=lambda j: j["job_id"])


def statuses(job):
    return [t["Status"] for t in job["SecondaryStatusTransitions"]]


def model_files(server, name, bucket="resilience"):
    body = server.client("s3").get_object(Bucket=bucket, Key=f"output/{name}/output/model.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
        return {m.name.lstrip("./"): archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


def test_a_scikit_learn_job_runs_as_a_slurm_job(cluster, srv):
    sm = srv.client("sagemaker")
    started = time.time()
    create(srv, "sk-slurm", "train_sklearn.py", hyper={"n-estimators": "15", "max-depth": "3"},
           channels=[{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://resilience/data/sk/"}}}],
           AlgorithmSpecification={"TrainingImage": SKLEARN_IMAGE, "TrainingInputMode": "File",
                                   "MetricDefinitions": [{"Name": "f1", "Regex": "F1-Score: (.*?)%"}]})
    job = wait(srv, "sk-slurm", timeout=900)
    print(f"sk-slurm: {job['TrainingJobStatus']} in {time.time() - started:.1f} s")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    assert statuses(job) == ["Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert {m["MetricName"] for m in job["FinalMetricDataList"]} == {"f1"}
    assert "model.joblib" in model_files(srv, "sk-slurm")
    assert any(line.startswith("F1-Score: ") for line in lines(srv, "sk-slurm"))
    # Slurm ran it: one job, in the on-demand partition, with the instance type's CPUs and memory (ml.m5.large: 2 vCPUs, 8 GiB).
    [record] = slurm_jobs(cluster, "sk-slurm")
    assert record["job_state"] == "COMPLETED" and record["partition"] == "on-demand"
    assert record["cpus"] == 2 and record["memory_per_cpu"] == 4096 and record["user_name"] == "root"
    # The worker's job directory and logs are node-local, under --slurm-node-dir (here the server's home).
    assert (srv.home / "jobs" / "sk-slurm" / "algo-1.worker.log").exists()
    assert (srv.home / "slurm-logs" / f"sk-slurm.{record['job_id']}.log").exists()


def test_a_two_instance_job_is_allocated_together(cluster, srv):
    create(srv, "two-slurm", "train_basic.py", count=2, hyper={"epochs": "2"})
    job = wait(srv, "two-slurm", timeout=300)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    streams = srv.client("logs").describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="two-slurm/")["logStreams"]
    assert sorted(s["logStreamName"].split("/")[1].rsplit("-", 1)[0] for s in streams) == ["algo-1", "algo-2"]
    model = json.loads(model_files(srv, "two-slurm")["model.json"])
    assert json.loads(model["env"]["SM_HOSTS"]) == ["algo-1", "algo-2"] and model["env"]["SM_CURRENT_HOST"] == "algo-1"
    [record] = slurm_jobs(cluster, "two-slurm")
    assert record["tasks"] == 2 and record["cpus"] == 4 and record["job_state"] == "COMPLETED"


def test_a_tuning_job_runs_its_trials_on_slurm_two_at_a_time(cluster, srv):
    sm = srv.client("sagemaker")
    hyper = {"sagemaker_program": json.dumps("objective.py"),
             "sagemaker_submit_directory": json.dumps("s3://resilience/code/objective.py/sourcedir.tar.gz"), "epochs": "3", "sleep": "1"}
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="tune-slurm",
        HyperParameterTuningJobConfig={
            "Strategy": "Random", "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "validation:loss"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
            "ParameterRanges": {"ContinuousParameterRanges": [{"Name": "x", "MinValue": "-2", "MaxValue": "3"}]}, "RandomSeed": 3},
        TrainingJobDefinition={
            "StaticHyperParameters": hyper, "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
            "AlgorithmSpecification": {"TrainingImage": "anneal/python:3", "TrainingInputMode": "File",
                                       "MetricDefinitions": [{"Name": "validation:loss", "Regex": "validation-loss=([0-9.eE+-]+);"}]},
            "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                                                         "S3Uri": "s3://resilience/data/plain/"}}}],
            "OutputDataConfig": {"S3OutputPath": "s3://resilience/output"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 300}})
    deadline = time.time() + 400
    while time.time() < deadline:
        tuning = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-slurm")
        if tuning["HyperParameterTuningJobStatus"] != "InProgress":
            break
        time.sleep(0.5)
    assert tuning["HyperParameterTuningJobStatus"] == "Completed", tuning.get("FailureReason")
    assert tuning["TrainingJobStatusCounters"]["Completed"] == 4
    trials = sm.list_training_jobs_for_hyper_parameter_tuning_job(HyperParameterTuningJobName="tune-slurm")["TrainingJobSummaries"]
    assert len(trials) == 4
    spans = []
    for trial in trials:
        name = trial["TrainingJobName"]
        [record] = slurm_jobs(cluster, name)
        assert record["job_state"] == "COMPLETED"
        spans.append((record["start_time"], record["end_time"]))
        assert any("validation-loss=" in line for line in lines(srv, name))
    # Two Slurm jobs ran side by side, never more (Slurm's own start and end times).
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans], key=lambda e: (e[0], e[1]))
    running = most = 0
    for _, step in events:
        running += step
        most = max(most, running)
    assert most == 2, spans
    best = min(trials, key=lambda t: t["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    assert tuning["BestTrainingJob"]["TrainingJobName"] == best["TrainingJobName"]


def test_a_spot_job_preempted_by_slurm_resumes_from_its_checkpoint(cluster, srv):
    sm = srv.client("sagemaker")
    create(srv, "spot-slurm", "spot_steps.py", hyper={"steps": "24", "step-seconds": "0.5"},
           EnableManagedSpotTraining=True, StoppingCondition={"MaxRuntimeInSeconds": 300, "MaxWaitTimeInSeconds": 600},
           CheckpointConfig={"S3Uri": "s3://resilience/checkpoints/spot-slurm"})
    wait_for_line(srv, "spot-slurm", "checkpoint 4", timeout=120)
    [first] = slurm_jobs(cluster, "spot-slurm")
    assert first["partition"] == "spot"
    # A job of a higher-priority partition that needs the whole node takes it back.
    urgent = cluster.run("sbatch", "--parsable", "-p", "urgent", "-c", "16", "--mem=1G", "-o", "/dev/null", "--wrap", "sleep 4").stdout.strip()
    job = wait(srv, "spot-slurm", timeout=300)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    transitions = statuses(job)
    assert "Interrupted" in transitions and transitions[-1] == "Completed" and "Failed" not in transitions
    interrupted = [t for t in job["SecondaryStatusTransitions"] if t["Status"] == "Interrupted"][0]
    assert "preempted" in interrupted["StatusMessage"], interrupted
    printed = lines(srv, "spot-slurm")
    resumed = [line for line in printed if line.startswith("resumed at step")]
    assert resumed and int(resumed[0].split()[-1]) >= 4, printed
    assert model_files(srv, "spot-slurm")["steps.txt"] == b"24"
    # The preempted Slurm job was not requeued by Slurm as well: exactly two ran, one after the other.
    records = slurm_jobs(cluster, "spot-slurm")
    assert len(records) == 2, records
    assert records[0]["preempt_time"] > 0 and records[0]["end_time"] <= records[1]["start_time"]
    assert records[0]["restart_cnt"] == 0 and records[1]["job_state"] == "COMPLETED"
    urgent_record = json.loads(cluster.run("squeue", "--json", "--states=all", f"--jobs={urgent}").stdout)["jobs"][0]
    assert urgent_record["job_state"] == "COMPLETED"


def test_a_job_the_cluster_cancels_fails_with_the_reason(cluster, srv):
    create(srv, "cancelled-slurm", "sleep_forever.py")
    wait(srv, "cancelled-slurm", statuses=("InProgress",), secondary="Training", timeout=120)
    [record] = slurm_jobs(cluster, "cancelled-slurm")
    cluster.run("scancel", str(record["job_id"]))
    job = wait(srv, "cancelled-slurm", timeout=120)
    assert job["TrainingJobStatus"] == "Failed"
    assert f"Slurm job {record['job_id']} was cancelled by the cluster" in job["FailureReason"], job["FailureReason"]


def test_a_lost_node_is_an_internal_error_that_retry_strategy_restarts(cluster, srv):
    create(srv, "lostnode-slurm", "spot_steps.py", hyper={"steps": "8", "step-seconds": "0.5"}, RetryStrategy={"MaximumRetryAttempts": 1})
    wait_for_line(srv, "lostnode-slurm", "checkpoint 1", timeout=120)
    [first] = slurm_jobs(cluster, "lostnode-slurm")
    cluster.run("scontrol", "update", "nodename=localhost", "state=down", "reason=anneal-test")
    try:
        deadline = time.time() + 60
        while "Restarting" not in statuses(srv.client("sagemaker").describe_training_job(TrainingJobName="lostnode-slurm")):
            assert time.time() < deadline, srv.client("sagemaker").describe_training_job(TrainingJobName="lostnode-slurm")
            time.sleep(0.3)
        # The node stays down a while after the restart: Slurm refuses the new allocation for now (the job
        # waits for a node, it does not fail) or slurmd registers again and runs it beside the lost
        # attempt's leftovers (which must not take the new attempt down with them).
        time.sleep(6)
    finally:
        # (ReturnToService=2 may have returned it already when slurmd registered again.)
        cluster.run("scontrol", "update", "nodename=localhost", "state=resume", check=False)
    job = wait(srv, "lostnode-slurm", timeout=180)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    restarting = [t for t in job["SecondaryStatusTransitions"] if t["Status"] == "Restarting"][0]
    assert f"Slurm job {first['job_id']} lost its node localhost (NODE_FAIL" in restarting["StatusMessage"], restarting
    records = slurm_jobs(cluster, "lostnode-slurm")
    assert [r["job_state"] for r in records] == ["NODE_FAIL", "COMPLETED"], records


def test_an_allocation_slurm_rejects_fails_with_slurms_reason(cluster, srv):
    # 96 vCPUs: more than any node of the cluster has.
    create(srv, "huge-slurm", "train_basic.py", instance="ml.m5.24xlarge")
    job = wait(srv, "huge-slurm", timeout=60)
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("CapacityError: Slurm rejected the allocation (partition on-demand, 1 task(s) of 96 CPUs"), job
    assert "configuration not available" in job["FailureReason"], job["FailureReason"]


def test_jobs_wait_while_slurmrestd_is_down_and_run_when_it_returns(cluster, srv):
    subprocess.run([str(HERE.parents[1] / "scripts" / "slurm-local"), "stop-daemon", "slurmrestd", "--dir", str(cluster.dir)], check=True)
    try:
        create(srv, "outage-slurm", "train_basic.py")
        job = wait(srv, "outage-slurm", statuses=("InProgress",), secondary="Pending", timeout=30)
        assert job["SecondaryStatusTransitions"][-1]["StatusMessage"].startswith("Waiting for the Slurm cluster: slurmrestd at http"), job
        time.sleep(2)
        assert slurm_jobs(cluster, "outage-slurm") == []
    finally:
        subprocess.run([str(HERE.parents[1] / "scripts" / "slurm-local"), "start-daemon", "slurmrestd", "--dir", str(cluster.dir)], check=True)
    job = wait(srv, "outage-slurm", timeout=120)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    assert len(slurm_jobs(cluster, "outage-slurm")) == 1


def test_a_slurmctld_restart_loses_and_repeats_nothing(cluster, srv):
    create(srv, "ctld-slurm", "spot_steps.py", hyper={"steps": "16", "step-seconds": "0.5"})
    wait_for_line(srv, "ctld-slurm", "checkpoint 2", timeout=120)
    script = str(HERE.parents[1] / "scripts" / "slurm-local")
    subprocess.run([script, "stop-daemon", "slurmctld", "--dir", str(cluster.dir)], check=True)
    time.sleep(3)
    subprocess.run([script, "start-daemon", "slurmctld", "--dir", str(cluster.dir)], check=True)
    job = wait(srv, "ctld-slurm", timeout=180)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    printed = lines(srv, "ctld-slurm")
    assert not any(line.startswith("resumed") for line in printed) and "done after step 16" in printed
    assert len(slurm_jobs(cluster, "ctld-slurm")) == 1


def test_an_anneal_restart_reattaches_the_running_slurm_job(cluster, tmp_path):
    home = tmp_path / "restart-home"
    first = AnnealServer(home, extra_args=cluster.serve_args(home)).start()
    port = first.host_port[1]
    setup(first)
    create(first, "reattach-slurm", "spot_steps.py", hyper={"steps": "16", "step-seconds": "0.5"})
    wait_for_line(first, "reattach-slurm", "checkpoint 2", timeout=120)
    first.kill9()
    time.sleep(1)
    second = AnnealServer(home, extra_args=cluster.serve_args(home), port=port).start()
    try:
        job = wait(second, "reattach-slurm", timeout=180)
        assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
        printed = lines(second, "reattach-slurm")
        assert not any(line.startswith("resumed") for line in printed) and "done after step 16" in printed
        [record] = slurm_jobs(cluster, "reattach-slurm")
        assert record["job_state"] == "COMPLETED"
        assert "slurm_job_reattached" in (home / "serve.log").read_text()
    finally:
        second.stop(check=False)


def test_jobs_run_as_the_tokens_user_unprivileged_and_sandboxed(cluster, tmp_path):
    # A token for the unprivileged `slurm` user: its jobs run as that user, whose node-local directory is under /tmp.
    node = Path(f"/tmp/anneal-slurm-test-{tmp_path.name}")
    home = tmp_path / "unprivileged"
    server = AnnealServer(home, extra_args=cluster.serve_args(home, **{"slurm-user": "slurm", "slurm-token-file": cluster.token("slurm"),
                                                                      "slurm-node-dir": str(node)})).start()
    try:
        setup(server)
        create(server, "slurm-user", "train_basic.py", hyper={"epochs": "2"})
        job = wait(server, "slurm-user", timeout=120)
        assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
        [record] = slurm_jobs(cluster, "slurm-user")
        assert record["user_name"] == "slurm"
        printed = lines(server, "slurm-user")
        # Sandboxed (bubblewrap through a user namespace): the script sees its job directory at /opt/ml.
        assert "[anneal] running: /usr/bin/python3 /opt/ml/code/train_basic.py --epochs 2" in printed or any(
            line.startswith("[anneal] running: ") and "/opt/ml/code/train_basic.py" in line for line in printed), printed
        assert not any("bubblewrap is not installed" in line for line in printed)
        assert (node / "jobs" / "slurm-user").stat().st_uid == int(subprocess.run(["id", "-u", "slurm"], capture_output=True, text=True).stdout)
        assert oct((node / "jobs" / "slurm-user").stat().st_mode & 0o777) == "0o700"
    finally:
        server.stop(check=False)
        subprocess.run(["rm", "-rf", str(node)])


def test_the_slurm_commands_are_a_fallback_for_slurmrestd(cluster, tmp_path):
    home = tmp_path / "cli"
    args = cluster.serve_args(home, **{"slurm-api": "cli", "slurm-conf": cluster.conf, "slurm-url": None, "slurm-user": None,
                                       "slurm-token-file": None})
    server = AnnealServer(home, extra_args=args).start()
    try:
        setup(server)
        create(server, "cli-slurm", "spot_steps.py", hyper={"steps": "40", "step-seconds": "0.5"}, RetryStrategy={"MaximumRetryAttempts": 1})
        wait_for_line(server, "cli-slurm", "checkpoint 1", timeout=120)
        server.client("sagemaker").stop_training_job(TrainingJobName="cli-slurm")
        job = wait(server, "cli-slurm", timeout=120)
        # A graceful stop through scancel --signal: the script finished its step and the model was uploaded.
        assert job["TrainingJobStatus"] == "Stopped", job.get("FailureReason")
        assert any(line.startswith("stopping at checkpoint") for line in lines(server, "cli-slurm"))
        [record] = slurm_jobs(cluster, "cli-slurm")
        assert record["comment"].startswith("anneal:cli-slurm:") and record["requeue"] is False and record["job_state"] == "COMPLETED"
        assert "the Slurm commands (SLURM_CONF=" in (home / "serve.log").read_text()
    finally:
        server.stop(check=False)


def serve_fails(home, args):
    proc = subprocess.run([BINARY, "serve", "--home", str(home), "--port", "0", *args], capture_output=True, text=True,
                          env=clean_env(), timeout=60)
    return proc.returncode, proc.stdout + proc.stderr


def test_bad_settings_are_refused_with_what_to_do(cluster, tmp_path):
    code, out = serve_fails(tmp_path / "a", cluster.serve_args(tmp_path / "a", **{"slurm-spot-partition": "nope"}))
    assert code != 0 and "has no partition 'nope' (for the spot pool)" in out, out
    bad = tmp_path / "bad-token"
    bad.write_text("eyJhbGciOiJIUzI1NiJ9.e30.not-a-signature\n")
    code, out = serve_fails(tmp_path / "b", cluster.serve_args(tmp_path / "b", **{"slurm-token-file": str(bad)}))
    assert code != 0 and "token is invalid or expired" in out and "scontrol token username=root" in out, out
    assert "not-a-signature" not in out
    code, out = serve_fails(tmp_path / "c", ["--executor", "slurm"])
    assert code == 64 and "--executor slurm needs --slurm-url" in out, out
    code, out = serve_fails(tmp_path / "d", cluster.serve_args(tmp_path / "d", **{"slurm-token-file": str(tmp_path / "missing")}))
    assert code == 64 and "cannot be read: create it with `scontrol token username=root`" in out, out


def test_capacity_reports_the_clusters_nodes_per_pool(cluster, srv):
    out = subprocess.run([BINARY, "capacity", "--json", "--home", str(srv.home)], capture_output=True, text=True, timeout=30,
                         env=clean_env())
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)["Cluster"]
    assert report["reachable"] is True and report["cluster"].startswith("slurmrestd at http://127.0.0.1:")
    pools = {p["pool"]: p for p in report["pools"]}
    assert pools["spot"]["partition"] == "spot" and pools["on-demand"]["partition"] == "on-demand"
    assert pools["on-demand"]["nodes"] == 1 and pools["on-demand"]["cpus"] == 16
    text = subprocess.run([BINARY, "capacity", "--home", str(srv.home)], capture_output=True, text=True, timeout=30, env=clean_env())
    assert "NODES IN USE" in text.stdout and "on-demand" in text.stdout
