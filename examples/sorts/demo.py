#!/usr/bin/env python3
"""`make demo`: the reduced Sorts pipeline end to end against a server of its own.

Starts `anneal serve` in a temporary home (8 instances at a time, so the tuning job's 8 trials run
together), writes the synthetic data set, runs launch.py --preset demo with the server's generated AWS
profile (the sagemaker SDK unmodified, telemetry off), prints the results and stops the server. The
first scikit-learn job creates the image's virtualenv in the new home (pip, about two minutes here);
the other jobs wait for it. Results stay in --out (default examples/sorts/demo-results).

usage: demo.py [--anneal PATH] [--out DIR] [--rows 20000] [--keep-home] [launch.py options ...]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "compat"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--anneal", default=str(ROOT / ".build" / "release" / "anneal"))
    parser.add_argument("--out", default=str(HERE / "demo-results"))
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the synthetic data set")
    parser.add_argument("--keep-home", action="store_true", help="leave the server's home for inspection")
    args, launch_args = parser.parse_known_args()
    os.environ["ANNEAL_BIN"] = args.anneal
    from anneal_harness import AnnealServer, clean_env  # reads ANNEAL_BIN

    started = time.time()
    home = Path(tempfile.mkdtemp(prefix="anneal-sorts-demo-"))
    server = AnnealServer(home / "home", extra_args=["--log-level", "warning", "--max-instances", "8"]).start()
    print(f"demo: anneal serve at {server.endpoint}, home {server.home}", flush=True)
    code = 1
    try:
        data = home / "binary_encoded_training_data.csv"
        subprocess.run([sys.executable, str(HERE / "make_dataset.py"), "--rows", str(args.rows), "--seed", "7",
                        "-o", str(data)], check=True)
        config = home / "sagemaker.yaml"
        config.write_text("SchemaVersion: '1.0'\nSageMaker:\n  PythonSDK:\n    Modules:\n      TelemetryOptOut: true\n")
        env = clean_env() | server.profile_env() | {"SAGEMAKER_USER_CONFIG_OVERRIDE": str(config),
                                                    "SAGEMAKER_SUPPRESS_V2_WARNING": "1"}
        code = subprocess.run([sys.executable, str(HERE / "launch.py"), "--preset", "demo", "--data", str(data),
                               "--out", args.out, *launch_args], env=env).returncode
    finally:
        server.stop(check=False)
        if code != 0:
            print(server.log_text()[-3000:])
        if args.keep_home:
            print(f"demo: server home kept at {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    print(f"demo: {'done' if code == 0 else 'FAILED'} in {time.time() - started:.0f} s", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
