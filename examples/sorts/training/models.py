"""Sorts' training constants: the model families, their defaults, their tuning ranges, the features.

Mirrors Sorts' `training/constants.py` (see examples/sorts/README.md). scikit-learn is imported only
when a model is built, so the launcher (which has the sagemaker SDK but no scikit-learn) can read the
ranges and feature codes from this same file.
"""
import importlib

# Git features, in the order of the data set's columns, each with the two-letter code Sorts uses in
# result rows and model file names. `extension` is not combined: its binary-encoded columns
# (extension_0..extension_10) are appended to every combination.
FEATURES = {
    "num_commits": "CM",
    "num_unique_authors": "AU",
    "file_age": "FA",
    "midnight_commits": "MC",
    "risky_commits": "RC",
    "seldom_contributors": "SC",
    "num_lines": "LC",
    "busy_file": "BF",
    "commit_frequency": "CF",
}
CODES = {code: name for name, code in FEATURES.items()}
EXTENSION_BITS = 11
LABEL = "is_vuln"
COLUMNS = [LABEL, *FEATURES, *(f"extension_{i}" for i in range(EXTENSION_BITS))]

# Model key (the class name lower-cased, as Sorts passes it in the `model` hyperparameter) ->
# (module, class). Sorts' newest list also has LightGBM and XGBoost, which the SageMaker
# scikit-learn image does not ship; every family scikit-learn itself provides is here.
MODELS = {
    "adaboostclassifier": ("sklearn.ensemble", "AdaBoostClassifier"),
    "gradientboostingclassifier": ("sklearn.ensemble", "GradientBoostingClassifier"),
    "histgradientboostingclassifier": ("sklearn.ensemble", "HistGradientBoostingClassifier"),
    "kneighborsclassifier": ("sklearn.neighbors", "KNeighborsClassifier"),
    "linearsvc": ("sklearn.svm", "LinearSVC"),
    "logisticregression": ("sklearn.linear_model", "LogisticRegression"),
    "mlpclassifier": ("sklearn.neural_network", "MLPClassifier"),
    "randomforestclassifier": ("sklearn.ensemble", "RandomForestClassifier"),
}

# Sorts' MODELS_DEFAULTS: random_state=42 for every model that takes one (not KNN).
MODELS_DEFAULTS = {
    "adaboostclassifier": {"random_state": 42},
    "gradientboostingclassifier": {"random_state": 42},
    "histgradientboostingclassifier": {"random_state": 42},
    "kneighborsclassifier": {},
    "linearsvc": {"random_state": 42, "dual": False},
    "logisticregression": {"random_state": 42, "max_iter": 2000},
    "mlpclassifier": {"random_state": 42, "max_iter": 500},
    "randomforestclassifier": {"random_state": 42},
}

# Sorts runs these on on-demand instances (ON_DEMAND_NEEDED); every other model trains on spot.
ON_DEMAND_NEEDED = {"gradientboostingclassifier", "kneighborsclassifier", "mlpclassifier"}

# Sorts' MODEL_HYPERPARAMETERS as (kind, ...) tuples the launcher turns into sagemaker.tuner ranges:
# ("Integer", low, high), ("Continuous", low, high, scaling), ("Categorical", [values]).
# Two of Sorts' ranges cannot train and are corrected here: HistGradientBoosting's max_leaf_nodes=0
# (scikit-learn wants >= 2; dropped) and LinearSVC's loss=hinge with dual=False (tune.py switches to
# the dual solver for it).
MODEL_HYPERPARAMETERS = {
    "adaboostclassifier": {"algorithm": ("Categorical", ["SAMME", "SAMME.R"]), "n_estimators": ("Integer", 40, 60)},
    "gradientboostingclassifier": {"n_estimators": ("Integer", 105, 115),
                                   "learning_rate": ("Continuous", 0.01, 0.06, "Logarithmic")},
    "histgradientboostingclassifier": {"max_leaf_nodes": ("Categorical", [5, 25, 50, 100, 250, 500]),
                                       "learning_rate": ("Continuous", 0.1, 1.0, "Logarithmic")},
    "kneighborsclassifier": {"algorithm": ("Categorical", ["auto", "ball_tree", "kd_tree", "brute"]),
                             "n_neighbors": ("Integer", 4, 9)},
    "linearsvc": {"loss": ("Categorical", ["hinge", "squared_hinge"]),
                  "multi_class": ("Categorical", ["ovr", "crammer_singer"])},
    "logisticregression": {"solver": ("Categorical", ["lbfgs", "sag", "saga", "liblinear", "newton-cg"])},
    "mlpclassifier": {"activation": ("Categorical", ["relu", "tanh", "identity", "logistic"]),
                      "solver": ("Categorical", ["lbfgs", "sgd", "adam"])},
    "randomforestclassifier": {"n_estimators": ("Integer", 40, 60), "max_depth": ("Integer", 3, 6)},
}

# The metric regexes SageMaker scrapes from the job log (Sorts' SAGEMAKER_METRIC_DEFINITIONS).
METRIC_DEFINITIONS = [
    {"Name": "precision", "Regex": "Precision: (.*?)%"},
    {"Name": "recall", "Regex": "Recall: (.*?)%"},
    {"Name": "fscore", "Regex": "F1-Score: (.*?)%"},
    {"Name": "accuracy", "Regex": "Accuracy: (.*?)%"},
    {"Name": "overfit", "Regex": "Overfit: (.*?)%"},
]


def build_model(key, **params):
    """A fresh estimator for a model key, with Sorts' defaults under `params`."""
    if key not in MODELS:
        raise SystemExit(f"unknown model '{key}': one of {', '.join(sorted(MODELS))}")
    module, name = MODELS[key]
    cls = getattr(importlib.import_module(module), name)
    return cls(**{**MODELS_DEFAULTS[key], **params})


def parse_codes(text):
    """Feature names from a code list such as "SC,LC,CF" or "sc-lc-cf" (empty: all nine)."""
    codes = [c.strip().upper() for c in text.replace("-", ",").replace(" ", ",").split(",") if c.strip()]
    unknown = [c for c in codes if c not in CODES]
    if unknown:
        raise SystemExit(f"unknown feature code(s) {unknown}: codes are {', '.join(CODES)}")
    names = [CODES[c] for c in codes] if codes else list(FEATURES)
    return [name for name in FEATURES if name in names]  # the data set's order


def codes_of(names):
    """"SC LC CF" for a feature tuple, as Sorts writes it in result rows."""
    return " ".join(FEATURES[name] for name in names)
