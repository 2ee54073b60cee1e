"""The web console in a real headless Chromium against a real `anneal serve`: sign-in (wrong secret,
throttling), a running job's live logs and metrics and its stop button, a finished tuning job and its
best trial, uploading, downloading and deleting an object, the other pages, a user without
permission, an ended session, sign-out, and HTML in tags, log lines and object keys shown as text.

Screenshots of every page go to $ANNEAL_TEST_ARTIFACTS (default tests/compat/artifacts/console)."""
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from anneal_harness import BINARY, AnnealServer, clean_env
from chromium_cdp import Browser

HERE = Path(__file__).resolve().parent
ARTIFACTS = Path(os.environ.get("ANNEAL_TEST_ARTIFACTS", HERE / "artifacts")) / "console"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
XSS_TAG = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def console_server(tmp_path_factory):
    srv = AnnealServer(tmp_path_factory.mktemp("anneal-console"), extra_args=["--worker-metrics-period", "1"])
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def data(console_server):
    """Code in S3 for the jobs, and a tuning job started at once so it is finished when its test runs."""
    s3 = console_server.client("s3")
    sm = console_server.client("sagemaker")
    s3.create_bucket(Bucket="console")
    for script in ("console_steps.py", "objective.py"):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            archive.add(HERE / "jobs" / script, arcname=script)
        s3.put_object(Bucket="console", Key=f"code/{script}/sourcedir.tar.gz", Body=buffer.getvalue())
    s3.put_object(Bucket="console", Key="data/train/x.csv", Body=b"1\n")
    channel = [{"ChannelName": "train", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": "s3://console/data/train/", "S3DataDistributionType": "FullyReplicated"}}}]
    tuning = "console-tune"
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=tuning,
        HyperParameterTuningJobConfig={
            "Strategy": "Random", "RandomSeed": 3,
            "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "validation:loss"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
            "ParameterRanges": {"ContinuousParameterRanges": [{"Name": "x", "MinValue": "-2", "MaxValue": "3"}],
                                "CategoricalParameterRanges": [{"Name": "kind", "Values": ["a", "b", "c"]}]}},
        TrainingJobDefinition={
            "StaticHyperParameters": {"sagemaker_program": json.dumps("objective.py"), "epochs": "2",
                                      "sagemaker_submit_directory": json.dumps("s3://console/code/objective.py/sourcedir.tar.gz")},
            "AlgorithmSpecification": {"TrainingImage": "anneal/python:3", "TrainingInputMode": "File",
                                       "MetricDefinitions": [{"Name": "validation:loss", "Regex": "validation-loss=([0-9.eE+-]+);"}]},
            "RoleArn": ROLE, "InputDataConfig": channel, "OutputDataConfig": {"S3OutputPath": "s3://console/output"},
            "HyperParameterTuningResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 300}})
    return {"s3": s3, "sm": sm, "channel": channel, "tuning": tuning}


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


def shot(browser, name):
    """Saves a screenshot, and checks the page's form fields each have a label."""
    path = browser.screenshot(ARTIFACTS / f"{name}.png")
    assert path.stat().st_size > 5000, f"{path} is too small to show a page"
    unlabelled = browser.evaluate("[...document.querySelectorAll('input, select')].filter(e => e.offsetParent !== null "
                                  "&& !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.outerHTML)")
    assert unlabelled == [], f"fields without a label on {name}: {unlabelled}"


def sign_in(browser, key, secret, expect_error=None, password=False):
    """Fills the sign-in form (an access key, or with `password` a user name and password) and
    submits it with the Enter key."""
    browser.wait_for("!document.getElementById('sign-in-layer').hidden", message="the sign-in form is not shown")
    browser.click("#method-password" if password else "#method-key")
    browser.type("#user-name" if password else "#access-key-id", key)
    browser.type("#password" if password else "#secret-access-key", secret)
    browser.press_enter()
    if expect_error:
        return browser.wait_for(f"(() => {{ const t = document.getElementById('sign-in-error').textContent; "
                                f"return t.includes({json.dumps(expect_error)}) ? t : ''; }})()", timeout=10)
    browser.wait_for("document.getElementById('sign-in-layer').hidden && !document.getElementById('top').hidden", timeout=10,
                     message="still not signed in")
    return None


def goto(browser, server, route):
    browser.evaluate(f"location.hash = {json.dumps(route)}")
    browser.pump(0.1)


def console_call(server, cookie, target, body=b"{}", csrf=None):
    request = urllib.request.Request(server.endpoint + "/console/api/json", data=body, method="POST",
                                     headers={"X-Console-Target": target, "Cookie": f"anneal_console={cookie}",
                                              **({"X-CSRF-Token": csrf} if csrf else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def session_cookie(browser):
    found = [c for c in browser.cookies() if c["name"] == "anneal_console"]
    return found[0] if found else None


# --- tests, in the order a person would use the console --------------------------------------------

def test_sign_in_refuses_a_wrong_secret_throttles_guessing_then_signs_in(console_server, data, browser):
    key, secret = console_server.admin_keys()
    browser.navigate(console_server.endpoint + "/console/")
    assert browser.evaluate("document.title") == "Anneal console"
    shot(browser, "01-sign-in")
    message = sign_in(browser, key, secret + "x", expect_error="wrong")
    assert "secret access key is wrong" in message
    # Guessing one key's secret is throttled after five failures, with a clear message.
    for _ in range(5):
        sign_in(browser, "AKIAGUESSEDKEY000000", "guess", expect_error="wrong")
    message = sign_in(browser, "AKIAGUESSEDKEY000000", "guess", expect_error="Too many failed sign-in attempts")
    assert "try again in" in message
    shot(browser, "02-sign-in-throttled")
    # The throttle is per key: the right secret for the real key still signs in.
    sign_in(browser, key, secret)
    cookie = session_cookie(browser)
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/console"
    assert browser.evaluate("document.cookie") == "", "the session cookie must be invisible to scripts"
    assert "admin" in browser.text("#who")
    browser.wait_for("document.querySelector('#jobs-results table, #jobs-results .empty')")
    # A reload keeps the session (the cookie), and the keyboard reaches the skip link, then the sections.
    browser.reload()
    browser.wait_for("document.querySelector('#jobs-results table, #jobs-results .empty')")
    assert browser.evaluate("document.getElementById('sign-in-layer').hidden"), "a reload lost the session"
    browser.press_tab()
    assert browser.evaluate("document.activeElement.className") == "skip"
    browser.press_tab()
    assert browser.evaluate("document.activeElement.textContent") == "Training jobs"
    shot(browser, "03-jobs-empty")


def test_a_running_job_shows_new_log_lines_and_metric_points_then_stops(console_server, data, browser):
    sm = data["sm"]
    name = f"console-live-{uuid.uuid4().hex[:6]}"
    sm.create_training_job(
        TrainingJobName=name, RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": "anneal/python:3", "TrainingInputMode": "File",
                                "MetricDefinitions": [{"Name": "train:loss", "Regex": "loss=([0-9.]+);"}]},
        HyperParameters={"sagemaker_program": json.dumps("console_steps.py"),
                         "sagemaker_submit_directory": json.dumps("s3://console/code/console_steps.py/sourcedir.tar.gz"),
                         "note": "<i>not markup</i>"},
        InputDataConfig=data["channel"], OutputDataConfig={"S3OutputPath": "s3://console/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30},
        StoppingCondition={"MaxRuntimeInSeconds": 600}, Tags=[{"Key": "owner", "Value": "team-a"}])
    arn = sm.describe_training_job(TrainingJobName=name)["TrainingJobArn"]
    # The API refuses markup in a tag value, as SageMaker does; the page must still show such a tag as
    # text should one reach the store another way, so the test puts it there directly.
    with pytest.raises(sm.exceptions.ClientError, match="ValidationException"):
        sm.add_tags(ResourceArn=arn, Tags=[{"Key": "xss", "Value": XSS_TAG}])
    with sqlite3.connect(console_server.home / "anneal.db", timeout=10) as db:
        db.execute("INSERT INTO resource_tags (resource_arn, key, value, position) VALUES (?, ?, ?, 99)", (arn, XSS_TAG, XSS_TAG))

    goto(browser, console_server, "#/jobs")
    browser.wait_for(f"[...document.querySelectorAll('#jobs-results a')].some(a => a.textContent === {json.dumps(name)})",
                     message="the new job is not in the list")
    shot(browser, "04-jobs-list")
    goto(browser, console_server, f"#/jobs/{name}")
    browser.evaluate("window.__sameDocument = true")
    lines = browser.wait_for("(() => { const n = document.querySelectorAll('#log-lines li').length; return n >= 3 ? n : 0; })()", timeout=60,
                             message="no log lines arrived")
    points = browser.wait_for("(() => { const c = document.querySelector('#metric-charts svg'); "
                              "const n = c ? Number(c.dataset.points) : 0; return n >= 2 ? n : 0; })()", timeout=60,
                              message="no metric points arrived")
    # More arrive while the page stays open: polling, not reloading.
    browser.wait_for(f"document.querySelectorAll('#log-lines li').length > {lines}", timeout=30, message="no new log lines appeared")
    browser.wait_for(f"Number((document.querySelector('#metric-charts svg') || {{dataset: {{}}}}).dataset.points) > {points}", timeout=30,
                     message="no new metric points appeared")
    assert browser.evaluate("window.__sameDocument === true"), "the page reloaded"
    browser.wait_for("document.querySelector('#utilisation-charts svg')", timeout=30, message="no utilisation chart")

    # HTML in a tag, a hyperparameter and a log line is shown as text, never run or parsed.
    browser.wait_for("document.querySelector('table.tags td')", message="tags not shown")
    assert XSS_TAG in browser.evaluate("[...document.querySelectorAll('table.tags td')].map(td => td.textContent).join('|')")
    texts = browser.evaluate("[...document.querySelectorAll('#log-lines li .text')].map(t => t.textContent)")
    assert '<img src=x onerror="alert(2)"><b>bold</b> <script>alert(3)</script>' in texts
    assert browser.evaluate("document.querySelectorAll('main script, main img, main b, main i').length") == 0
    assert "<i>not markup</i>" in browser.text("main")

    # Search filters the tail.
    browser.type("#log-search", "step 1:")
    shown = browser.wait_for("(() => { const n = [...document.querySelectorAll('#log-lines li')].filter(li => !li.hidden).length; "
                             "return n > 0 ? n : 0; })()")
    assert shown == 1 and "1 of" in browser.text("#log-count")
    browser.type("#log-search", "")
    shot(browser, "05-job-running")
    browser.set_viewport(390, 844, mobile=True)
    browser.pump(0.5)
    shot(browser, "06-job-running-phone")
    browser.send("Emulation.clearDeviceMetricsOverride")

    browser.click("#stop-job")
    browser.wait_for("document.querySelector('#confirm-stop')")
    browser.click("#confirm-stop")
    browser.wait_for("(document.querySelector('.job-header h1 .badge') || {}).textContent === 'Stopped'", timeout=60,
                     message="the job did not show as Stopped")
    assert sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"] == "Stopped"
    assert browser.evaluate("document.querySelector('#stop-job') === null")
    timeline = browser.text(".timeline")
    assert "Training" in timeline and "Stopped" in timeline
    shot(browser, "07-job-stopped")
    browser.pump(1)
    assert browser.dialogs == [], f"the page opened dialogs: {browser.dialogs}"


def test_a_finished_tuning_job_shows_its_trials_chart_and_best_trial(console_server, data, browser):
    sm = data["sm"]
    deadline = time.time() + 240
    while sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=data["tuning"])["HyperParameterTuningJobStatus"] != "Completed":
        assert time.time() < deadline, "the tuning job did not finish"
        time.sleep(1)
    described = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=data["tuning"])
    best = described["BestTrainingJob"]["TrainingJobName"]

    goto(browser, console_server, "#/tuning")
    browser.wait_for(f"[...document.querySelectorAll('#tuning-results a')].some(a => a.textContent === {json.dumps(data['tuning'])})")
    shot(browser, "08-tuning-list")
    goto(browser, console_server, f"#/tuning/{data['tuning']}")
    browser.wait_for("document.querySelector('#best-trial')", message="no best trial shown")
    assert browser.text("#best-trial") == best
    assert browser.wait_for("Number((document.querySelector('.chart:not(.parallel)') || {dataset: {}}).dataset.points)") >= 8  # 4 trials + best-so-far
    assert browser.evaluate("Number(document.querySelector('.chart.parallel').dataset.lines)") == 4
    assert browser.evaluate("document.getElementById('tuning-progress').value") == 4
    # Sorted by objective, lowest first (the objective is minimised), then highest first.
    objectives = "[...document.querySelectorAll('table.trials tbody tr')].map(tr => Number(tr.children[2].textContent))"
    values = browser.evaluate(objectives)
    assert len(values) == 4 and values == sorted(values)
    browser.click("table.trials th[aria-sort='ascending'] button")
    values = browser.wait_for(f"(() => {{ const v = {objectives}; return v[0] >= v[v.length - 1] ? v : null; }})()")
    assert values == sorted(values, reverse=True)
    shot(browser, "09-tuning-job")
    browser.click("#best-trial")
    browser.wait_for(f"(document.querySelector('.job-header h1') || {{}}).textContent === {json.dumps(best + ' Completed')}",
                     message="the best trial's page did not open")
    browser.wait_for("document.querySelectorAll('#artifacts a').length >= 1", timeout=30, message="no artifact links")
    shot(browser, "10-best-trial")


def test_upload_download_and_delete_an_object_with_html_in_its_key(console_server, data, browser, tmp_path):
    s3 = data["s3"]
    content = os.urandom(20000) + b"<script>alert(5)</script>"
    local = tmp_path / "payload.bin"
    local.write_bytes(content)
    key = "uploads/<img src=x onerror=alert(4)>.bin"

    goto(browser, console_server, "#/s3")
    browser.wait_for("[...document.querySelectorAll('#buckets a')].some(a => a.textContent === 'console')")
    shot(browser, "11-buckets")
    goto(browser, console_server, "#/s3/console")
    browser.wait_for("document.querySelector('#objects table')")
    browser.set_files("#upload-file", [local])
    browser.type("#upload-key", key)
    browser.click("#upload-form button[type=submit]")
    browser.wait_for("document.getElementById('object-status').textContent.startsWith('Uploaded')", timeout=30,
                     message=f"upload failed: {browser.text('#object-status')}")
    assert s3.get_object(Bucket="console", Key=key)["Body"].read() == content

    goto(browser, console_server, "#/s3/console?prefix=uploads%2F")
    browser.wait_for("[...document.querySelectorAll('#objects .key')].some(k => k.textContent === '<img src=x onerror=alert(4)>.bin')",
                     message="the uploaded key is not listed as text")
    assert browser.evaluate("document.querySelectorAll('#objects img').length") == 0
    shot(browser, "12-objects")
    browser.click("#objects a.download")
    assert browser.downloaded() == content

    browser.click("#objects button.danger")
    browser.wait_for("[...document.querySelectorAll('#objects button')].some(b => b.textContent === 'Yes, delete')")
    browser.evaluate("[...document.querySelectorAll('#objects button')].find(b => b.textContent === 'Yes, delete').click()")
    browser.wait_for("document.getElementById('object-status').textContent.startsWith('Deleted')", timeout=30)
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket="console", Key=key)
    assert browser.dialogs == []


def test_capacity_access_and_audit_pages(console_server, data, browser):
    goto(browser, console_server, "#/capacity")
    browser.wait_for("document.querySelector('#capacity table')")
    pools = browser.evaluate("[...document.querySelectorAll('#capacity table')[0].querySelectorAll('tbody tr td:first-child')].map(t => t.textContent)")
    assert {"spot", "on-demand"} <= set(pools), pools
    assert "console-tune" in browser.text("#capacity") or "console-live" in browser.text("#capacity")
    shot(browser, "13-capacity")

    goto(browser, console_server, "#/iam")
    browser.wait_for("document.querySelector('#iam-users table') && document.querySelector('#iam-keys table')")
    assert "admin" in browser.text("#iam-users")
    key, _ = console_server.admin_keys()
    assert key in browser.text("#iam-keys")
    shot(browser, "14-access")

    goto(browser, console_server, "#/audit")
    outcome = browser.wait_for("(() => { const b = document.getElementById('audit-events'); "
                               "if (b.querySelector('table')) return 'table'; const e = b.querySelector('.error-box'); "
                               "return e ? e.textContent : ''; })()")
    # The audit API may not be on this server yet: then the page must say so, not show nothing.
    assert outcome == "table" or "Not available on this server" in outcome, outcome
    shot(browser, "15-audit")


def test_a_user_without_permission_sees_which_action_is_missing(console_server, data, browser):
    iam = console_server.client("iam")
    iam.create_user(UserName="viewer")
    iam.put_user_policy(UserName="viewer", PolicyName="buckets-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:ListAllMyBuckets"], "Resource": "*"}]}))
    iam.create_login_profile(UserName="viewer", Password="correct horse battery")
    with pytest.raises(iam.exceptions.ClientError, match="PasswordPolicyViolation"):
        iam.update_login_profile(UserName="viewer", Password="short")

    browser.click("#sign-out")
    browser.wait_for("document.getElementById('sign-in-reason').textContent.includes('signed out')")
    message = sign_in(browser, "viewer", "wrong horse battery", expect_error="wrong", password=True)
    assert "user name or the password is wrong" in message
    sign_in(browser, "viewer", "correct horse battery", password=True)
    assert "viewer" in browser.text("#who")
    goto(browser, console_server, "#/jobs")
    denial = browser.wait_for("(document.querySelector('#jobs-results .denied') || {}).textContent")
    assert "Access denied" in denial and "sagemaker:ListTrainingJobs" in denial
    shot(browser, "16-denied-jobs")
    goto(browser, console_server, "#/s3")
    browser.wait_for("[...document.querySelectorAll('#buckets a')].some(a => a.textContent === 'console')",
                     message="what the user may do still works")
    goto(browser, console_server, "#/iam")
    denial = browser.wait_for("(document.querySelector('#iam-users .denied') || {}).textContent")
    assert "iam:ListUsers" in denial
    # The console cannot do more than the key: stopping a job is refused by the same IAM evaluation.
    cookie = session_cookie(browser)["value"]
    status, csrf_reply = _session(console_server, cookie)
    assert status == 200 and csrf_reply["User"] == "viewer"
    status, reply = console_call(console_server, cookie, "SageMaker.StopTrainingJob", b'{"TrainingJobName":"console-tune"}',
                                 csrf=csrf_reply["CsrfToken"])
    assert status == 400 and reply["__type"].endswith("AccessDeniedException") and "sagemaker:StopTrainingJob" in reply["message"]
    browser.click("#sign-out")
    browser.wait_for("!document.getElementById('sign-in-layer').hidden")


