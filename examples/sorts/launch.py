#!/usr/bin/env python3
"""Sorts' training and tuning, launched with the sagemaker SDK v2 as Sorts' provisioner does it.

1. One training job per model (`SKLearn` estimator, entry point training/train.py, hyperparameter
   `model`), all started at once (`fit(wait=False)`) and then waited for. Models outside Sorts'
   ON_DEMAND_NEEDED train on managed spot (use_spot_instances=True, max_wait >= max_run, a
   checkpoint_s3_uri the script resumes from).
2. A Bayesian hyperparameter tuning job (the SDK's default strategy, as Sorts leaves it) on the best
   model's best feature combination, entry point training/tune.py, objective `fscore`, Maximize,
   8 trials at a time.
3. Results read back from the API: every job's final metrics, its model artifact (best.json inside
   model.tar.gz says which features won), the tuning job's best trial; printed as a ranked table,
   saved as results.json and an SVG chart; then a check that every job's logs, metrics and artifact
   and the tuning job's best job are reachable through boto3.

The SDK finds the platform through the environment (AWS_PROFILE and friends, as Anneal's generated
profile sets them). Presets shrink the run: --preset demo (three models, three features, a small
tuning job; `make demo`), --preset smoke (two models, the test suite's).

usage: launch.py --data dataset.csv [--bucket sorts] [--preset full|demo|smoke] [--models a,b]
                 [--features SC,LC,CF] [--max-size N] [--folds N] [--curve-points N] [--rows N]
                 [--tune-jobs N] [--tune-parallel N] [--no-tuning] [--out DIR]
"""
import argparse
import io
import json
import logging
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRAINING = HERE / "training"
sys.path.insert(0, str(TRAINING))
from models import FEATURES, METRIC_DEFINITIONS, MODEL_HYPERPARAMETERS, MODELS, ON_DEMAND_NEEDED  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/sorts_prod"
TAGS = [{"Key": "management:area", "Value": "cost"}, {"Key": "management:product", "Value": "sorts"},
        {"Key": "management:type", "Value": "product"}]
LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TERMINAL = ("Completed", "Failed", "Stopped")

