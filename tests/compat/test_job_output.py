"""How a Python training script's output reaches its log stream: buffered and flushed every 50 ms
(the worker's sitecustomize) rather than written a line at a time, yet in order across standard
output and standard error, forked children, os._exit and subprocesses, readable mid-run within a
second; a job that sets PYTHONUNBUFFERED gets a write per line; a sitecustomize of the job's own
still runs."""
import io
import tarfile
import time
from pathlib import Path

from test_training_resilience import create, lines, wait

HERE = Path(__file__).resolve().parent
JOB_SITECUSTOMIZE = b'print("job sitecustomize ran")\n'
ORDER = ["order 1", "order 2", "order 3", "order 4", "order 5 (forked)", "order 6 (multiprocessing)",
         "order 7 (before a subprocess)", "order 8 (subprocess)"]


def upload(server):
    s3 = server.client("s3")
    try:
        s3.create_bucket(Bucket="output")
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(HERE / "jobs" / "output_order.py", arcname="output_order.py")
        info = tarfile.TarInfo("sitecustomize.py")
        info.size = len(JOB_SITECUSTOMIZE)
        archive.addfile(info, io.BytesIO(JOB_SITECUSTOMIZE))
    s3.put_object(Bucket="output", Key="code/output_order.py/sourcedir.tar.gz", Body=buffer.getvalue())
    s3.put_object(Bucket="output", Key="data/plain/a.csv", Body=b"1,2\n")


def script_lines(server, name):
    return [line for line in lines(server, name) if not line.startswith("[anneal]")]


def run_and_watch(server, name, **extra):
    """Runs the script; returns its lines and how long after printing the mid-run line was readable."""
    upload(server)
    create(server, name, "output_order.py", bucket="output", hyper={"pause": "3"}, **extra)
    deadline = time.time() + 120
    while time.time() < deadline:
        found = [line for line in script_lines(server, name) if line.startswith("mid-run at=")]
        if found:
            readable_after = time.time() - float(found[0].split("=", 1)[1])
            assert "order 9" not in script_lines(server, name), "the job was still sleeping"
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"{name}: no mid-run line: {lines(server, name)}")
    job = wait(server, name)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    return script_lines(server, name), readable_after


def test_buffered_output_keeps_its_order_and_shows_mid_run(server):
    got, readable_after = run_and_watch(server, "output-buffered")
    assert got[:2] == ["job sitecustomize ran", "buffered=True PYTHONUNBUFFERED="], got
    assert got[2:10] == ORDER, got
    assert got[10].startswith("mid-run at=") and got[11:] == ["order 9"], got
    assert readable_after < 1.0, f"the mid-run line was readable {readable_after:.2f} s after it was printed"


def test_pythonunbuffered_writes_a_line_at_a_time(server):
    got, readable_after = run_and_watch(server, "output-unbuffered", Environment={"PYTHONUNBUFFERED": "1"})
    assert got[:2] == ["job sitecustomize ran", "buffered=False PYTHONUNBUFFERED=1"], got
    assert got[2:10] == ORDER and got[11:] == ["order 9"], got
    assert readable_after < 1.0
