"""Tries to see what a training job must not: Anneal's database and home, another job's files,
and to write outside /opt/ml. Records what it could do in the model."""
import json
import os
import socket

home = os.environ["PEEK_HOME"]
found = {}
for label, path in [("database", os.path.join(home, "anneal.db")), ("secret", os.path.join(home, "secret.key")),
                    ("other_job", os.path.join(home, "jobs", os.environ["PEEK_OTHER"]))]:
    found[label] = os.path.exists(path)
try:
    with open("/etc/anneal-sandbox-test", "w") as handle:
        handle.write("x")
    found["wrote_etc"] = True
except OSError:
    found["wrote_etc"] = False
found["hostname"] = socket.gethostname()
found["hosts"] = {host: socket.gethostbyname(host) for host in json.loads(os.environ["SM_HOSTS"])}
found["pid"] = os.getpid()
with open(os.path.join(os.environ["SM_MODEL_DIR"], f"peek-{os.environ['SM_CURRENT_HOST']}.json"), "w") as handle:
    json.dump(found, handle)
print(json.dumps(found), flush=True)
