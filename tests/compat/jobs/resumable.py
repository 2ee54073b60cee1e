"""A training loop that checkpoints: resumes from /opt/ml/checkpoints/step.txt when it exists,
writes the next step, then works for --seconds (long on the first attempt, short once resumed)."""
import argparse
import os
import time

parser = argparse.ArgumentParser()
parser.add_argument("--seconds", type=float, default=60)
parser.add_argument("--resumed-seconds", type=float, default=1)
args, _ = parser.parse_known_args()

path = "/opt/ml/checkpoints/step.txt"
step = 0
if os.path.exists(path):
    step = int(open(path).read())
    print(f"resumed from checkpoint {step}", flush=True)
else:
    print("starting from scratch", flush=True)
step += 1
tmp = path + ".tmp"
with open(tmp, "w") as handle:
    handle.write(str(step))
os.rename(tmp, path)
print(f"checkpoint {step} written", flush=True)
time.sleep(args.resumed_seconds if step > 1 else args.seconds)
os.makedirs("/opt/ml/model", exist_ok=True)
with open("/opt/ml/model/steps.txt", "w") as handle:
    handle.write(str(step))
print(f"done after step {step}", flush=True)
