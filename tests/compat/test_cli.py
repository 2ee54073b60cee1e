"""`anneal jobs ...` against a real server, reading the profile `anneal serve` wrote."""
import json
import subprocess
import time

from anneal_harness import BINARY, clean_env
from test_training_run import create, env, wait  # noqa: F401  (the module-scoped fixture)


def anneal(server, *args):
    return subprocess.run([BINARY, "jobs", *args, "--home", str(server.home)], capture_output=True, text=True,
                          env=clean_env(), timeout=120)


def test_jobs_list_describe_logs_stop(env):  # noqa: F811
    server, _, sm, _ = env
    create(sm, "cli-basic-1", "train_basic.py", hyper={"epochs": "2"})
    wait(sm, "cli-basic-1")
    out = anneal(server, "list")
    assert out.returncode == 0 and "cli-basic-1" in out.stdout and "Completed" in out.stdout, out.stderr
    described = json.loads(anneal(server, "describe", "cli-basic-1", "--json").stdout)
    assert described["TrainingJobStatus"] == "Completed" and described["TrainingJobName"] == "cli-basic-1"
    logs = anneal(server, "logs", "cli-basic-1", "--follow")
    assert logs.returncode == 0 and "epoch=1 train_loss=0.5000;" in logs.stdout.splitlines()
    missing = anneal(server, "describe", "no-such-job")
    assert missing.returncode == 1 and "Requested resource not found." in missing.stderr
    stopped = anneal(server, "stop", "cli-basic-1")
    assert stopped.returncode == 1 and "in status Completed" in stopped.stderr
    usage = subprocess.run([BINARY, "jobs", "describe"], capture_output=True, text=True)
    assert usage.returncode == 64
