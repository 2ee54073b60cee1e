"""The platform spine through the real clients: STS, SigV4, errors in each protocol, limits, TLS,
operations endpoints, shutdown and restart."""
import datetime
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import boto3
import botocore
import pytest
from botocore import UNSIGNED
from botocore.exceptions import ClientError

from anneal_harness import ROOT, clean_env

ARN = re.compile(r"^arn:aws:iam::\d{12}:user/admin$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def xml_code(body):
    root = ET.fromstring(body)
    return root.find(".//{*}Code").text


# --- the happy path, through the generated profile -----------------------------------------

def test_profile_works_with_boto3(server, monkeypatch):
    for name, value in server.profile_env().items():
        monkeypatch.setenv(name, value)
    session = boto3.Session()
    identity = session.client("sts").get_caller_identity()
    assert ARN.match(identity["Arn"]), identity
    assert re.fullmatch(r"[1-9]\d{11}", identity["Account"])
    assert identity["UserId"].startswith("AIDA")
    assert UUID.match(identity["ResponseMetadata"]["RequestId"])


def test_aws_cli_get_caller_identity(server):
    env = clean_env() | server.profile_env()
    aws = str(ROOT / ".venv" / "bin" / "aws")
    out = subprocess.run([aws, "sts", "get-caller-identity", "--output", "json"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert ARN.match(json.loads(out.stdout)["Arn"])


def test_generated_files_are_private(server):
    for name in ("aws/credentials", "aws/config", "secret.key"):
        mode = os.stat(server.home / name).st_mode & 0o777
        assert mode == 0o600, (name, oct(mode))
    # the database holds no secret in clear text
    _, secret = server.admin_keys()
    assert secret.encode() not in (server.home / "anneal.db").read_bytes()


# --- authentication failures, each with the code the client parses --------------------------

def test_wrong_secret(server):
    key, _ = server.admin_keys()
    with pytest.raises(ClientError) as e:
        server.client("sts", key=key, secret="x" * 40).get_caller_identity()
    assert error_code(e) == "SignatureDoesNotMatch"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unknown_key(server):
    with pytest.raises(ClientError) as e:
        server.client("sts", key="AKIAAAAAAAAAAAAAAAAA", secret="y" * 40).get_caller_identity()
    assert error_code(e) == "InvalidClientTokenId"


def test_missing_authentication(server):
    with pytest.raises(ClientError) as e:
        server.client("sts", signature_version=UNSIGNED).get_caller_identity()
    assert error_code(e) == "MissingAuthenticationToken"


def test_skewed_clock(server, python_signers):
    monkeypatch = python_signers
    skewed = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: skewed.replace(tzinfo=None))
    with pytest.raises(ClientError) as e:
        server.client("sts").get_caller_identity()
    assert error_code(e) == "SignatureDoesNotMatch"
    assert "expired" in e.value.response["Error"]["Message"].lower() or "skew" in e.value.response["Error"]["Message"].lower()


def test_s3_authentication_errors(server, python_signers):
    monkeypatch = python_signers
    # S3 names the same failures in its own terms.
    key, _ = server.admin_keys()
    with pytest.raises(ClientError) as e:
        server.client("s3", key=key, secret="x" * 40).list_buckets()
    assert error_code(e) == "SignatureDoesNotMatch"
    with pytest.raises(ClientError) as e:
        server.client("s3", key="AKIAAAAAAAAAAAAAAAAA", secret="y" * 40).list_buckets()
    assert error_code(e) == "InvalidAccessKeyId"
    with pytest.raises(ClientError) as e:
        server.client("s3", signature_version=UNSIGNED).list_buckets()
    assert error_code(e) == "AccessDenied"
    skewed = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: skewed.replace(tzinfo=None))
    with pytest.raises(ClientError) as e:
        server.client("s3").list_buckets()
    assert error_code(e) == "RequestTimeTooSkewed"


def test_presigned_url_valid_then_expired(server):
    sts = server.client("sts")
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=1, HttpMethod="GET")
    status, _, body = server.send_url(url)
    assert status == 200, body
    assert ARN.match(ET.fromstring(body).find(".//{*}Arn").text)
    time.sleep(2.2)
    status, _, body = server.send_url(url)
    assert status == 403
    assert xml_code(body) == "SignatureDoesNotMatch"
    # a tampered presigned URL fails too
    fresh = sts.generate_presigned_url("get_caller_identity", ExpiresIn=600, HttpMethod="GET")
    status, _, body = server.send_url(fresh.replace("X-Amz-Expires=600", "X-Amz-Expires=601"))
    assert status == 403 and xml_code(body) == "SignatureDoesNotMatch"


