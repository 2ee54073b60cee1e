"""Fills /opt/ml/checkpoints with 256 MiB files (allocated, not written: fast) until it is stopped."""
import os
import time

index = 0
while True:
    path = f"/opt/ml/checkpoints/fill-{index}.bin"
    with open(path, "wb") as out:
        os.posix_fallocate(out.fileno(), 0, 256 << 20)
    print("wrote", path, flush=True)
    index += 1
    time.sleep(0.1)
