"""A training loop that checkpoints after every step: resumes from /opt/ml/checkpoints/step.txt,
prints each step, and on SIGTERM (a stop or a spot interruption notice) finishes the step it is in,
says where it stopped and exits, as a well-behaved spot training script does."""
import argparse
import os
import signal
import time

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=20)
parser.add_argument("--step-seconds", type=float, default=0.5)
args, _ = parser.parse_known_args()

stop = False


def on_term(signum, frame):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
path = "/opt/ml/checkpoints/step.txt"
step = 0
if os.path.exists(path):
    step = int(open(path).read())
    print(f"resumed at step {step}", flush=True)
else:
    print("starting at step 0", flush=True)
while step < args.steps:
    time.sleep(args.step_seconds)
    step += 1
    tmp = path + ".tmp"
    with open(tmp, "w") as handle:
        handle.write(str(step))
    os.rename(tmp, path)
    print(f"checkpoint {step}", flush=True)
    if stop:
        print(f"stopping at checkpoint {step}", flush=True)
        raise SystemExit(0)
os.makedirs("/opt/ml/model", exist_ok=True)
with open("/opt/ml/model/steps.txt", "w") as handle:
    handle.write(str(step))
print(f"done after step {step}", flush=True)
