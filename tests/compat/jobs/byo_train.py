"""A bring-your-own-container `train` program: no sagemaker_program, no toolkit. It reads the
contract files SageMaker writes (hyperparameters.json with plain string values, the channel under
/opt/ml/input/data) and writes /opt/ml/model, as a custom image's `train` would."""
import json
import os

config = "/opt/ml/input/config"
hyperparameters = json.load(open(os.path.join(config, "hyperparameters.json")))
channels = json.load(open(os.path.join(config, "inputdataconfig.json")))
rows = 0
for folder, _, files in os.walk("/opt/ml/input/data/train"):
    for name in files:
        rows += sum(1 for line in open(os.path.join(folder, name)) if line.strip())
print(f"byo train: rows={rows} epochs={hyperparameters.get('epochs')} mode={os.environ.get('BYO_MODE')}", flush=True)
with open("/opt/ml/model/model.json", "w") as handle:
    json.dump({"rows": rows, "hyperparameters": hyperparameters, "channels": sorted(channels),
               "mode": os.environ.get("BYO_MODE"), "job": os.environ.get("TRAINING_JOB_NAME")}, handle)
