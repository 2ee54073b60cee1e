"""Saves the credentials the platform gave the job into the model, for tests that check what a
job's session may do."""
import json
import os

os.makedirs("/opt/ml/model", exist_ok=True)
with open("/opt/ml/model/credentials.json", "w") as handle:
    json.dump({name: os.environ.get(name) for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                                                       "AWS_REGION", "AWS_ENDPOINT_URL")}, handle)
print("has session token:", bool(os.environ.get("AWS_SESSION_TOKEN")), flush=True)
