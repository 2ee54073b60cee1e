"""bench/hpo: our Random and Bayesian strategies (run in Swift by the hidden `anneal tuning-bench`)
beside Optuna's TPESampler and RandomSampler on Branin, Hartmann-3, Hartmann-6 and Rosenbrock-4D:
median best value after 20, 50, 100 and 200 trials over 20 seeds, in one table from one run;
ours sequentially and again 8 at a time (propose 8 with the earlier ones pending, evaluate, repeat).
Also: how many seeds reach Branin within 0.01 of 0.397887 in at most 50 trials, the proposal time
at 200 observations, and the Gaussian process factorisation at 500 observations beside numpy's
(OpenBLAS) Cholesky, which is the measurement behind writing the linear algebra in Swift.

Targets (issue 6): our Bayesian's median beats TPE's at 50 and at 100 trials on every function;
Branin within 0.01 in <= 50 trials for >= 18 of 20 seeds; a proposal in < 100 ms at 200 observations."""
import argparse
import json
import math
import os

# One BLAS thread for numpy (here and in Optuna's workers): the machine has two cores and the run
# already uses both.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANNEAL = os.environ.get("ANNEAL_BIN", str(ROOT / ".build" / "release" / "anneal"))
FUNCTIONS = ["branin", "hartmann3", "hartmann6", "rosenbrock4"]
OPTIMA = {"branin": 0.397887, "hartmann3": -3.86278, "hartmann6": -3.32237, "rosenbrock4": 0.0}
BRANIN_TOLERANCE = 0.01

# The same functions and domains as Sources/anneal/TuningBenchCommand.swift.
DOMAINS = {
    "branin": [(-5.0, 10.0), (0.0, 15.0)],
    "hartmann3": [(0.0, 1.0)] * 3,
    "hartmann6": [(0.0, 1.0)] * 6,
    "rosenbrock4": [(-5.0, 10.0)] * 4,
}
H3_A = [[3, 10, 30], [0.1, 10, 35], [3, 10, 30], [0.1, 10, 35]]
H3_P = [[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]
H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]


def hartmann(x, a, p):
    alpha = [1.0, 1.2, 3.0, 3.2]
    return -sum(alpha[i] * math.exp(-sum(a[i][j] * (x[j] - p[i][j] * 1e-4) ** 2 for j in range(len(x)))) for i in range(4))


def evaluate(name, x):
    if name == "branin":
        b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
        return (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10
    if name == "hartmann3":
        return hartmann(x, H3_A, H3_P)
    if name == "hartmann6":
        return hartmann(x, H6_A, H6_P)
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


def check_functions():
    """The Python functions reach the published optima at the published minimisers."""
    known = {
        "branin": [math.pi, 2.275],
        "hartmann3": [0.114614, 0.555649, 0.852547],
        "hartmann6": [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573],
        "rosenbrock4": [1, 1, 1, 1],
    }
    for name, x in known.items():
        assert abs(evaluate(name, x) - OPTIMA[name]) < 1e-4, (name, evaluate(name, x))


def optuna_run(job):
    name, sampler_name, seed, trials = job
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=seed) if sampler_name == "tpe" else optuna.samplers.RandomSampler(seed=seed)
    study = optuna.create_study(sampler=sampler)

    def objective(trial):
        return evaluate(name, [trial.suggest_float(f"x{i + 1}", low, high) for i, (low, high) in enumerate(DOMAINS[name])])

    study.optimize(objective, n_trials=trials)
    best, curve = math.inf, []
    for trial in study.trials:
        best = min(best, trial.value)
        curve.append(best)
    return curve


