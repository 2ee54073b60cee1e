"""Prints a line a second until stopped; on SIGTERM writes a model and exits (a graceful stop)."""
import os
import signal
import sys
import time


def stop(signum, frame):
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "partial.txt"), "w") as handle:
        handle.write("stopped gracefully\n")
    print("got SIGTERM, saved a partial model", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
step = 0
while True:
    print(f"step={step}", flush=True)
    step += 1
    time.sleep(0.5)
