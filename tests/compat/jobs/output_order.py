"""Prints through every path a training script's output takes: print, logging (standard error), a
forked child leaving by os._exit, a multiprocessing child, a subprocess; then a line mid-run, a
pause, a last line."""
import argparse
import logging
import multiprocessing
import os
import subprocess
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--pause", type=float, default=3)
args = parser.parse_args()
logging.basicConfig(level=logging.INFO, format="%(message)s")
print(f"buffered={not sys.stdout.write_through} PYTHONUNBUFFERED={os.environ.get('PYTHONUNBUFFERED', '')}")
print("order 1")
logging.info("order 2")
print("order 3")
sys.stderr.write("order 4\n")
if os.fork() == 0:
    print("order 5 (forked)")
    os._exit(0)
os.wait()


def child():
    print("order 6 (multiprocessing)")


process = multiprocessing.get_context("fork").Process(target=child)
process.start()
process.join()
print("order 7 (before a subprocess)")
subprocess.run(["echo", "order 8 (subprocess)"], check=True)
print(f"mid-run at={time.time():.3f}")
time.sleep(args.pause)
print("order 9")
