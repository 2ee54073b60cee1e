"""Slurm clusters of several nodes: autoscaling through Slurm's power saving, instances spread over
nodes, and GPUs as GRES. A local cluster (scripts/slurm-local --cloud-nodes 5 --gpu-nodes 1) whose
partition `cloud` is five nodes of 2 CPUs and 8 GiB (one ml.m5.large each) that start powered down:
each is a slurmd of its own on this machine, which Slurm's ResumeProgram starts and its
SuspendProgram stops. Anneal's on-demand pool is that partition; what it reports of the nodes
(`anneal capacity --json`) is checked against Slurm's own record of the jobs and of the power
programs it ran. The cluster hides powered-down cloud nodes from its node listings (Slurm's default,
no PrivateData=cloud), so Anneal counts those from the partition's totals. The partition `gpu` is
one node with two `gpu` GRES (device files that are not GPUs), for an ml.g4dn.xlarge job."""
import json
import subprocess
import threading
import time

import pytest

from anneal_harness import BINARY, AnnealServer, clean_env
from slurm_local import SlurmLocal
from test_slurm import GROUP, lines, model_files, setup, slurm_jobs
from test_training_resilience import create, wait

CLOUD_NODES = 5
SUSPEND_TIME = 8


@pytest.fixture(scope="module")
def cluster():
    local = SlurmLocal(user="root", options=["--cloud-nodes", str(CLOUD_NODES), "--suspend-time", str(SUSPEND_TIME),
                                            "--gpu-nodes", "1"]).start()
    yield local
    local.stop()
    local.cleanup()


@pytest.fixture(scope="module")
def srv(cluster, tmp_path_factory):
    home = tmp_path_factory.mktemp("slurm-power-home")
    server = AnnealServer(home, extra_args=cluster.serve_args(home, **{"slurm-on-demand-partition": "cloud"})).start()
    setup(server)
    yield server
    server.stop(check=False)


def cloud_pool(server):
    """The on-demand pool (the partition `cloud`) as `anneal capacity --json` reports it."""
    out = subprocess.run([BINARY, "capacity", "--json", "--home", str(server.home)], capture_output=True, text=True, timeout=30,
                         env=clean_env())
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)["Cluster"]
    assert report["reachable"] is True, report
    [pool] = [p for p in report["pools"] if p["pool"] == "on-demand"]
    assert pool["partition"] == "cloud" and pool["nodes"] == CLOUD_NODES, pool
    return pool


class Sampler:
    """`anneal capacity` every half second while jobs run, as an operator watching would see it."""

    def __init__(self, server):
        self.server, self.samples, self.stop = server, [], threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            pool = cloud_pool(self.server)
            self.samples.append((time.time(), pool["nodesInUse"], pool["nodesPoweredDown"]))
            self.stop.wait(0.5)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=30)


def power_events(cluster):
    """What Slurm's ResumeProgram and SuspendProgram did, in order: [("resume", "cloud1"), ...]."""
    path = cluster.dir / "log" / "power.log"
    events = []
    for line in path.read_text().splitlines() if path.exists() else []:
        parts = line.split()
        if len(parts) == 4 and parts[2] in ("resume", "suspend"):
            events.append((parts[2], parts[3]))
    return events


