"""A job for the console's browser tests: a log line carrying HTML, then a metric line every half
second for a couple of minutes (the test stops it long before)."""
import time

print('<img src=x onerror="alert(2)"><b>bold</b> <script>alert(3)</script>', flush=True)
for step in range(240):
    print(f"step {step}: loss={1.0 / (step + 1):.5f};", flush=True)
    time.sleep(0.5)
