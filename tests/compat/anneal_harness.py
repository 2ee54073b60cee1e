"""Starting and stopping a real `anneal serve`, and signing raw requests with botocore."""
import configparser
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
BINARY = os.environ.get("ANNEAL_BIN", str(ROOT / ".build" / "release" / "anneal"))


# Set by conftest when the tests run against another executor (ANNEAL_EXECUTOR=slurm): given a
# server's home, the flags that configure it.
EXECUTOR_ARGS = None


class AnnealServer:
    def __init__(self, home, extra_args=None, port=0):
        self.home = Path(home)
        self.extra_args = (EXECUTOR_ARGS(self.home) if EXECUTOR_ARGS else []) + list(extra_args or [])
        self.port = port
        self.proc = None
        self.endpoint = None
        self.cert = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, timeout=30):
        self.home.mkdir(parents=True, exist_ok=True)
        endpoint_file = self.home / "endpoint"
        if endpoint_file.exists():
            endpoint_file.unlink()
        self.log = open(self.home / "serve.log", "ab")
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--home", str(self.home), "--port", str(self.port), *self.extra_args],
            stdout=self.log, stderr=self.log, env=clean_env())
        deadline = time.time() + timeout
        while time.time() < deadline:
            if endpoint_file.exists():
                self.endpoint = endpoint_file.read_text().strip()
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"anneal serve exited with {self.proc.returncode}:\n{self.log_text()}")
            time.sleep(0.02)
        raise RuntimeError(f"anneal serve did not start in {timeout}s:\n{self.log_text()}")

    def stop(self, check=True, sig=signal.SIGTERM, timeout=40):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        if check:
            assert code == 0, f"anneal serve exited with {code}:\n{self.log_text()}"
        return code

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def log_text(self):
        try:
            return (self.home / "serve.log").read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    # -- what the generated profile says -----------------------------------------------------
    def profile_env(self):
        return {
            "AWS_CONFIG_FILE": str(self.home / "aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.home / "aws" / "credentials"),
            "AWS_PROFILE": "anneal",
        }

    def admin_keys(self):
        creds = configparser.ConfigParser()
        creds.read(self.home / "aws" / "credentials")
        return creds["anneal"]["aws_access_key_id"], creds["anneal"]["aws_secret_access_key"]

    def region(self):
        config = configparser.ConfigParser()
        config.read(self.home / "aws" / "config")
        return config["profile anneal"]["region"]

    def client(self, service, key=None, secret=None, **config):
        ak, sk = self.admin_keys()
        if service == "s3":
            config.setdefault("signature_version", "s3v4")  # presigned URLs too (botocore's S3 default is SigV2 there)
        return boto3.session.Session().client(
            service, endpoint_url=self.endpoint, region_name=self.region(),
            aws_access_key_id=key or ak, aws_secret_access_key=secret or sk,
            verify=str(self.cert) if self.cert else None,
            config=Config(retries={"max_attempts": 1, "mode": "standard"}, **config))

    @property
    def host_port(self):
        hostport = self.endpoint.split("://", 1)[1]
        host, port = hostport.rsplit(":", 1)
        return host, int(port)

    # -- raw requests ---------------------------------------------------------------------------
    def signed(self, method, path="/", service="sts", body=b"", headers=None, key=None, secret=None,
               timestamp=None):
        """A request signed by botocore's own SigV4 signer (optionally at another time)."""
        ak, sk = self.admin_keys()
        request = botocore.awsrequest.AWSRequest(method=method, url=self.endpoint + path, data=body,
                                                 headers=dict(headers or {}))
        signer = botocore.auth.SigV4Auth(botocore.credentials.Credentials(key or ak, secret or sk),
                                         service, self.region())
        if timestamp is not None:
            original = botocore.auth.get_current_datetime
            botocore.auth.get_current_datetime = lambda: timestamp
            try:
                signer.add_auth(request)
            finally:
                botocore.auth.get_current_datetime = original
        else:
            signer.add_auth(request)
        return request.prepare()

    def send(self, prepared, timeout=10):
        """Sends a prepared request; returns (status, headers, body) without raising on errors."""
        req = urllib.request.Request(prepared.url, data=prepared.body or None, method=prepared.method,
                                     headers=dict(prepared.headers))
        return urlopen(req, timeout=timeout, cafile=self.cert)

    def send_url(self, url, timeout=10):
        return urlopen(urllib.request.Request(url), timeout=timeout, cafile=self.cert)

    def get(self, path, timeout=5):
        return urlopen(urllib.request.Request(self.endpoint + path), timeout=timeout, cafile=self.cert)

    def healthy(self):
        try:
            return self.get("/healthz")[0] == 200
        except OSError:
            return False

    def raw(self, payload, read_timeout=5):
        """Writes raw bytes on a fresh socket and returns what comes back until close/timeout."""
        host, port = self.host_port
        with socket.create_connection((host, port), timeout=read_timeout) as sock:
            sock.sendall(payload)
            chunks = []
            try:
                while True:
                    data = sock.recv(65536)
                    if not data:
                        break
                    chunks.append(data)
            except (socket.timeout, ConnectionResetError):
                pass
            return b"".join(chunks)


def urlopen(req, timeout=10, cafile=None):
    import ssl
    import urllib.error
    context = ssl.create_default_context(cafile=str(cafile)) if cafile else None
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def clean_env():
    env = dict(os.environ)
    for name in list(env):
        if name.startswith("AWS_") or name.startswith("ANNEAL_"):
            del env[name]
    return env


def make_self_signed_cert(directory):
    directory = Path(directory)
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True)
    return cert, key



# -- S3 helpers (checksums botocore computes only with awscrt, signed raw S3 requests, files) ------

def _reflected_table(poly, width):
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C_TABLE = _reflected_table(0x82F63B78, 32)
_CRC64NVME_TABLE = _reflected_table(0x9A6C9329AC4BC9B5, 64)


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC32C_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def crc64nvme(data):
    crc = 0xFFFFFFFFFFFFFFFF
    for byte in data:
        crc = _CRC64NVME_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFFFFFFFFFF


def checksum_b64(algorithm, data):
    """The value of x-amz-checksum-<algorithm> for `data`, as S3 sends it (base64 of the digest)."""
    import base64
    import hashlib
    import zlib
    algorithm = algorithm.upper()
    if algorithm == "CRC32":
        digest = zlib.crc32(data).to_bytes(4, "big")
    elif algorithm == "CRC32C":
        digest = crc32c(data).to_bytes(4, "big")
    elif algorithm == "CRC64NVME":
        digest = crc64nvme(data).to_bytes(8, "big")
    else:
        digest = hashlib.new(algorithm.lower(), data).digest()
    return base64.b64encode(digest).decode()


def s3_signed(server, method, path, body=b"", headers=None, **kwargs):
    """A SigV4-signed S3 request; x-amz-content-sha256 is the body's digest unless `headers` sets it."""
    import hashlib
    headers = dict(headers or {})
    if not any(name.lower() == "x-amz-content-sha256" for name in headers):
        headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
    return server.signed(method, path, service="s3", body=body, headers=headers, **kwargs)


def files_under(path):
    """Every regular file below `path`, as paths relative to it."""
    path = Path(path)
    return {p.relative_to(path) for p in path.rglob("*") if p.is_file()}