# --- protocol errors --------------------------------------------------------------------------

def json_request(server, target, body):
    return server.signed("POST", service="sagemaker", body=body, headers={
        "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})


def test_malformed_json(server):
    status, headers, body = server.send(json_request(server, "SageMaker.ListTrainingJobs", b"{not json"))
    assert status == 400
    assert json.loads(body)["__type"] == "SerializationException"
    assert UUID.match(headers["x-amzn-RequestId"])


def test_unknown_target(server):
    status, _, body = server.send(json_request(server, "SageMaker.NoSuchOperation", b"{}"))
    assert status == 400
    assert json.loads(body)["__type"] == "UnknownOperationException"
    status, _, body = server.send(json_request(server, "NoSuchService_2020.Op", b"{}"))
    assert status == 400
    assert json.loads(body)["__type"] == "UnknownOperationException"


def test_unknown_query_action(server):
    prepared = server.signed("POST", body=b"Action=NoSuchAction&Version=2011-06-15",
                             headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    status, headers, body = server.send(prepared)
    assert status == 400
    assert xml_code(body) == "InvalidAction"
    assert UUID.match(headers["x-amzn-RequestId"])


def test_oversized_headers_get_431(server):
    reply = server.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 431"), reply[:100]
    assert server.healthy()


def test_oversized_body_gets_413_before_upload(server):
    body = b"Action=GetCallerIdentity&Version=2011-06-15&Pad=" + b"a" * (11 * 1024 * 1024)
    prepared = server.signed("POST", body=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    head = f"POST / HTTP/1.1\r\nHost: {server.endpoint.split('://')[1]}\r\nContent-Length: {len(body)}\r\n"
    for name, value in prepared.headers.items():
        if name.lower() not in ("content-length", "host"):
            head += f"{name}: {value}\r\n"
    started = time.time()
    reply = server.raw((head + "\r\n").encode(), read_timeout=5)
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert time.time() - started < 4, "the 413 must come without waiting for the body"
    assert server.healthy()


def test_garbage_bytes_do_not_hurt(server):
    for junk in (b"\x00\xff\xfe garbage \x01\x02\r\n\r\n", b"GET\r\n\r\n", b"HELLO / HTTP/9.9\r\n\r\n",
                 os.urandom(4096)):
        reply = server.raw(junk, read_timeout=2)
        if reply:
            status = int(reply.split(b" ", 2)[1])
            # 505 is HTTP's own answer to an unknown protocol version (no AWS client sends one).
            assert 400 <= status < 500 or (status == 505 and b"HTTP/9.9" in junk), reply[:100]
    assert server.healthy()


def test_slow_client_is_timed_out(fresh_server):
    srv = fresh_server(extra_args=["--connection-timeout", "2"])
    host, port = srv.host_port
    started = time.time()
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")   # never finishes its headers
        data = sock.recv(100)
    elapsed = time.time() - started
    assert data == b"" or data.startswith(b"HTTP/1.1 4"), data
    assert 1.5 <= elapsed < 8, elapsed
    assert srv.healthy()


# --- operations endpoints, logs and metrics ---------------------------------------------------

def test_healthz_and_metrics(server):
    server.client("sts").get_caller_identity()
    status, _, body = server.get("/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    status, headers, body = server.get("/metrics")
    assert status == 200
    text = body.decode()
    assert re.search(r'anneal_requests_total\{service="sts",operation="GetCallerIdentity",status="200"\} [1-9]', text)
    assert re.search(r'anneal_request_duration_seconds_bucket\{service="sts",operation="GetCallerIdentity",le="\+Inf"\} [1-9]', text)
    assert re.search(r"anneal_database_bytes [1-9]", text)
    assert "anneal_requests_in_flight" in text


def test_one_log_line_per_request_and_no_secrets(server):
    sts = server.client("sts")
    rid = sts.get_caller_identity()["ResponseMetadata"]["RequestId"]
    time.sleep(0.1)
    log = (server.home / "serve.log").read_text()
    lines = [l for l in log.splitlines() if f"request_id={rid}" in l]
    assert len(lines) == 1, lines
    line = lines[0]
    for field in ("event=request", "method=POST", "service=sts", "operation=GetCallerIdentity", "status=200", "duration_ms="):
        assert field in line, line
    _, secret = server.admin_keys()
    assert secret not in log
    assert "Signature=" not in log and "X-Amz-Signature" not in log


# --- shutdown and restart ----------------------------------------------------------------------

def test_graceful_shutdown_finishes_in_flight_request(fresh_server):
    srv = fresh_server()
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    prepared = srv.signed("POST", body=body, headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    host, port = srv.host_port
    head = f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
    for name, value in prepared.headers.items():
        if name.lower() not in ("content-length", "host"):
            head += f"{name}: {value}\r\n"
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall((head + "\r\n").encode() + body[:10])
        time.sleep(0.3)
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert srv.proc.poll() is None, "the server must wait for the request in flight"
        sock.sendall(body[10:])
        reply = b""
        while True:
            data = sock.recv(65536)
            if not data:
                break
            reply += data
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    assert b"GetCallerIdentityResponse" in reply
    assert srv.proc.wait(timeout=10) == 0
    # and it no longer accepts connections
    with pytest.raises(OSError):
        socket.create_connection((host, port), timeout=2).close()


def test_restart_and_kill9_keep_identity(fresh_server, tmp_path):
    srv = fresh_server()
    first = srv.client("sts").get_caller_identity()
    keys = srv.admin_keys()
    srv.kill9()
    restarted = type(srv)(srv.home)
    restarted.start()
    try:
        assert restarted.admin_keys() == keys
        second = restarted.client("sts").get_caller_identity()
        assert second["Arn"] == first["Arn"] and second["Account"] == first["Account"]
    finally:
        restarted.stop()


def test_usage_errors_exit_64(tmp_path):
    from anneal_harness import BINARY
    out = subprocess.run([BINARY, "serve", "--port", "99999", "--home", str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 64 and "--port" in out.stderr
    out = subprocess.run([BINARY, "serve", "--bogus"], capture_output=True, text=True)
    assert out.returncode == 64 and "unknown option --bogus" in out.stderr
    out = subprocess.run([BINARY, "serve", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "--tls-cert" in out.stdout


# --- TLS -----------------------------------------------------------------------------------------

def test_tls_profile_and_signatures(tls_server, python_signers):
    monkeypatch = python_signers
    assert tls_server.endpoint.startswith("https://")
    config = (tls_server.home / "aws" / "config").read_text()
    assert "ca_bundle = " in config and "endpoint_url = https://" in config
    with monkeypatch.context() as patch:
        for name, value in tls_server.profile_env().items():
            patch.setenv(name, value)
        identity = boto3.Session().client("sts").get_caller_identity()
    assert ARN.match(identity["Arn"])
    key, _ = tls_server.admin_keys()
    with pytest.raises(ClientError) as e:
        tls_server.client("sts", key=key, secret="z" * 40).get_caller_identity()
    assert error_code(e) == "SignatureDoesNotMatch"
    with pytest.raises(ClientError) as e:
        tls_server.client("sts", key="AKIABBBBBBBBBBBBBBBB", secret="z" * 40).get_caller_identity()
    assert error_code(e) == "InvalidClientTokenId"
    url = tls_server.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
    status, _, body = tls_server.send_url(url)
    assert status == 200 and b"GetCallerIdentityResult" in body
    with pytest.raises(ClientError) as e:
        tls_server.client("sts", signature_version=UNSIGNED).get_caller_identity()
    assert error_code(e) == "MissingAuthenticationToken"
    skewed = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: skewed.replace(tzinfo=None))
    with pytest.raises(ClientError) as e:
        tls_server.client("sts").get_caller_identity()
    assert error_code(e) == "SignatureDoesNotMatch"


def test_tls_aws_cli(tls_server):
    env = clean_env() | tls_server.profile_env()
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "aws"), "sts", "get-caller-identity"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert ARN.match(json.loads(out.stdout)["Arn"])


def test_per_ip_connection_limit(fresh_server):
    srv = fresh_server(extra_args=["--per-ip-connection-limit", "2"])
    host, port = srv.host_port
    held = [socket.create_connection((host, port), timeout=5) for _ in range(2)]
    for sock in held:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # incomplete: the connection stays busy
    time.sleep(0.2)
    with socket.create_connection((host, port), timeout=5) as extra:
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            data = extra.recv(100)
        except ConnectionResetError:
            data = b""
    assert data == b"", "a third connection from the same address must be refused"
    for sock in held:
        sock.close()
    time.sleep(0.2)
    assert srv.healthy()
