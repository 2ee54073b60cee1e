"""Sorts' tuning script: trains one configuration of one model on one feature combination, for a
hyperparameter tuning job. SageMaker passes the tuned values as `--name value` (strings); this script
reads, for the model, exactly the parameters of its tuning ranges (models.MODEL_HYPERPARAMETERS),
converted to the range's type. It prints one metrics block (the tuner's objective is `fscore`) and
saves the model with the tuned values in its name, Sorts' `<class>-<f1>-<codes>-tune-<values>.joblib`.

usage (as SageMaker runs it): tune.py --model mlpclassifier --features SC,LC,CF --activation relu
       --solver adam [--folds 5] [--curve-points 30] [--rows 0] [--n-jobs -1]
"""
import csv
import os

from evaluation import (RESULT_HEADERS, Stopwatch, contract_parser, load_training_data, oversample, performance,
                        print_block, result_row, sample_rows, save_model, split_training_data)
from models import MODEL_HYPERPARAMETERS, build_model, codes_of, parse_codes


def typed(spec, text):
    """A hyperparameter string as its range's type (categorical values keep the type they were given)."""
    kind = spec[0]
    if kind == "Integer":
        return int(float(text))
    if kind == "Continuous":
        return float(text)
    for value in spec[1]:
        if str(value) == text:
            return value
    raise SystemExit(f"'{text}' is not one of {spec[1]}")


def main():
    parser = contract_parser(__doc__.splitlines()[0])
    parser.add_argument("--features", default="", help="feature codes of the combination (default: all nine)")
    for name in sorted({p for ranges in MODEL_HYPERPARAMETERS.values() for p in ranges}):
        parser.add_argument(f"--{name}")
    args, _ = parser.parse_known_args()

    clock = Stopwatch()
    ranges = MODEL_HYPERPARAMETERS.get(args.model, {})
    missing = [name for name in ranges if getattr(args, name) is None]
    if missing:
        raise SystemExit(f"tune.py --model {args.model} needs --{' --'.join(missing)}")
    params = {name: typed(spec, getattr(args, name)) for name, spec in ranges.items()}
    if args.model == "linearsvc" and params.get("loss") == "hinge":
        params["dual"] = True  # scikit-learn has no primal solver for the hinge loss
    features = parse_codes(args.features)
    frame = sample_rows(load_training_data(args.train), args.rows)
    x, y = oversample(*split_training_data(frame, features), mode=args.oversample)
    print(f"Tuning {args.model} on {codes_of(features)} with {params}; {len(frame)} rows", flush=True)

    metrics = performance(build_model(args.model, **params), x, y, args.folds, args.curve_points, args.n_jobs)
    model = build_model(args.model, **params).fit(x, y)
    values = "-".join(str(params[name]) for name in ranges)
    name = save_model(model, args.model_dir, features, metrics,
                      {"model": args.model, "class": type(model).__name__, "tuned": params, "rows": len(frame)},
                      suffix=f"-tune-{values}")
    os.makedirs(args.output_data_dir, exist_ok=True)
    with open(os.path.join(args.output_data_dir, f"{args.model}_tune_results.csv"), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(RESULT_HEADERS)
        writer.writerow(result_row(type(model).__name__, codes_of(features), metrics, values, clock.seconds()))
    print(f"Saved {name}")
    print_block(features, metrics, clock.seconds())


if __name__ == "__main__":
    main()
