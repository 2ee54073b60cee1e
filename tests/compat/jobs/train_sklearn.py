"""A scikit-learn training script in the SageMaker contract: CSV channel in, joblib model out."""
import argparse
import os

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import f1_score

parser = argparse.ArgumentParser()
parser.add_argument("--n-estimators", type=int, default=20)
parser.add_argument("--max-depth", type=int, default=4)
args, _ = parser.parse_known_args()

frame = pd.read_csv(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.csv"))
features, labels = frame.drop(columns=["label"]), frame["label"]
model = RandomForestClassifier(n_estimators=args.n_estimators, max_depth=args.max_depth, random_state=0)
model.fit(features, labels)
score = f1_score(labels, model.predict(features))
print(f"F1-Score: {score * 100:.2f}%", flush=True)
joblib.dump(model, os.path.join(os.environ["SM_MODEL_DIR"], "model.joblib"))
