"""A single-node Slurm cluster for the tests (scripts/slurm-local), and the `anneal serve` flags
that point the Slurm executor at it."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "slurm-local"


class SlurmLocal:
    def __init__(self, user="root", options=()):
        self.user = user
        # More `slurm-local start` options (e.g. --cloud-nodes 3: nodes under Slurm's power saving).
        self.options = list(options)
        # munge and slurmrestd (users munge and slurm) must reach the directory: not under pytest's 0700 tmp.
        self.dir = Path(tempfile.mkdtemp(prefix="anneal-slurm-", dir="/tmp"))
        os.chmod(self.dir, 0o755)
        self.values = {}

    def start(self):
        out = subprocess.run([str(SCRIPT), "start", "--dir", str(self.dir), "--user", self.user, *self.options],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"scripts/slurm-local start failed ({out.returncode}):\n{out.stdout}\n{out.stderr}\n{self.logs()}")
        self.values = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
        return self

    def stop(self):
        subprocess.run([str(SCRIPT), "stop", "--dir", str(self.dir)], capture_output=True, text=True, timeout=120)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self):
        return self.values["SLURM_URL"]

    @property
    def conf(self):
        return self.values["SLURM_CONF"]

    @property
    def token_file(self):
        return self.values["SLURM_TOKEN_FILE"]

    def token(self, user):
        out = subprocess.run([str(SCRIPT), "token", "--dir", str(self.dir), "--user", user], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    def env(self):
        return {**os.environ, "SLURM_CONF": self.conf}

    def run(self, *args, check=True):
        out = subprocess.run(list(args), capture_output=True, text=True, env=self.env(), timeout=60)
        if check:
            assert out.returncode == 0, f"{args}: {out.stdout}\n{out.stderr}"
        return out

    def serve_args(self, home, **overrides):
        """The `anneal serve` flags of a server whose workers run on this cluster."""
        settings = {"executor": "slurm", "slurm-url": self.url, "slurm-user": self.user, "slurm-token-file": self.token_file,
                    # One node, the server's machine: the node-local directory is the server's home, laid out as the local executor's.
                    "slurm-node-dir": str(home),
                    "slurm-poll": "0.5"}
        settings.update(overrides)
        args = []
        for key, value in settings.items():
            if value is not None:
                args += [f"--{key}", str(value)]
        return args

    def logs(self):
        text = []
        for path in sorted((self.dir / "log").glob("*.log")):
            text.append(f"--- {path.name}\n" + path.read_text(errors="replace")[-3000:])
        return "\n".join(text)
