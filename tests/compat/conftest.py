"""Fixtures that start a real `anneal serve` and point the real AWS clients at it."""
import os
import pytest

from anneal_harness import AnnealServer, make_self_signed_cert

# The tests configure the clients themselves: settings from the caller's environment (a CA bundle,
# a profile, an endpoint) must not leak in.
for _name in [n for n in os.environ if n.startswith("AWS_")]:
    del os.environ[_name]


@pytest.fixture(scope="session", autouse=True)
def executor():
    """ANNEAL_EXECUTOR=slurm: every server of the session runs its workers on a local Slurm
    cluster (scripts/slurm-local) instead of this machine's processes."""
    if os.environ.get("ANNEAL_EXECUTOR", "local") != "slurm":
        yield "local"
        return
    import anneal_harness
    from slurm_local import SlurmLocal
    cluster = SlurmLocal().start()
    anneal_harness.EXECUTOR_ARGS = cluster.serve_args
    yield "slurm"
    anneal_harness.EXECUTOR_ARGS = None
    cluster.stop()
    cluster.cleanup()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    srv = AnnealServer(tmp_path_factory.mktemp("anneal-home"))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def tls_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("anneal-tls")
    cert, key = make_self_signed_cert(base)
    srv = AnnealServer(base / "home", extra_args=["--tls-cert", str(cert), "--tls-key", str(key)])
    srv.cert = cert
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture()
def fresh_server(tmp_path):
    """A server of the test's own, for tests that stop, kill or restart it."""
    servers = []

    def start(**kwargs):
        srv = AnnealServer(tmp_path / f"home{len(servers)}", **kwargs)
        srv.start()
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.stop(check=False)


@pytest.fixture()
def python_signers(monkeypatch):
    """botocore's pure-Python SigV4 signers even where awscrt is installed (its CRT signers read the
    clock themselves), so tests can sign at another time by patching botocore.auth.get_current_datetime."""
    import botocore.auth as auth
    for name, signer in {"v4": auth.SigV4Auth, "v4-query": auth.SigV4QueryAuth,
                         "s3v4": auth.S3SigV4Auth, "s3v4-query": auth.S3SigV4QueryAuth}.items():
        monkeypatch.setitem(auth.AUTH_TYPE_MAPS, name, signer)
    return monkeypatch
