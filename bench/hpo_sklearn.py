"""bench/hpo-sklearn: tuning a real scikit-learn model through the platform, beside Optuna.

A HistGradientBoostingClassifier on scikit-learn's own breast-cancer data set (569 x 30, shipped inside
scikit-learn, nothing downloaded), maximising the 5-fold cross-validated F1 the script prints, over five
hyperparameters of mixed kinds: learning_rate (continuous, logarithmic), max_iter (integer),
max_leaf_nodes (integer, logarithmic), l2_regularization (continuous, logarithmic) and max_depth
(categorical).

- Anneal-Bayesian and Anneal-Random: a real `anneal serve --max-instances 8`; the script goes up as
  sourcedir.tar.gz and runs as real training jobs of a hyperparameter tuning job (SageMaker API, boto3)
  on the scikit-learn image, so the platform's scikit-learn runtime runs it; 8 trials at a time.
- Optuna-TPE: Optuna's TPESampler (constant liar, the 5.x default) driving the SAME script directly,
  with the runtime's own Python, as subprocesses from 8 worker threads; same budget. Each script starts in
  a session of its own, as the platform starts each training job: with the kernel's autogroup scheduling
  (sched_autogroup_enabled), 8 scripts sharing the bench's session would share one session's CPU share
  and, on a machine others load, run 2-3x slower than the platform's trials for the same CPU time.

The first scikit-learn job creates the runtime's virtualenv (pip); a warm-up job does that first and is
reported apart from the timings. The platform's overhead per trial: the same light configuration run one
at a time, alternately as a training job and directly (so the machine's other load hits both alike); for
each, the seconds from start to end (CreationTime -> TrainingEndTime; subprocess wall time) beyond the
seconds the script reports for itself; the difference of the medians. The table's gap column is the same
quantity inside each run, at 8 at a time. CPU s sums the scripts' own CPU time, which depends only on
the configurations tried, hardly on the load: wall times on a shared machine move with the load. One run,
one seed: best values differ by noise from run to run.

Usage: bench/hpo-sklearn [--smoke] [--trials N] [--parallel N] [--seed N] [--pairs N]"""
import argparse
import contextlib
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "compat"))
from anneal_harness import AnnealServer  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
METRIC = "cv:f1"
REGEX = r"cv-f1=([0-9.eE+-]+);"

SCRIPT = '''"""HistGradientBoosting on scikit-learn's breast-cancer data: prints the cross-validated F1."""
import time

STARTED = time.time()
import argparse  # noqa: E402
import os  # noqa: E402

os.environ["OMP_NUM_THREADS"] = "1"  # one core per trial, however it is started: 8 trials share the machine

from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_val_score  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--learning_rate", type=float, default=0.1)
parser.add_argument("--max_iter", type=int, default=100)
parser.add_argument("--max_leaf_nodes", type=int, default=31)
parser.add_argument("--l2_regularization", type=float, default=0.0)
parser.add_argument("--max_depth", default="none")
parser.add_argument("--folds", type=int, default=5)
parser.add_argument("--rows", type=int, default=0)
args, _ = parser.parse_known_args()

x, y = load_breast_cancer(return_X_y=True)
if args.rows:
    x, y = x[:args.rows], y[:args.rows]
model = HistGradientBoostingClassifier(
    learning_rate=args.learning_rate, max_iter=args.max_iter, max_leaf_nodes=args.max_leaf_nodes,
    l2_regularization=args.l2_regularization, max_depth=None if args.max_depth == "none" else int(args.max_depth),
    early_stopping=False, random_state=0)
scores = cross_val_score(model, x, y, scoring="f1", cv=StratifiedKFold(args.folds, shuffle=True, random_state=0))
print(f"cv-f1={scores.mean():.6f}; script-seconds={time.time() - STARTED:.3f} script-cpu={time.process_time():.3f}",
      flush=True)
'''

# name: (kind, low, high or values, scaling)
SPACE = {
    "learning_rate": ("Continuous", 0.005, 1.0, "Logarithmic"),
    "max_iter": ("Integer", 10, 300, "Linear"),
    "max_leaf_nodes": ("Integer", 2, 64, "Logarithmic"),
    "l2_regularization": ("Continuous", 1e-4, 10.0, "Logarithmic"),
    "max_depth": ("Categorical", ["none", "2", "3", "5", "8"]),
}


