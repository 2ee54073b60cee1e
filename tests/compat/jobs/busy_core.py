"""Keeps one core busy for a few seconds (the utilisation sampler should see about 100%), then
prints the share of a core it measured itself, so a test on a loaded machine can compare."""
import sys
import time

seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 6.0
start, cpu_start = time.time(), time.process_time()
spins = 0
while time.time() - start < seconds:
    spins += 1
share = (time.process_time() - cpu_start) / (time.time() - start) * 100
print(f"spins={spins} cpu_share={share:.1f};", flush=True)