# Each preset sets the defaults of the options below; flags given on the command line win.
PRESETS = {
    # Sorts' own run: every model, all 511 combinations, 5-fold CV, 30 learning-curve sizes, 200 trials.
    "full": dict(models=",".join(MODELS), features="", max_size=9, folds=5, curve_points=30, rows=0, n_jobs=-1,
                 tune_jobs=200, tune_parallel=8, instance_type="ml.m5.2xlarge", on_demand_instance_type="ml.m5.4xlarge",
                 max_run=86400, max_wait=86400, threads=0),
    # `make demo`: a few minutes on a 2-core machine.
    "demo": dict(models="logisticregression,randomforestclassifier,kneighborsclassifier", features="SC,LC,CM",
                 max_size=2, folds=3, curve_points=5, rows=3000, n_jobs=1, tune_jobs=8, tune_parallel=8,
                 instance_type="ml.m5.large", on_demand_instance_type="ml.m5.large", max_run=1800, max_wait=3600,
                 threads=1),
    # tests/compat/test_sorts.py: the same pipeline, smaller still.
    "smoke": dict(models="logisticregression,kneighborsclassifier", features="SC,LC", max_size=2, folds=2,
                  curve_points=2, rows=600, n_jobs=1, tune_jobs=2, tune_parallel=2, instance_type="ml.m5.large",
                  on_demand_instance_type="ml.m5.large", max_run=900, max_wait=1800, threads=1),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="the training CSV: a local file (uploaded) or an s3:// URI")
    parser.add_argument("--bucket", default="sorts")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="full")
    parser.add_argument("--models", help="comma-separated model keys (default: the preset's)")
    parser.add_argument("--features", help="feature codes whose combinations train.py tries (empty: all nine)")
    parser.add_argument("--max-size", type=int, help="largest feature combination")
    parser.add_argument("--folds", type=int)
    parser.add_argument("--curve-points", type=int, help="learning-curve sizes for the overfit score")
    parser.add_argument("--rows", type=int, help="rows each job samples from the data (0: all)")
    parser.add_argument("--n-jobs", type=int, help="scikit-learn processes inside a job")
    parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS in each job (0: the image's default)")
    parser.add_argument("--tune-jobs", type=int, help="tuning trials (Sorts: 200)")
    parser.add_argument("--tune-parallel", type=int, help="tuning trials at a time (Sorts: 8)")
    parser.add_argument("--tune-model", help="tune this model rather than the best one")
    parser.add_argument("--no-tuning", action="store_true")
    parser.add_argument("--no-spot", action="store_true", help="every job on-demand")
    parser.add_argument("--instance-type")
    parser.add_argument("--on-demand-instance-type", help="for Sorts' ON_DEMAND_NEEDED models")
    parser.add_argument("--max-run", type=int)
    parser.add_argument("--max-wait", type=int, help="spot jobs' MaxWaitTimeInSeconds (>= max-run)")
    parser.add_argument("--role", default=ROLE)
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for each phase")
    parser.add_argument("--out", default="sorts-results", help="directory for results.json and chart.svg")
    args = parser.parse_args(argv)
    for name, value in PRESETS[args.preset].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}: one of {', '.join(MODELS)}")
    if args.max_wait < args.max_run:
        parser.error("--max-wait must be at least --max-run (SageMaker refuses a spot job otherwise)")
    return args


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Pipeline:
    def __init__(self, args):
        # The SDK's INFO lines (config files looked for, job names) would drown the progress lines.
        for name in ("sagemaker", "sagemaker.config", "botocore.configprovider"):
            logging.getLogger(name).setLevel(logging.WARNING)
        import boto3
        import sagemaker
        self.args = args
        self.boto = boto3.Session()
        self.session = sagemaker.Session(boto_session=self.boto, default_bucket=args.bucket)
        self.sm = self.session.sagemaker_client
        self.s3 = self.boto.client("s3")
        self.logs = self.boto.client("logs")
        self.cloudwatch = self.boto.client("cloudwatch")

    # -- data ---------------------------------------------------------------------------------------
    def upload(self):
        try:
            self.s3.create_bucket(Bucket=self.args.bucket)
        except (self.s3.exceptions.BucketAlreadyOwnedByYou, self.s3.exceptions.BucketAlreadyExists):
            pass
        if self.args.data.startswith("s3://"):
            return self.args.data
        key = "training/binary_encoded_training_data.csv"
        self.s3.upload_file(self.args.data, self.args.bucket, key)
        return f"s3://{self.args.bucket}/{key}"

    # -- estimators ---------------------------------------------------------------------------------
    def static_hyperparameters(self):
        args = self.args
        return {"features": args.features or "all", "max-size": args.max_size, "folds": args.folds,
                "curve-points": args.curve_points, "rows": args.rows, "n-jobs": args.n_jobs}

    def estimator(self, model, entry_point, hyperparameters, spot, job_base):
        from sagemaker.sklearn import SKLearn
        args = self.args
        extra = {}
        if spot:
            extra = dict(use_spot_instances=True, max_wait=args.max_wait,
                         checkpoint_s3_uri=f"s3://{args.bucket}/checkpoints/{job_base}")
        return SKLearn(
            entry_point=entry_point, source_dir=str(TRAINING), framework_version="1.2-1", py_version="py3",
            instance_type=args.on_demand_instance_type if model in ON_DEMAND_NEEDED else args.instance_type,
            instance_count=1, role=args.role, sagemaker_session=self.session,
            output_path=f"s3://{args.bucket}/training-output", base_job_name=job_base,
            hyperparameters={"model": model, **hyperparameters}, metric_definitions=METRIC_DEFINITIONS,
            max_run=args.max_run, debugger_hook_config=False, disable_profiler=True, tags=TAGS,
            environment={"OMP_NUM_THREADS": str(args.threads)} if args.threads else None, **extra)

    # -- step 1: one training job per model, in parallel -----------------------------------------------
    def train(self, data):
        jobs = {}
        for model in self.args.models:
            spot = not self.args.no_spot and model not in ON_DEMAND_NEEDED
            estimator = self.estimator(model, "train.py", {k: v for k, v in self.static_hyperparameters().items()
                                                           if not (k == "features" and v == "all")},
                                       spot, f"sorts-training-{model}"[:40])
            estimator.fit({"train": data}, wait=False, logs="None")
            jobs[model] = estimator.latest_training_job.name
            log(f"started {jobs[model]} ({'spot' if spot else 'on-demand'})")
        self.wait_for_training(list(jobs.values()))
        return jobs

    def wait_for_training(self, names):
        deadline = time.time() + self.args.timeout
        seen = {}
        while time.time() < deadline:
            pending = 0
            for name in names:
                job = self.sm.describe_training_job(TrainingJobName=name)
                state = (job["TrainingJobStatus"], job.get("SecondaryStatus"))
                if seen.get(name) != state:
                    seen[name] = state
                    log(f"{name}: {state[0]} / {state[1]}")
                pending += state[0] not in TERMINAL
            if not pending:
                return
            time.sleep(2)
        raise SystemExit(f"training jobs still running after {self.args.timeout:.0f} s: {seen}")

    # -- step 2: Bayesian tuning of the best model -------------------------------------------------
    def tune(self, data, model, codes):
        from sagemaker.tuner import CategoricalParameter, ContinuousParameter, HyperparameterTuner, IntegerParameter
        ranges = {}
        for name, spec in MODEL_HYPERPARAMETERS[model].items():
            if spec[0] == "Integer":
                ranges[name] = IntegerParameter(spec[1], spec[2])
            elif spec[0] == "Continuous":
                ranges[name] = ContinuousParameter(spec[1], spec[2], scaling_type=spec[3])
            else:
                ranges[name] = CategoricalParameter(spec[1])
        static = {**self.static_hyperparameters(), "features": ",".join(codes)}
        static.pop("max-size")
        estimator = self.estimator(model, "tune.py", static, False, f"sorts-tune-{model}"[:40])
        tuner = HyperparameterTuner(
            estimator, objective_metric_name="fscore", objective_type="Maximize", hyperparameter_ranges=ranges,
            metric_definitions=METRIC_DEFINITIONS, max_jobs=self.args.tune_jobs,
            max_parallel_jobs=self.args.tune_parallel, base_tuning_job_name="sorts-tune", tags=TAGS)
        tuner.fit({"train": data}, wait=False)
        name = tuner.latest_tuning_job.name
        log(f"started tuning job {name}: {model} on {' '.join(codes)}, {self.args.tune_jobs} trials, "
            f"{self.args.tune_parallel} at a time, strategy {tuner.strategy}")
        deadline = time.time() + self.args.timeout
        last = None
        while time.time() < deadline:
            job = self.sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
            counters = job["TrainingJobStatusCounters"]
            state = (job["HyperParameterTuningJobStatus"], counters["Completed"], counters["InProgress"])
            if state != last:
                last = state
                log(f"{name}: {state[0]}, {state[1]} trials completed, {state[2]} running")
            if state[0] in TERMINAL:
                return name, tuner
            time.sleep(2)
        raise SystemExit(f"tuning job {name} still running after {self.args.timeout:.0f} s")

    # -- step 3: results from the API --------------------------------------------------------------
    def artifact(self, uri):
        """best.json from a job's model.tar.gz (None when the archive has none)."""
        bucket, key = uri[5:].split("/", 1)
        body = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
            member = next((m for m in archive.getmembers() if m.name.endswith("best.json")), None)
            return json.load(archive.extractfile(member)) if member else None

    def job_result(self, name):
        job = self.sm.describe_training_job(TrainingJobName=name)
        metrics = {m["MetricName"]: m["Value"] for m in job.get("FinalMetricDataList", [])}
        uri = job.get("ModelArtifacts", {}).get("S3ModelArtifacts")
        best = self.artifact(uri) if uri and job["TrainingJobStatus"] == "Completed" else None
        return {"job": name, "status": job["TrainingJobStatus"], "failure": job.get("FailureReason"),
                "spot": job.get("EnableManagedSpotTraining", False), "instance": job["ResourceConfig"]["InstanceType"],
                "metrics": metrics, "artifact": uri, "best": best,
                "hyperparameters": {k: v for k, v in job.get("HyperParameters", {}).items() if not k.startswith("sagemaker_")},
                "training_seconds": job.get("TrainingTimeInSeconds"), "billable_seconds": job.get("BillableTimeInSeconds"),
                "wall_seconds": (job["TrainingEndTime"] - job["CreationTime"]).total_seconds()
                if job.get("TrainingEndTime") else None}

    def tuning_result(self, name):
        job = self.sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        trials, token = [], None
        while True:
            page = self.sm.list_training_jobs_for_hyper_parameter_tuning_job(
                HyperParameterTuningJobName=name, MaxResults=100, **({"NextToken": token} if token else {}))
            trials += page["TrainingJobSummaries"]
            token = page.get("NextToken")
            if not token:
                break
        best = job.get("BestTrainingJob")
        return {"name": name, "status": job["HyperParameterTuningJobStatus"],
                "strategy": job["HyperParameterTuningJobConfig"]["Strategy"],
                "counters": job["TrainingJobStatusCounters"],
                "wall_seconds": (job["HyperParameterTuningEndTime"] - job["CreationTime"]).total_seconds()
                if job.get("HyperParameterTuningEndTime") else None,
                "best": self.job_result(best["TrainingJobName"]) if best else None,
                "best_tuned": plain(best.get("TunedHyperParameters")) if best else None,
                "trials": [{"job": t["TrainingJobName"], "status": t["TrainingJobStatus"],
                            "tuned": plain(t.get("TunedHyperParameters")),
                            "fscore": t.get("FinalHyperParameterTuningJobObjectiveMetric", {}).get("Value"),
                            "end": t.get("TrainingEndTime").timestamp() if t.get("TrainingEndTime") else None}
                           for t in trials]}

    # -- the check the issue asks for ---------------------------------------------------------------
    def verify(self, names, tuning):
        """Every job's logs (with the metric lines), metrics (describe and CloudWatch) and model
        artifact, and the tuning job's best job, read back through boto3. Returns the problems."""
        problems = []
        for name in names:
            job = self.sm.describe_training_job(TrainingJobName=name)
            streams = self.logs.describe_log_streams(logGroupName=LOG_GROUP, logStreamNamePrefix=f"{name}/")["logStreams"]
            lines = []
            for stream in streams:
                token = None
                while True:
                    page = self.logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=stream["logStreamName"],
                                                    startFromHead=True, **({"nextToken": token} if token else {}))
                    lines += [e["message"] for e in page["events"]]
                    if not page["events"] or page.get("nextForwardToken") == token:
                        break
                    token = page.get("nextForwardToken")
            if not any(line.startswith("F1-Score:") for line in lines):
                problems.append(f"{name}: no F1-Score line in CloudWatch Logs ({len(lines)} lines in {len(streams)} streams)")
            if not {"fscore", "precision", "recall", "overfit"} <= {m["MetricName"] for m in job.get("FinalMetricDataList", [])}:
                problems.append(f"{name}: FinalMetricDataList lacks a Sorts metric: {job.get('FinalMetricDataList')}")
            listed = self.cloudwatch.list_metrics(Namespace=LOG_GROUP, Dimensions=[{"Name": "TrainingJobName", "Value": name}])
            if not any(m["MetricName"] == "fscore" for m in listed["Metrics"]):
                problems.append(f"{name}: no fscore metric in CloudWatch")
            uri = job.get("ModelArtifacts", {}).get("S3ModelArtifacts", "")
            try:
                bucket, key = uri[5:].split("/", 1)
                if self.s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == 0:
                    problems.append(f"{name}: empty model artifact {uri}")
            except Exception as error:  # noqa: BLE001 -- any failure to reach it is the finding
                problems.append(f"{name}: model artifact {uri!r} unreachable: {error}")
        if tuning:
            job = self.sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=tuning)
            best = job.get("BestTrainingJob", {}).get("TrainingJobName")
            if not best:
                problems.append(f"{tuning}: no BestTrainingJob")
            elif self.sm.describe_training_job(TrainingJobName=best)["TrainingJobStatus"] != "Completed":
                problems.append(f"{tuning}: best job {best} is not Completed")
        return problems