def parameter_ranges():
    ranges = {"ContinuousParameterRanges": [], "IntegerParameterRanges": [], "CategoricalParameterRanges": []}
    for name, spec in SPACE.items():
        if spec[0] == "Categorical":
            ranges["CategoricalParameterRanges"].append({"Name": name, "Values": spec[1]})
        else:
            kind, low, high, scaling = spec
            ranges[f"{kind}ParameterRanges"].append({"Name": name, "MinValue": str(low), "MaxValue": str(high),
                                                     "ScalingType": scaling})
    return ranges


BEGAN = time.time()


def note(message):
    print(f"[hpo-sklearn {time.time() - BEGAN:6.1f}s] {message}", file=sys.stderr, flush=True)


def script_seconds(text, what="seconds"):
    match = re.search(rf"script-{what}=([0-9.]+)", text)
    return float(match.group(1)) if match else None


# -- the platform --------------------------------------------------------------------------------------

def training_definition(static):
    hyper = {"sagemaker_program": json.dumps("tune_hgb.py"),
             "sagemaker_submit_directory": json.dumps("s3://hpo-sklearn/code/sourcedir.tar.gz")}
    hyper.update({key: str(value) for key, value in static.items()})
    return {
        "StaticHyperParameters": hyper,
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File",
                                   "MetricDefinitions": [{"Name": METRIC, "Regex": REGEX}]},
        "RoleArn": ROLE,
        "OutputDataConfig": {"S3OutputPath": "s3://hpo-sklearn/output"},
        "HyperParameterTuningResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 900},
    }


def training_job(sm, name, static, timeout):
    """One plain training job of the script with the image; its description once it has ended."""
    definition = training_definition(static)
    sm.create_training_job(
        TrainingJobName=name, RoleArn=ROLE, HyperParameters=definition["StaticHyperParameters"],
        AlgorithmSpecification=definition["AlgorithmSpecification"], OutputDataConfig=definition["OutputDataConfig"],
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": timeout})
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = sm.describe_training_job(TrainingJobName=name)
        if job["TrainingJobStatus"] in ("Completed", "Failed", "Stopped"):
            break
        time.sleep(0.1)
    if job["TrainingJobStatus"] != "Completed":
        raise SystemExit(f"bench/hpo-sklearn: the job {name} ended {job['TrainingJobStatus']}: {job.get('FailureReason')}")
    return job


def overhead_pairs(srv, sm, python, script, rounds):
    """The same light configuration, one at a time, alternately as a training job and directly: seconds
    beyond the script's own, per start (so the machine's other load hits both alike)."""
    light = {"rows": 200, "folds": 3, "max_iter": 20}
    platform, direct = [], []
    for index in range(rounds):
        name = f"hpo-sklearn-pair-{index}"
        job = training_job(sm, name, light, timeout=300)
        seconds = logged_script_seconds(srv, name)
        if seconds is None:
            raise SystemExit(f"bench/hpo-sklearn: {name} logged no script-seconds line")
        platform.append((job["TrainingEndTime"] - job["CreationTime"]).total_seconds() - seconds)
        argv = [python, str(script)] + [part for key, value in light.items() for part in (f"--{key}", str(value))]
        started = time.time()
        out = subprocess.run(argv, capture_output=True, text=True, check=True, start_new_session=True)
        direct.append(time.time() - started - script_seconds(out.stdout))
    return platform, direct


def tuning_job(srv, sm, name, strategy, trials, parallel, seed, static, timeout):
    config = {"Strategy": strategy,
              "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": METRIC},
              "ResourceLimits": {"MaxNumberOfTrainingJobs": trials, "MaxParallelTrainingJobs": parallel},
              "ParameterRanges": parameter_ranges(), "RandomSeed": seed,
              "TrainingJobEarlyStoppingType": "Off"}
    started = time.time()
    sm.create_hyper_parameter_tuning_job(HyperParameterTuningJobName=name, HyperParameterTuningJobConfig=config,
                                         TrainingJobDefinition=training_definition(static))
    most_running = 0
    deadline = started + timeout
    while time.time() < deadline:
        job = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        most_running = max(most_running, job["TrainingJobStatusCounters"]["InProgress"])
        if job["HyperParameterTuningJobStatus"] in ("Completed", "Failed", "Stopped"):
            break
        time.sleep(0.25)
    else:
        sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        raise SystemExit(f"bench/hpo-sklearn: {name} did not finish in {timeout}s")
    polled_wall = time.time() - started
    wall = polled_wall
    if job.get("HyperParameterTuningEndTime"):
        wall = (job["HyperParameterTuningEndTime"] - job["CreationTime"]).total_seconds()

    summaries, token = [], None
    while True:
        page = sm.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name, MaxResults=100, **({"NextToken": token} if token else {}))
        summaries += page["TrainingJobSummaries"]
        token = page.get("NextToken")
        if not token:
            break
    values, overheads, script_times, cpu = [], [], [], 0.0
    for summary in summaries:
        objective = summary.get("FinalHyperParameterTuningJobObjectiveMetric")
        if summary["TrainingJobStatus"] == "Completed" and objective:
            values.append(objective["Value"])
        child = sm.describe_training_job(TrainingJobName=summary["TrainingJobName"])
        seconds = logged_script_seconds(srv, summary["TrainingJobName"])
        if seconds is not None and child.get("TrainingEndTime"):
            total = (child["TrainingEndTime"] - child["CreationTime"]).total_seconds()
            overheads.append(total - seconds)
            script_times.append(seconds)
            cpu += logged_script_seconds(srv, summary["TrainingJobName"], "cpu") or 0.0
    best = job.get("BestTrainingJob", {})
    return {"row": f"Anneal-{strategy}", "best": max(values) if values else None, "trials": len(summaries),
            "succeeded": len(values), "wall": wall, "cpu": cpu, "overheads": overheads, "script": script_times,
            "most_running": most_running, "status": job["HyperParameterTuningJobStatus"],
            "failure": job.get("FailureReason"), "best_params": best.get("TunedHyperParameters"),
            "best_job_value": best.get("FinalHyperParameterTuningJobObjectiveMetric", {}).get("Value")}