def _session(server, cookie):
    request = urllib.request.Request(server.endpoint + "/console/api/session", headers={"Cookie": f"anneal_console={cookie}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def sign_in_api(server, body):
    request = urllib.request.Request(server.endpoint + "/console/api/sign-in", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_the_cli_prints_the_address_and_sets_a_console_password(console_server):
    env = clean_env()
    out = subprocess.run([BINARY, "console", "--home", str(console_server.home)], capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 0 and out.stdout.strip() == console_server.endpoint + "/console/"
    console_server.client("iam").create_user(UserName="cli-user")
    for password in ("first password", "second password"):  # create, then update
        out = subprocess.run([BINARY, "console", "password", "cli-user", "--home", str(console_server.home)], input=password + "\n",
                             capture_output=True, text=True, env=env, timeout=30)
        assert out.returncode == 0, out.stderr
        assert "Console password set for cli-user" in out.stdout
    assert sign_in_api(console_server, {"UserName": "cli-user", "Password": "first password"})[0] == 401
    status, identity = sign_in_api(console_server, {"UserName": "cli-user", "Password": "second password"})
    assert status == 200 and identity["User"] == "cli-user"
    out = subprocess.run([BINARY, "console", "password", "no-such-user", "--home", str(console_server.home)], input="whatever long\n",
                         capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 1 and "NoSuchEntity" in out.stderr
    out = subprocess.run([BINARY, "console", "password", "cli-user", "--home", str(console_server.home)], input="short\n",
                         capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 1 and "PasswordPolicyViolation" in out.stderr


def test_an_ended_session_asks_to_sign_in_again_and_keeps_the_page(console_server, data, browser):
    key, secret = console_server.admin_keys()
    sign_in(browser, key, secret)
    goto(browser, console_server, "#/jobs")
    browser.wait_for("document.querySelector('#jobs-results table')")
    browser.type("#f-name", "half-typed filter")
    # The session ends on the server (as at its expiry): the next poll meets a 401.
    cookie = session_cookie(browser)["value"]
    status, identity = _session(console_server, cookie)
    assert status == 200
    request = urllib.request.Request(console_server.endpoint + "/console/api/sign-out", data=b"", method="POST",
                                     headers={"Cookie": f"anneal_console={cookie}", "X-CSRF-Token": identity["CsrfToken"]})
    urllib.request.urlopen(request, timeout=10).read()
    browser.wait_for("!document.getElementById('sign-in-layer').hidden", timeout=15, message="no sign-in prompt after the session ended")
    shot(browser, "17-session-ended")
    assert browser.evaluate("location.hash") == "#/jobs"
    sign_in(browser, key, secret)
    assert browser.evaluate("document.getElementById('f-name').value") == "half-typed filter", "what was typed was lost"
    browser.wait_for("document.querySelector('#jobs-results table a')", timeout=15, message="the page did not resume")


def test_markup_in_the_address_is_shown_as_text(console_server, data, browser):
    """Names taken from the address (a job, a bucket) reach the page, and the server's error
    messages that repeat them, as text."""
    payload = '<img src=x onerror="alert(7)">'
    goto(browser, console_server, "#/jobs/" + urllib.parse.quote(payload))
    browser.wait_for("document.querySelector('main .error-box')", message="no error for an unknown job")
    assert payload in browser.text("main .crumbs")
    goto(browser, console_server, "#/s3/" + urllib.parse.quote(payload))
    browser.wait_for("document.querySelector('#objects .error-box')", message="no error for an unknown bucket")
    assert payload in browser.text("main h1")
    browser.pump(0.5)
    assert browser.evaluate("document.querySelectorAll('main img').length") == 0
    assert browser.dialogs == []


def test_sign_out_ends_the_session(console_server, data, browser):
    cookie = session_cookie(browser)["value"]
    assert _session(console_server, cookie)[0] == 200
    browser.click("#sign-out")
    browser.wait_for("!document.getElementById('sign-in-layer').hidden")
    assert session_cookie(browser) is None
    assert _session(console_server, cookie)[0] == 401
    status, reply = console_call(console_server, cookie, "SageMaker.ListTrainingJobs")
    assert status == 401 and reply["__type"] == "ConsoleSignInRequired"
    shot(browser, "18-signed-out")
    # Nothing secret reached the server's log: secrets, passwords, cookies.
    log = (console_server.home / "serve.log").read_text(errors="replace")
    _, secret = console_server.admin_keys()
    assert "console_sign_in" in log and "outcome=refused" in log and "outcome=throttled" in log
    for secret_text in (secret, "horse battery", cookie):
        assert secret_text not in log
    assert browser.dialogs == [], f"the page opened dialogs: {browser.dialogs}"
    assert browser.exceptions == [], f"uncaught errors in the page: {browser.exceptions[:3]}"


def test_the_jobs_list_pages_on_the_server_with_a_thousand_jobs(fresh_server, browser):
    srv = fresh_server(extra_args=["--max-instances", "1"])
    sm = srv.client("sagemaker")
    for i in range(1000):
        sm.create_training_job(
            TrainingJobName=f"many-{i:04d}", RoleArn=ROLE,
            AlgorithmSpecification={"TrainingImage": "anneal/python:3", "TrainingInputMode": "File"},
            HyperParameters={"sagemaker_program": json.dumps("x.py"), "sagemaker_submit_directory": json.dumps("s3://absent/x.tar.gz")},
            OutputDataConfig={"S3OutputPath": "s3://absent/out"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
            StoppingCondition={"MaxRuntimeInSeconds": 60})
    key, secret = srv.admin_keys()
    browser.navigate(srv.endpoint + "/console/#/jobs?sort=Name&order=Descending")
    sign_in(browser, key, secret)
    names = "[...document.querySelectorAll('#jobs-results tbody tr td:first-child')].map(td => td.textContent)"
    browser.wait_for(f"{names}[0] === 'many-0999'")
    started = time.time()
    goto(browser, srv, "#/jobs?sort=Name&order=Ascending")
    browser.wait_for(f"{names}[0] === 'many-0000'")
    first_page = time.time() - started
    assert browser.evaluate(names) == [f"many-{i:04d}" for i in range(50)]
    # One page of 50 from the server, not the thousand jobs: well under a second here (0.1-0.4 s);
    # three allow for a loaded machine.
    assert first_page < 3, f"the first page took {first_page:.2f}s"
    browser.evaluate("[...document.querySelectorAll('.pager button')].find(b => b.textContent === 'Next page').click()")
    browser.wait_for("document.querySelector('#jobs-results caption').textContent === 'Page 2'")
    assert browser.evaluate(names) == [f"many-{i:04d}" for i in range(50, 100)]
    shot(browser, "19-jobs-thousand")
    browser.set_viewport(390, 844, mobile=True)
    browser.pump(0.5)
    shot(browser, "20-jobs-phone")
    browser.send("Emulation.clearDeviceMetricsOverride")
