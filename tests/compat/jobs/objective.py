"""A cheap training script for tuning tests: its loss is a known function of the hyperparameters
(x, y continuous; kind categorical; depth integer), printed once per epoch as the loss converges to
its final value, the way a training loop prints a validation metric."""
import argparse
import math
import time

parser = argparse.ArgumentParser()
parser.add_argument("--x", type=float, default=0.0)
parser.add_argument("--y", type=float, default=0.0)
parser.add_argument("--kind", default="a")
parser.add_argument("--depth", type=int, default=1)
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--sleep", type=float, default=0.0)
args, _ = parser.parse_known_args()

final = (args.x - 1.0) ** 2 + (args.y + 0.5) ** 2 + {"a": 0.0, "b": 0.5, "c": 1.0}.get(args.kind, 2.0) + 0.1 * abs(args.depth - 3)
for epoch in range(1, args.epochs + 1):
    value = final + 2.0 / epoch - 2.0 / args.epochs
    print(f"epoch {epoch}: validation-loss={value:.6f};", flush=True)
    time.sleep(args.sleep)