def logged_script_seconds(srv, name, what="seconds"):
    """The script's own line, from CloudWatch Logs, where the worker log does not hold it."""
    logs = srv.client("logs")
    group = "/aws/sagemaker/TrainingJobs"
    for stream in logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=f"{name}/")["logStreams"]:
        events = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True)["events"]
        for event in events:
            seconds = script_seconds(event["message"], what)
            if seconds is not None:
                return seconds
    return None


# -- Optuna driving the same script directly ----------------------------------------------------------

def optuna_tpe(python, script, trials, parallel, seed, static):
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    lock = threading.Lock()
    overheads, script_times, failures = [], [], []
    running = {"now": 0, "most": 0}
    cpu = [0.0]

    def objective(trial):
        params = {}
        for name, spec in SPACE.items():
            if spec[0] == "Categorical":
                params[name] = trial.suggest_categorical(name, spec[1])
            elif spec[0] == "Integer":
                params[name] = trial.suggest_int(name, spec[1], spec[2], log=spec[3] == "Logarithmic")
            else:
                params[name] = trial.suggest_float(name, spec[1], spec[2], log=spec[3] == "Logarithmic")
        argv = [python, str(script)]
        for key, value in {**static, **params}.items():
            argv += [f"--{key}", str(value)]
        with lock:
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
        started = time.time()
        try:
            out = subprocess.run(argv, capture_output=True, text=True, start_new_session=True)
        finally:
            elapsed = time.time() - started
            with lock:
                running["now"] -= 1
        match = re.search(REGEX, out.stdout)
        if out.returncode != 0 or not match:
            with lock:
                failures.append(out.stderr[-500:])
            raise RuntimeError(f"trial failed: {out.stderr[-300:]}")
        seconds = script_seconds(out.stdout)
        with lock:
            overheads.append(elapsed - seconds)
            script_times.append(seconds)
            cpu[0] += script_seconds(out.stdout, "cpu")
        return float(match.group(1))

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    started = time.time()
    study.optimize(objective, n_trials=trials, n_jobs=parallel, catch=(RuntimeError,))
    wall = time.time() - started
    note(f"Optuna TPE done in {wall:.1f} s")
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    return {"row": "Optuna-TPE (direct)", "best": max(t.value for t in done) if done else None,
            "trials": len(study.trials), "succeeded": len(done), "wall": wall, "cpu": cpu[0], "overheads": overheads,
            "script": script_times, "most_running": running["most"], "status": "Completed" if done else "Failed",
            "failure": failures[0] if failures else None,
            "best_params": study.best_params if done else None}