def wait_until_all_powered_down(server, cluster, resumed, timeout):
    """Until Anneal reports every node powered down and the SuspendProgram has stopped each resumed node's slurmd."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        pool = cloud_pool(server)
        suspended = [node for event, node in power_events(cluster) if event == "suspend"]
        if pool["nodesPoweredDown"] == CLOUD_NODES and pool["nodesInUse"] == 0 and sorted(suspended) == sorted(resumed):
            return pool
        time.sleep(0.5)
    raise AssertionError(f"the cloud nodes were not all powered down after {timeout} s: {pool}\n"
                         f"{cluster.run('sinfo', '-p', 'cloud').stdout}\n{power_events(cluster)}")


def nodes_of(cluster, record):
    """The hosts of a Slurm allocation (Slurm's own expansion of its node list)."""
    return cluster.run("scontrol", "show", "hostnames", record["nodes"]).stdout.split()


@pytest.fixture(scope="module")
def wave(cluster, srv):
    """One wave of demand: two 1-instance jobs and a 2-instance job, four nodes' worth, submitted
    while every node is powered down (one wave, because a job on resumed nodes starts at slurmctld's
    next periodic check, up to 30 s later). What Anneal reported meanwhile is sampled."""
    before = cloud_pool(srv)
    pids_before = list(cluster.dir.glob("slurmd-cloud*.pid"))
    started = time.time()
    with Sampler(srv) as sampler:
        for name in ("grow-1", "grow-2"):
            create(srv, name, "spot_steps.py", hyper={"steps": "6", "step-seconds": "0.5"})
        create(srv, "span-2", "spot_steps.py", count=2, hyper={"steps": "6", "step-seconds": "0.5"})
        jobs = {name: wait(srv, name, timeout=120) for name in ("grow-1", "grow-2", "span-2")}
    print(f"wave: 3 jobs on 4 resumed nodes completed in {time.time() - started:.1f} s")
    return {"before": before, "pids_before": pids_before, "samples": sampler.samples, "jobs": jobs, "started": started}


def test_nodes_resume_for_the_jobs_waiting_for_them(cluster, srv, wave):
    # At first every cloud node was powered down: no slurmd ran for any.
    before = wave["before"]
    assert before["nodesPoweredDown"] == CLOUD_NODES and before["nodesInUse"] == 0 and before["cpus"] == 2 * CLOUD_NODES, before
    assert wave["pids_before"] == []
    for name, job in wave["jobs"].items():
        assert job["TrainingJobStatus"] == "Completed", (name, job.get("FailureReason"))
        [record] = slurm_jobs(cluster, name)
        assert record["partition"] == "cloud" and record["job_state"] == "COMPLETED", record
    # Slurm resumed exactly the four nodes the jobs needed: the nodes of their allocations.
    resumed = [node for event, node in power_events(cluster) if event == "resume"]
    assert len(resumed) == 4 and len(set(resumed)) == 4, power_events(cluster)
    hosts = sum((nodes_of(cluster, slurm_jobs(cluster, name)[0]) for name in wave["jobs"]), [])
    assert sorted(hosts) == sorted(resumed), (hosts, resumed)
    # Anneal's report followed: four nodes in use at the peak, the fifth still powered down.
    samples = wave["samples"]
    assert max(in_use for _, in_use, _ in samples) == 4, samples
    assert min(down for _, _, down in samples) == CLOUD_NODES - 4, samples


def test_a_two_instance_job_spans_two_nodes(cluster, srv, wave):
    # Slurm allocated the two tasks (2 CPUs each) on two nodes: no cloud node holds both.
    [record] = slurm_jobs(cluster, "span-2")
    assert record["tasks"] == 2 and record["node_count"] == 2, record
    hosts = nodes_of(cluster, record)
    assert len(hosts) == 2 and all(host.startswith("cloud") for host in hosts), hosts
    # Both hosts' workers reported: a log stream each, with the script's lines.
    logs = srv.client("logs")
    streams = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="span-2/")["logStreams"]
    assert sorted(s["logStreamName"].split("/")[1].rsplit("-", 1)[0] for s in streams) == ["algo-1", "algo-2"], streams
    for stream in streams:
        events = logs.get_log_events(logGroupName=GROUP, logStreamName=stream["logStreamName"])["events"]
        assert any(e["message"] == "checkpoint 6" for e in events), (stream["logStreamName"], events)
    # Each worker's job directory is on its own node's side (here both under the node directory).
    for host in ("algo-1", "algo-2"):
        assert (srv.home / "jobs" / "span-2" / f"{host}.worker.log").exists()