# -- presentation -------------------------------------------------------------------------------

def plain(tuned):
    """Tuned values as the trial saw them: the SDK JSON-encodes a framework estimator's categorical
    values ('"sag"'), which the training toolkit decodes before the script gets them."""
    out = {}
    for name, value in (tuned or {}).items():
        try:
            out[name] = json.loads(value)
        except (TypeError, ValueError):
            out[name] = value
    return out


def fmt(value, digits=1):
    return "-" if value is None else f"{value:.{digits}f}"


def ranked(results):
    return sorted(results.items(), key=lambda item: -(item[1]["metrics"].get("fscore") or -1))


def print_tables(results, tuning):
    print()
    print("Training jobs, ranked by F1 of each model's best feature combination")
    header = f"{'#':>2} {'model':<31} {'market':<9} {'status':<9} {'F1':>6} {'prec':>6} {'recall':>6} {'acc':>6} " \
             f"{'overfit':>7} {'features':<12} {'combos':>6} {'train s':>7} {'bill s':>6}  artifact"
    print(header)
    print("-" * len(header))
    for rank, (model, r) in enumerate(ranked(results), 1):
        m, best = r["metrics"], r["best"] or {}
        print(f"{rank:>2} {model:<31} {'spot' if r['spot'] else 'on-demand':<9} {r['status']:<9} {fmt(m.get('fscore')):>6} "
              f"{fmt(m.get('precision')):>6} {fmt(m.get('recall')):>6} {fmt(m.get('accuracy')):>6} {fmt(m.get('overfit')):>7} "
              f"{' '.join(best.get('codes', [])):<12} {best.get('combinations', '-'):>6} {r['training_seconds'] or '-':>7} "
              f"{r['billable_seconds'] or '-':>6}  {r['artifact'] or r['failure']}")
    if tuning:
        print()
        best = tuning["best"] or {}
        print(f"Tuning job {tuning['name']} ({tuning['strategy']}): {tuning['status']}, counters {tuning['counters']}, "
              f"{fmt(tuning['wall_seconds'], 0)} s")
        if best:
            print(f"best trial {best['job']}: F1 {fmt(best['metrics'].get('fscore'))}, precision "
                  f"{fmt(best['metrics'].get('precision'))}, recall {fmt(best['metrics'].get('recall'))}, "
                  f"tuned {tuning['best_tuned']}, artifact {best['artifact']}")
        for trial in sorted(tuning["trials"], key=lambda t: -(t["fscore"] or -1)):
            print(f"   {trial['job']:<34} {trial['status']:<10} F1 {fmt(trial['fscore']):>5}  {trial['tuned']}")