@contextlib.contextmanager
def scratch():
    """A scratch directory removed in the background afterwards: the runtime's virtualenv (~370 MB, ~12,000
    fresh files) took half a minute to delete on a busy machine, longer than the smoke run's trials."""
    path = Path(tempfile.mkdtemp(prefix="hpo-sklearn-"))
    try:
        yield path
    finally:
        subprocess.Popen(["rm", "-rf", str(path)], start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="4 trials, 2 at a time, 200 rows, 3 folds")
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pairs", type=int, default=5, help="alternating platform/direct runs for the overhead")
    args = parser.parse_args()
    static = {}
    if args.smoke:
        args.trials, args.parallel, args.pairs = 4, 2, 2
        static = {"rows": 200, "folds": 3}

    with scratch() as tmp:
        script = tmp / "tune_hgb.py"
        script.write_text(SCRIPT)
        srv = AnnealServer(tmp / "home", extra_args=["--log-level", "warning", "--max-instances", "8"]).start()
        results = []
        try:
            s3, sm = srv.client("s3"), srv.client("sagemaker")
            s3.create_bucket(Bucket="hpo-sklearn")
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
                archive.add(script, arcname="tune_hgb.py")
            s3.put_object(Bucket="hpo-sklearn", Key="code/sourcedir.tar.gz", Body=buffer.getvalue())

            note("server up; warm-up job (the scikit-learn runtime is created on first use)")
            started = time.time()
            warm = training_job(sm, "hpo-sklearn-warm-up", static, timeout=900)
            warm_seconds = time.time() - started
            warm_value = {m["MetricName"]: m["Value"] for m in warm.get("FinalMetricDataList", [])}.get(METRIC)
            python = str(srv.home / "runtimes" / "sklearn-1.2" / "bin" / "python")
            version = subprocess.run([python, "-c", "import sklearn; print(sklearn.__version__)"],
                                     capture_output=True, text=True, check=True).stdout.strip()
            note("overhead pairs")
            pair_platform, pair_direct = overhead_pairs(srv, sm, python, script, args.pairs)
            budget = 120 + args.trials * 60
            for strategy in ("Bayesian", "Random"):
                note(f"Anneal {strategy} tuning job")
                results.append(tuning_job(srv, sm, f"hpo-sklearn-{strategy.lower()}", strategy, args.trials,
                                          args.parallel, args.seed, static, budget))
        finally:
            note("stopping the server")
            srv.stop(check=False)
            serve_log = srv.log_text()
        note("Optuna TPE")
        results.append(optuna_tpe(python, script, args.trials, args.parallel, args.seed, static))

    note("done")
    data = "200 rows, 3-fold" if args.smoke else "569 rows, 5-fold"
    print(f"bench/hpo-sklearn: HistGradientBoostingClassifier on load_breast_cancer ({data}), maximise CV F1 over "
          f"{len(SPACE)} hyperparameters; {args.trials} trials, {args.parallel} at a time, seed {args.seed}; "
          f"scikit-learn {version}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"warm-up job (creates the scikit-learn runtime; not in any timing below): {warm_seconds:.1f} s, F1 {warm_value}")
    print(f"{'run':<21} {'best F1':>8} {'trials':>6} {'ok':>3} {'par':>3} {'wall s':>7} {'wall/trial':>10} "
          f"{'CPU s':>6} {'script s':>8} {'gap s':>6}")
    for r in results:
        gap = statistics.median(r["overheads"]) if r["overheads"] else float("nan")
        script_median = statistics.median(r["script"]) if r["script"] else float("nan")
        best = f"{r['best']:.5f}" if r["best"] is not None else "-"
        print(f"{r['row']:<21} {best:>8} {r['trials']:>6} {r['succeeded']:>3} {r['most_running']:>3} {r['wall']:>7.1f} "
              f"{r['wall'] / max(1, r['trials']):>10.2f} {r['cpu']:>6.1f} {script_median:>8.2f} {gap:>6.2f}")
    print("par: most trials seen running at once; CPU s: the scripts' own CPU seconds, summed over the trials (what "
          "the configurations tried cost, whatever the load); script s: median seconds the script reports for itself; gap s: median per "
          "trial of start -> end (CreationTime -> TrainingEndTime; subprocess wall time) minus the script's seconds, "
          "under the run's own load")
    platform, direct = statistics.median(pair_platform), statistics.median(pair_direct)
    print(f"platform overhead per trial (same light configuration, one at a time, {args.pairs} alternating pairs, "
          f"medians): training job {platform:.3f} s, direct {direct:.3f} s beyond the script's own seconds: "
          f"{platform - direct:.3f} s per trial")
    for r in results:
        print(f"best of {r['row']}: {r['best_params']}")
    ok = True
    for r in results:
        if r["status"] != "Completed" or r["succeeded"] != args.trials:
            ok = False
            print(f"{r['row']}: {r['status']}, {r['succeeded']} of {args.trials} trials succeeded: {r['failure']}")
    if not ok:
        print(serve_log[-3000:])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
