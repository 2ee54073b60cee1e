"""For the warm pool tests: prints the channel files it sees, what the warm pool cache holds from a
previous job on the same instance (then leaves its own mark there), and the version of `tinywarm`,
a package its requirements.txt installs."""
import os

root = os.environ["SM_CHANNEL_TRAIN"]
for directory, _, files in sorted(os.walk(root)):
    for name in sorted(files):
        path = os.path.join(directory, name)
        print("file", os.path.relpath(path, root), open(path).read().strip(), flush=True)
cache = os.environ.get("SAGEMAKER_MANAGED_WARMPOOL_CACHE_DIRECTORY")  # set only for jobs that keep a warm pool
if cache:
    marker = os.path.join(cache, "marker")
    print("cache", cache, "marker", open(marker).read() if os.path.exists(marker) else "none", flush=True)
    with open(marker, "w") as out:
        out.write(os.environ["TRAINING_JOB_NAME"])
else:
    print("cache none", flush=True)
import tinywarm  # noqa: E402

print("tinywarm", tinywarm.VERSION, flush=True)
with open("/opt/ml/model/model.txt", "w") as out:
    out.write("ok")