def svg_chart(results, tuning, path):
    """A two-panel SVG written by hand: F1 (bar) with precision and recall (ticks) per model, ranked,
    the tuned best beside them; and each tuning trial's F1 in the order trials finished."""
    rows = [(model, r["metrics"]) for model, r in ranked(results) if r["metrics"]]
    if tuning and tuning["best"]:
        rows.append((f"tuned {tuning['best']['best']['model'] if tuning['best']['best'] else ''}".strip(),
                     tuning["best"]["metrics"]))
    width, left, bar_h, gap = 760, 230, 22, 10
    plot_w = width - left - 40
    top = 50
    panel1 = top + len(rows) * (bar_h + gap)
    trials = [t for t in (tuning or {}).get("trials", []) if t["fscore"] is not None]
    trials.sort(key=lambda t: t["end"] or 0)
    panel2_top = panel1 + 60
    panel2_h = 160 if trials else 0
    height = panel2_top + panel2_h + 50
    x = lambda value: left + plot_w * max(0.0, min(100.0, value)) / 100  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{left}" y="24" font-size="15" font-weight="bold">Sorts on Anneal: cross-validated F1 per model (%)</text>']
    for tick in range(0, 101, 20):
        out.append(f'<line x1="{x(tick):.1f}" y1="{top - 8}" x2="{x(tick):.1f}" y2="{panel1}" stroke="#ddd"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{top - 12}" text-anchor="middle" fill="#666">{tick}</text>')
    for i, (label, m) in enumerate(rows):
        y = top + i * (bar_h + gap)
        tuned = label.startswith("tuned")
        out.append(f'<text x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end">{label}</text>')
        f1 = m.get("fscore") or 0
        out.append(f'<rect x="{left}" y="{y}" width="{x(f1) - left:.1f}" height="{bar_h}" '
                   f'fill="{"#d9822b" if tuned else "#3b6ea8"}"><title>F1 {f1:.2f}%</title></rect>')
        out.append(f'<text x="{x(f1) + 4:.1f}" y="{y + bar_h * 0.7:.1f}">{f1:.1f}</text>')
        for name, colour in (("precision", "#2a9d3a"), ("recall", "#b22")):
            if m.get(name) is not None:
                out.append(f'<line x1="{x(m[name]):.1f}" y1="{y - 2}" x2="{x(m[name]):.1f}" y2="{y + bar_h + 2}" '
                           f'stroke="{colour}" stroke-width="3"><title>{name} {m[name]:.2f}%</title></line>')
    legend_y = panel1 + 18
    legend = (("F1", "#3b6ea8"), ("precision", "#2a9d3a"), ("recall", "#b22"), ("tuned best", "#d9822b"))
    for j, (name, colour) in enumerate(legend):
        out.append(f'<rect x="{left + j * 110}" y="{legend_y - 10}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{left + j * 110 + 16}" y="{legend_y}">{name}</text>')
    if trials:
        values = [t["fscore"] for t in trials]
        low, high = min(values) - 1, max(values) + 1
        py = lambda v: panel2_top + panel2_h - panel2_h * (v - low) / (high - low)  # noqa: E731
        px = lambda k: left + plot_w * (k + 0.5) / len(trials)  # noqa: E731
        out.append(f'<text x="{left}" y="{panel2_top - 14}" font-size="15" font-weight="bold">'
                   f'Tuning job {tuning["name"]}: F1 of each trial, in the order they finished</text>')
        out.append(f'<rect x="{left}" y="{panel2_top}" width="{plot_w}" height="{panel2_h}" fill="none" stroke="#ccc"/>')
        for v in (low, (low + high) / 2, high):
            out.append(f'<text x="{left - 8}" y="{py(v) + 4:.1f}" text-anchor="end" fill="#666">{v:.1f}</text>')
        best_so_far, points = None, []
        for k, trial in enumerate(trials):
            best_so_far = trial["fscore"] if best_so_far is None else max(best_so_far, trial["fscore"])
            points.append(f"{px(k):.1f},{py(best_so_far):.1f}")
            out.append(f'<circle cx="{px(k):.1f}" cy="{py(trial["fscore"]):.1f}" r="5" fill="#3b6ea8">'
                       f'<title>{trial["job"]}: F1 {trial["fscore"]:.2f}% {trial["tuned"]}</title></circle>')
        out.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#d9822b" stroke-width="2"/>')
        out.append(f'<text x="{left}" y="{panel2_top + panel2_h + 20}" fill="#666">trial (blue), best so far (orange)</text>')
    out.append("</svg>")
    Path(path).write_text("\n".join(out) + "\n")


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    pipeline = Pipeline(args)
    data = pipeline.upload()
    log(f"data at {data}; preset {args.preset}: models {', '.join(args.models)}; features "
        f"{args.features or 'all nine'} up to {args.max_size} at a time; {args.folds}-fold CV, "
        f"{args.curve_points} learning-curve sizes; {args.rows or 'all'} rows")

    jobs = pipeline.train(data)
    trained = time.time()
    results = {model: pipeline.job_result(name) for model, name in jobs.items()}
    tuning = None
    done = [(model, r) for model, r in ranked(results) if r["status"] == "Completed" and r["best"]]
    if not args.no_tuning and done:
        model = args.tune_model or done[0][0]
        best = results[model]["best"] if model in results and results[model]["best"] else {"codes": list(FEATURES.values())}
        name, _ = pipeline.tune(data, model, best["codes"])
        tuning = pipeline.tuning_result(name)
    finished = time.time()

    print_tables(results, tuning)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    timings = {"training_phase_seconds": trained - started, "tuning_phase_seconds": finished - trained,
               "total_seconds": finished - started}
    (out / "results.json").write_text(json.dumps({"preset": args.preset, "training": results, "tuning": tuning,
                                                  "timings": timings}, indent=2, default=str))
    svg_chart(results, tuning, out / "chart.svg")
    print(f"\ntraining phase {timings['training_phase_seconds']:.0f} s, tuning phase "
          f"{timings['tuning_phase_seconds']:.0f} s; results in {out / 'results.json'}, chart in {out / 'chart.svg'}")

    problems = pipeline.verify(list(jobs.values()) + [t["job"] for t in (tuning or {}).get("trials", [])],
                               tuning["name"] if tuning else None)
    failed = [model for model, r in results.items() if r["status"] != "Completed"]
    for problem in problems:
        print(f"CHECK FAILED: {problem}")
    if failed:
        print(f"FAILED training jobs: {', '.join(failed)}")
    if not problems:
        print(f"checked through boto3: logs, metrics (describe and CloudWatch) and model artifacts of "
              f"{len(jobs) + len((tuning or {}).get('trials', []))} jobs, and the tuning job's best job")
    return 1 if problems or failed or (tuning and tuning["status"] != "Completed") else 0


if __name__ == "__main__":
    sys.exit(main())