def ours(name, strategy, seeds, trials, parallel, jobs):
    out = subprocess.run([ANNEAL, "tuning-bench", "--function", name, "--strategy", strategy, "--trials", str(trials),
                          "--seeds", str(seeds), "--parallel", str(parallel), "--jobs", str(jobs)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def median_at(curves, n):
    values = [c[n - 1] for c in curves if len(c) >= n]
    return statistics.median(values) if values else math.nan


def fmt(value):
    if math.isnan(value):
        return "-"
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"


def main():
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser()
    parser.add_argument("--smoke", action="store_true", help="2 seeds, 30 trials, no targets checked")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2, help="processes for the seeds (ours and Optuna's)")
    args = parser.parse_args()
    if args.smoke:
        args.seeds, args.trials = 2, 30
    if not os.access(ANNEAL, os.X_OK):
        raise SystemExit(f"bench/hpo: no anneal binary at {ANNEAL} (make build, or set ANNEAL_BIN)")
    check_functions()
    checkpoints = [n for n in (20, 50, 100, 200) if n <= args.trials]
    started = time.time()
    rows, curves_by, proposal_times = [], {}, {}
    for name in FUNCTIONS:
        runs = {}
        for label, strategy, parallel in (("anneal random", "random", 1), ("anneal bayesian", "bayesian", 1),
                                          ("anneal bayesian x8", "bayesian", 8)):
            t0 = time.time()
            result = ours(name, strategy, args.seeds, args.trials, parallel, args.jobs)
            runs[label] = (result["curves"], time.time() - t0)
            if label == "anneal bayesian":
                # Proposals of the sequential run made with at least 190 observations: (wall, CPU) seconds.
                proposal_times[name] = [(wall, cpu) for seed in result["proposals"] for n, wall, cpu in seed
                                        if n >= 190]
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for label, sampler in (("optuna random", "random"), ("optuna tpe", "tpe")):
                t0 = time.time()
                curves = list(pool.map(optuna_run, [(name, sampler, seed, args.trials) for seed in range(args.seeds)]))
                runs[label] = (curves, time.time() - t0)
        for label in ("optuna random", "optuna tpe", "anneal random", "anneal bayesian", "anneal bayesian x8"):
            curves, seconds = runs[label]
            curves_by[(name, label)] = curves
            rows.append((name, label, [median_at(curves, n) for n in checkpoints], seconds))
        print(f"bench/hpo: {name} done ({time.time() - started:.0f}s)", file=sys.stderr, flush=True)

    print(f"\nbench/hpo: median best value over {args.seeds} seeds after N trials (lower is better)")
    header = f"{'function (optimum)':<22} {'sampler':<20}" + "".join(f"{'@' + str(n):>11}" for n in checkpoints) + f"{'wall s':>9}"
    print(header)
    print("-" * len(header))
    for name, label, medians, seconds in rows:
        title = f"{name} ({OPTIMA[name]:g})" if label == "optuna random" else ""
        print(f"{title:<22} {label:<20}" + "".join(f"{fmt(m):>11}" for m in medians) + f"{seconds:>9.1f}")

    horizon = min(50, args.trials)
    print(f"\nBranin within {BRANIN_TOLERANCE} of {OPTIMA['branin']} in <= {horizon} trials (seeds of {args.seeds}):")
    for label in ("optuna random", "optuna tpe", "anneal random", "anneal bayesian", "anneal bayesian x8"):
        curves = curves_by[("branin", label)]
        hits = sum(1 for c in curves if min(c[:horizon]) <= OPTIMA["branin"] + BRANIN_TOLERANCE)
        print(f"  {label:<20} {hits}")

    print("\nanneal bayesian, one proposal with 200 observations (7 proposals after 200 random trials;"
          " CPU = the proposing thread's time, wall = elapsed on this shared machine):")
    timing = {}
    for name in FUNCTIONS:
        t = json.loads(subprocess.run([ANNEAL, "tuning-bench", "--function", name, "--propose-at", "200"],
                                      capture_output=True, text=True, check=True).stdout)
        timing[name] = t
        in_run = ""
        if proposal_times.get(name):
            walls = [w for w, _ in proposal_times[name]]
            cpus = [c for _, c in proposal_times[name]]
            in_run = (f"   in the runs at 190-199 observations: CPU median {statistics.median(cpus) * 1000:.1f} ms,"
                      f" max {max(cpus) * 1000:.1f}; wall median {statistics.median(walls) * 1000:.1f} ms")
        print(f"  {name:<12} CPU median {t['cpu_median'] * 1000:6.1f} ms, max {t['cpu_max'] * 1000:6.1f} ms;"
              f" wall median {t['wall_median'] * 1000:6.1f} ms; batch of 8: {t['cpu_batch_of_8'] * 1000:6.1f} ms CPU{in_run}")

    factor = json.loads(subprocess.run([ANNEAL, "tuning-bench", "--factor-at", "500"], capture_output=True, text=True,
                                       check=True).stdout)
    try:
        import numpy as np
        rng = np.random.default_rng(1)
        x = rng.random((500, 6))
        d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2 / 0.25).sum(-1))
        k = (1 + math.sqrt(5) * d + 5 / 3 * d ** 2) * np.exp(-math.sqrt(5) * d) + 1e-6 * np.eye(500)
        laps = []
        for _ in range(5):
            t0 = time.process_time()
            c = np.linalg.cholesky(k)
            ci = np.linalg.inv(c)
            ci.T @ ci
            laps.append(time.process_time() - t0)
        numpy_ms = f"{statistics.median(laps) * 1000:.1f} ms (Cholesky, inverse of the factor, product; no kernel matrix)"
    except ImportError:
        numpy_ms = "numpy not installed"
    print(f"\nGP at 500 observations, CPU (kernel matrix, Cholesky, inverse, weights): Swift {factor['seconds'] * 1000:.1f} ms;"
          f" numpy/OpenBLAS, one thread: {numpy_ms}")

    if args.smoke:
        print(f"\nbench/hpo --smoke: {time.time() - started:.0f}s (targets are checked by the full run)")
        return
    print("\ntargets (issue 6):")
    failures = 0
    for name in FUNCTIONS:
        for n in (50, 100):
            if n not in checkpoints:
                continue
            ours_median = median_at(curves_by[(name, "anneal bayesian")], n)
            tpe_median = median_at(curves_by[(name, "optuna tpe")], n)
            ok = ours_median < tpe_median
            failures += not ok
            print(f"  {'ok  ' if ok else 'MISS'} {name} @{n}: bayesian {fmt(ours_median)} vs TPE {fmt(tpe_median)}")
    hits = sum(1 for c in curves_by[("branin", "anneal bayesian")] if min(c[:50]) <= OPTIMA["branin"] + BRANIN_TOLERANCE)
    needed = math.ceil(0.9 * args.seeds)
    failures += hits < needed
    print(f"  {'ok  ' if hits >= needed else 'MISS'} Branin within {BRANIN_TOLERANCE} in <= 50 trials: {hits} of {args.seeds} (need {needed})")
    worst = max(t["cpu_median"] for t in timing.values())
    failures += worst >= 0.1
    print(f"  {'ok  ' if worst < 0.1 else 'MISS'} proposal at 200 observations: worst median {worst * 1000:.1f} ms CPU (need < 100 ms)")
    print(f"\nbench/hpo: {time.time() - started:.0f}s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
