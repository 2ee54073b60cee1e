"""What train.py and tune.py share: the SageMaker contract's arguments, loading the training channel,
Sorts' cross-validated metrics and overfit score, the log block the metric regexes read, and saving a
model the way Sorts names it.
"""
import argparse
import json
import os
import time

import joblib
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, cross_validate, learning_curve

from models import EXTENSION_BITS, FEATURES, LABEL

RESULT_HEADERS = ["Model", "Features", "Precision", "Recall", "F1", "Accuracy", "Overfit", "TunedParams", "Time"]


def contract_parser(description):
    """The arguments every SageMaker scikit-learn script reads: where data, model and output live
    (from the SM_* variables the platform sets), the model key, and the knobs of a reduced run."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--output-data-dir", default=os.environ.get("SM_OUTPUT_DATA_DIR", "output"))
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "model"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    parser.add_argument("--model", required=True, help="model key, e.g. randomforestclassifier")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (Sorts: 5)")
    parser.add_argument("--curve-points", type=int, default=30,
                        help="learning-curve train sizes for the overfit score (Sorts: 30)")
    parser.add_argument("--rows", type=int, default=0, help="use a stratified sample of this many rows (0: all)")
    parser.add_argument("--n-jobs", type=int, default=-1, help="processes for the folds (Sorts: -1, every core)")
    parser.add_argument("--oversample", default="auto", choices=["auto", "off"],
                        help="random oversampling of the minority class, as Sorts' RandomOverSampler (auto: "
                             "only when the classes are unbalanced)")
    return parser


def load_training_data(directory):
    """Every CSV in the channel directory, concatenated (Sorts' load_training_data)."""
    paths = sorted(os.path.join(directory, name) for name in os.listdir(directory) if not name.startswith("."))
    if not paths:
        raise SystemExit(f"no training data in {directory}")
    return pd.concat([pd.read_csv(path) for path in paths], ignore_index=True)


def sample_rows(frame, rows, seed=42):
    """A stratified sample of `rows` rows (the whole frame when rows is 0 or more than it holds)."""
    if not rows or rows >= len(frame):
        return frame
    share = rows / len(frame)
    parts = [group.sample(n=max(1, round(len(group) * share)), random_state=seed) for _, group in frame.groupby(LABEL)]
    return pd.concat(parts).sort_index()


def split_training_data(frame, features):
    """X (the chosen features plus every extension_* column) and y (the label), rows with gaps dropped."""
    columns = list(features) + [c for c in frame.columns if c.startswith("extension_")]
    data = frame[[LABEL] + columns].dropna()
    return data[columns].to_numpy(dtype=float), data[LABEL].to_numpy(dtype=int)


def oversample(x, y, mode="auto", seed=42):
    """Random oversampling of the minority class to balance, then a shuffle (Sorts' newest version uses
    imbalanced-learn's RandomOverSampler and sklearn.utils.shuffle, both with random_state=42; the
    scikit-learn image has no imbalanced-learn, so this is the same idea with numpy). As in Sorts it
    runs before cross-validation, so duplicated positives can sit on both sides of a fold."""
    counts = np.bincount(y, minlength=2)
    if mode == "off" or counts.min() == 0 or counts[0] == counts[1]:
        return x, y
    rng = np.random.default_rng(seed)
    minority = int(np.argmin(counts))
    extra = rng.choice(np.flatnonzero(y == minority), size=int(counts.max() - counts.min()), replace=True)
    order = rng.permutation(len(y) + len(extra))
    return np.concatenate([x, x[extra]])[order], np.concatenate([y, y[extra]])[order]


def is_overfit(train_scores, test_scores):
    """Sorts' overfit score, in percent: the relative gap (train - test) / train of the mean F1 at each
    learning-curve size; the mean gap over the first window of 4 consecutive steps that each change the
    gap by less than 0.002 (the curve has settled), or over all sizes when it never settles."""
    train = np.asarray(train_scores, dtype=float).mean(axis=1)
    test = np.asarray(test_scores, dtype=float).mean(axis=1)
    gaps = np.where(train > 0, (train - test) / np.where(train > 0, train, 1), 0.0)
    for start in range(len(gaps) - 4):
        window = gaps[start:start + 5]
        if np.all(np.abs(np.diff(window)) < 0.002):
            return float(window.mean() * 100)
    return float(gaps.mean() * 100)


def performance(model, x, y, folds, curve_points, n_jobs):
    """Cross-validated precision, recall, F1 and accuracy (mean over stratified folds, in percent) and
    the overfit score from a learning curve of `curve_points` sizes: Sorts' get_model_performance_metrics,
    5 + 5 x 30 = 155 fits per combination with its defaults."""
    cv = StratifiedKFold(n_splits=folds)
    scores = cross_validate(model, x, y, cv=cv, scoring=["precision", "recall", "f1", "accuracy"], n_jobs=n_jobs,
                            error_score="raise")
    metrics = {name: float(np.mean(scores[f"test_{name}"]) * 100) for name in ("precision", "recall", "f1", "accuracy")}
    _, train_scores, test_scores = learning_curve(model, x, y, cv=cv, scoring="f1", n_jobs=n_jobs,
                                                  train_sizes=np.linspace(0.1, 1.0, curve_points))
    metrics["overfit"] = is_overfit(train_scores, test_scores)
    return metrics


def print_block(features, metrics, seconds):
    """The lines the metric regexes read, one metric a line, raw floats (as Sorts prints them)."""
    print(f"Training time: {seconds:.2f}")
    print(f"Features: {tuple(features)}")
    print(f"Precision: {metrics['precision']}%")
    print(f"Recall: {metrics['recall']}%")
    print(f"F1-Score: {metrics['f1']}%")
    print(f"Accuracy: {metrics['accuracy']}%")
    print(f"Overfit: {metrics['overfit']}%", flush=True)


def result_row(model_class, codes, metrics, tuned, seconds):
    return [model_class, codes, round(metrics["precision"], 3), round(metrics["recall"], 3), round(metrics["f1"], 3),
            round(metrics["accuracy"], 3), round(metrics["overfit"], 3), tuned, round(seconds, 3)]


def model_file_name(model_class, f1, features, suffix=""):
    """`mlpclassifier-77.4-sc-lc-cf.joblib`: Sorts' name for a saved model."""
    parts = [model_class.lower(), f"{f1:.1f}"] + [FEATURES[name].lower() for name in features]
    return "-".join(parts) + suffix + ".joblib"


def save_model(model, model_dir, features, metrics, summary, suffix=""):
    """Dumps the fitted model with the attributes Sorts' predictor reads (feature_names, precision,
    recall) into the model directory (SageMaker packs it as model.tar.gz), and a best.json that says
    what it is, for the launcher."""
    model.feature_names = list(features)
    model.extension_columns = [f"extension_{i}" for i in range(EXTENSION_BITS)]
    model.precision = metrics["precision"]
    model.recall = metrics["recall"]
    os.makedirs(model_dir, exist_ok=True)
    name = model_file_name(type(model).__name__, metrics["f1"], features, suffix)
    joblib.dump(model, os.path.join(model_dir, name))
    with open(os.path.join(model_dir, "best.json"), "w") as handle:
        json.dump({"model_file": name, "features": list(features),
                   "codes": [FEATURES[f] for f in features], "metrics": metrics, **summary}, handle, indent=2)
    return name


class Stopwatch:
    """Seconds since it was made (wall clock, as Sorts' `Training time`)."""

    def __init__(self):
        self.started = time.time()

    def seconds(self):
        return time.time() - self.started
