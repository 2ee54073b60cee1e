"""Fixtures that start a real `anneal serve` and point the real AWS clients at it."""
import os
import pytest

from anneal_harness import AnnealServer, make_self_signed_cert

# The tests configure the clients themselves: settings from the caller's environment (a CA bundle,
# a profile, an endpoint) must not leak in.
for _name in [n for n in os.environ if n.startswith("AWS_")]:
    del os.environ[_name]


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