def test_nodes_are_suspended_when_the_queue_drains(cluster, srv, wave):
    resumed = [node for event, node in power_events(cluster) if event == "resume"]
    # After SuspendTime idle, Slurm suspends them again and the count shrinks back to none in use.
    assert len(resumed) == 4, power_events(cluster)
    pool = wait_until_all_powered_down(srv, cluster, resumed, timeout=SUSPEND_TIME + 30)
    assert pool["allocatedCPUs"] == 0 and pool["annealJobsRunning"] == 0 and pool["annealJobsWaiting"] == 0, pool
    # The SuspendProgram stopped the slurmds it was asked to: none runs for a cloud node any more.
    assert list(cluster.dir.glob("slurmd-cloud*.pid")) == [], power_events(cluster)
    running = subprocess.run(["pgrep", "-a", "-f", f"slurmd -f {cluster.conf} -b"], capture_output=True, text=True).stdout
    assert running == "", running
    print(f"back to {CLOUD_NODES} powered-down nodes {time.time() - wave['started']:.1f} s after the wave began")


def test_the_slurm_commands_count_the_hidden_nodes_too(cluster, srv, wave, tmp_path):
    # With --slurm-api cli the report comes from sinfo and scontrol: they hide the powered-down nodes
    # as slurmrestd does, and the partition's totals count them the same.
    wait_until_all_powered_down(srv, cluster, [node for event, node in power_events(cluster) if event == "resume"], timeout=40)
    # Powering down (SuspendTimeout) they are still listed; powered down, not any more.
    deadline = time.time() + 20
    while True:
        listed = cluster.run("sinfo", "-h", "-N", "-o", "%N").stdout.split()
        if not any(node.startswith("cloud") for node in listed):
            break
        assert time.time() < deadline, listed
        time.sleep(0.5)
    assert "localhost" in listed, listed
    home = tmp_path / "cli-home"
    args = cluster.serve_args(home, **{"slurm-api": "cli", "slurm-conf": cluster.conf, "slurm-url": None, "slurm-user": None,
                                       "slurm-token-file": None, "slurm-on-demand-partition": "cloud"})
    server = AnnealServer(home, extra_args=args).start()
    try:
        assert cloud_pool(server) == cloud_pool(srv)
        assert cloud_pool(server)["nodesPoweredDown"] == CLOUD_NODES and cloud_pool(server)["cpus"] == 2 * CLOUD_NODES
    finally:
        server.stop(check=False)


def test_a_gpu_instance_type_asks_slurm_for_its_gpus(cluster, tmp_path):
    home = tmp_path / "gpu-home"
    server = AnnealServer(home, extra_args=cluster.serve_args(home, **{"slurm-on-demand-partition": "gpu",
                                                                      "slurm-gpu-gres": "gpu"})).start()
    try:
        setup(server)
        # ml.g4dn.xlarge: 4 vCPUs, 16 GiB and one GPU.
        create(server, "gpu-slurm", "train_basic.py", instance="ml.g4dn.xlarge")
        job = wait(server, "gpu-slurm", timeout=120)
        assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
        [record] = slurm_jobs(cluster, "gpu-slurm")
        assert record["partition"] == "gpu" and record["nodes"] == "gpu1" and record["job_state"] == "COMPLETED", record
        assert record["tres_per_task"] == "gres:gpu:1" and record["cpus"] == 4, record
        # Slurm gave the job one of the node's two GPUs.
        detail = cluster.run("scontrol", "show", "job", "-d", str(record["job_id"])).stdout
        assert "JOB_GRES=gpu:1" in detail, detail
        model = json.loads(model_files(server, "gpu-slurm")["model.json"])
        assert model["env"]["SM_CURRENT_INSTANCE_TYPE"] == "ml.g4dn.xlarge", model["env"]
        # The script is told of the GPU Slurm gave it (CUDA_VISIBLE_DEVICES), as SageMaker tells it of the instance's.
        assert model["env"]["SM_NUM_GPUS"] == "1", model["env"]
    finally:
        server.stop(check=False)
