"""Allocates memory 128 MiB at a time (touching every page) until the instance's limit stops it."""
import sys

chunks = []
for step in range(1, 200):
    chunk = bytearray(128 << 20)
    for offset in range(0, len(chunk), 4096):
        chunk[offset] = 1
    chunks.append(chunk)
    print(f"allocated {step * 128} MiB", flush=True)
print("allocated everything: no memory limit", flush=True)
sys.exit(0)
