"""A training script written for SageMaker, using only the standard library: reads the `train`
channel, prints metrics the way the platform's regexes expect, writes a model and output data."""
import argparse
import csv
import json
import os
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=1)
parser.add_argument("--rate", type=float, default=0.1)
parser.add_argument("--name", type=str, default="none")
parser.add_argument("--fail", type=str, default="no")
args = parser.parse_args()

env = {key: value for key, value in os.environ.items() if key.startswith("SM_") or key == "TRAINING_JOB_NAME"}
train_dir = os.environ["SM_CHANNEL_TRAIN"]
rows = []
for folder, _, files in sorted(os.walk(train_dir)):
    for name in sorted(files):
        with open(os.path.join(folder, name)) as handle:
            rows += list(csv.reader(handle))
print(f"rows={len(rows)} epochs={args.epochs} rate={args.rate} name={args.name}", flush=True)
if args.fail == "yes":
    with open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w") as handle:
        handle.write("ValueError: the data was refused on purpose")
    sys.exit(3)
total = sum(float(row[0]) for row in rows)
for epoch in range(args.epochs):
    print(f"epoch={epoch} train_loss={1.0 / (epoch + 1):.4f};", flush=True)
print(f"F1-Score: {total:.2f}%", flush=True)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w") as handle:
    json.dump({"total": total, "rows": len(rows), "env": env,
               "config": json.load(open("/opt/ml/input/config/hyperparameters.json"))
               if os.path.exists("/opt/ml/input/config/hyperparameters.json") else None}, handle)
os.makedirs(os.environ["SM_OUTPUT_DATA_DIR"], exist_ok=True)
with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "report.txt"), "w") as handle:
    handle.write("done\n")
