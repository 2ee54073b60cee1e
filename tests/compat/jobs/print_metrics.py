"""Prints algorithm metrics a second apart, the way MetricDefinitions regexes read them."""
import time

for epoch, loss in enumerate([0.9, 0.5, 0.25, 0.125]):
    print(f"epoch={epoch} loss={loss}; accuracy={1 - loss:.3f}", flush=True)
    time.sleep(1.2)
