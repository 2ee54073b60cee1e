"""Sorts' training script, in the SageMaker scikit-learn contract.

One job per model: it evaluates every combination of the git features (all 511 non-empty subsets of the
nine by default) with cross-validated precision, recall, F1 and accuracy plus an overfit score, prints
each combination's block for the metric regexes, picks the best combination, refits it on all the data
and saves it with joblib in the model directory (/opt/ml/model, packed by SageMaker as model.tar.gz).
The result rows go to <output-data-dir>/<model>_train_results.csv (output.tar.gz).

Spot: each finished combination is appended to the checkpoint directory (/opt/ml/checkpoints, synced to
the job's CheckpointConfig.S3Uri), and a restarted job skips the combinations found there, as Sorts'
middle versions skipped combinations already tried.

The last block printed is the chosen combination's, so that a job's final metric values
(FinalMetricDataList) describe the model it saved.

usage (as SageMaker runs it): train.py --model randomforestclassifier [--features SC,LC,CF,CM]
       [--max-size 9] [--folds 5] [--curve-points 30] [--rows 0] [--n-jobs -1]
"""
import csv
import itertools
import os

from evaluation import (RESULT_HEADERS, Stopwatch, contract_parser, load_training_data, oversample, performance,
                        print_block, result_row, sample_rows, save_model, split_training_data)
from models import FEATURES, build_model, codes_of, parse_codes

OVERFIT_LIMIT = 8.0  # Sorts' newest threshold (v1: 5)


def combinations(features, max_size):
    """Every non-empty combination of `features` up to `max_size` features, smallest first."""
    for size in range(1, min(max_size, len(features)) + 1):
        yield from itertools.combinations(features, size)


def best_combination(rows):
    """Sorts' get_best_combination, without its quirk: the highest F1 among rows that do not overfit
    (overfit < 8%), ties to the smaller overfit; when every row overfits, the highest F1 overall
    (Sorts then chose nothing)."""
    fitting = [row for row in rows if row["overfit"] < OVERFIT_LIMIT] or rows
    return max(fitting, key=lambda row: (round(row["f1"], 6), -row["overfit"]))


def read_checkpoint(path):
    """Rows a previous attempt of this job finished (empty when it is the first)."""
    if not os.path.exists(path):
        return {}
    done = {}
    with open(path) as handle:
        for row in csv.DictReader(handle):
            done[row["Features"]] = {"precision": float(row["Precision"]), "recall": float(row["Recall"]),
                                     "f1": float(row["F1"]), "accuracy": float(row["Accuracy"]),
                                     "overfit": float(row["Overfit"]), "time": float(row["Time"])}
    return done


def main():
    parser = contract_parser(__doc__.splitlines()[0])
    parser.add_argument("--features", default="", help="feature codes to combine (default: all nine)")
    parser.add_argument("--max-size", type=int, default=len(FEATURES), help="largest combination (default 9)")
    parser.add_argument("--checkpoint-dir", default="/opt/ml/checkpoints")
    args, _ = parser.parse_known_args()

    clock = Stopwatch()
    frame = sample_rows(load_training_data(args.train), args.rows)
    features = parse_codes(args.features)
    grid = list(combinations(features, args.max_size))
    model_class = type(build_model(args.model)).__name__
    print(f"Model: {model_class}; {len(frame)} rows; {len(grid)} feature combinations; "
          f"{args.folds}-fold CV, {args.curve_points} learning-curve sizes", flush=True)

    checkpoint = None
    try:
        os.makedirs(args.checkpoint_dir, exist_ok=True)
        checkpoint = os.path.join(args.checkpoint_dir, f"{args.model}_train_results.csv")
    except OSError:
        pass  # run outside a training job, where /opt/ml is not writable: no checkpoints
    done = read_checkpoint(checkpoint) if checkpoint else {}
    if done:
        print(f"Resuming: {len(done)} combinations found in the checkpoint", flush=True)
    if checkpoint and not os.path.exists(checkpoint):
        with open(checkpoint, "w", newline="") as handle:
            csv.writer(handle).writerow(RESULT_HEADERS)

    rows, table = [], []
    for combo in grid:
        codes = codes_of(combo)
        if codes in done:
            metrics = done[codes]
            seconds = metrics["time"]
        else:
            watch = Stopwatch()
            x, y = oversample(*split_training_data(frame, combo), mode=args.oversample)
            metrics = performance(build_model(args.model), x, y, args.folds, args.curve_points, args.n_jobs)
            seconds = watch.seconds()
            print_block(combo, metrics, seconds)
            if checkpoint:
                with open(checkpoint, "a", newline="") as handle:
                    csv.writer(handle).writerow(result_row(model_class, codes, metrics, "n/a", seconds))
        rows.append({**metrics, "features": combo, "time": seconds})
        table.append(result_row(model_class, codes, metrics, "n/a", seconds))

    os.makedirs(args.output_data_dir, exist_ok=True)
    with open(os.path.join(args.output_data_dir, f"{args.model}_train_results.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(RESULT_HEADERS)
        writer.writerows(table)

    best = best_combination(rows)
    x, y = oversample(*split_training_data(frame, best["features"]), mode=args.oversample)
    model = build_model(args.model).fit(x, y)
    metrics = {k: best[k] for k in ("precision", "recall", "f1", "accuracy", "overfit")}
    name = save_model(model, args.model_dir, best["features"], metrics,
                      {"model": args.model, "class": model_class, "combinations": len(rows), "rows": len(frame)})
    print(f"Best combination: {codes_of(best['features'])} -> {name}")
    print_block(best["features"], metrics, clock.seconds())


if __name__ == "__main__":
    main()
