"""CloudWatch Logs through the real clients: groups and streams, PutLogEvents, the sagemaker SDK's
DescribeLogStreams / GetLogEvents loop, FilterLogEvents paging and `aws logs tail --follow`."""
import json
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from anneal_harness import ROOT, clean_env

AWS = str(ROOT / ".venv" / "bin" / "aws")
SAGEMAKER_GROUP = "/aws/sagemaker/TrainingJobs"


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def now_ms():
    return int(time.time() * 1000)


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def logs(server):
    return server.client("logs")


@pytest.fixture()
def group(logs):
    name = "/anneal/test/" + unique("g")
    logs.create_log_group(logGroupName=name)
    yield name
    try:
        logs.delete_log_group(logGroupName=name)
    except ClientError:
        pass


def put(logs, group, stream, messages, at=None):
    base = now_ms() if at is None else at
    return logs.put_log_events(logGroupName=group, logStreamName=stream,
                               logEvents=[{"timestamp": base + i, "message": m} for i, m in enumerate(messages)])


# --- groups and streams ---------------------------------------------------------------------

def test_groups_streams_and_their_errors(logs, group):
    with pytest.raises(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=group)
    found = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert [g["logGroupName"] for g in found] == [group]
    assert found[0]["arn"].endswith(f":log-group:{group}:*") and found[0]["creationTime"] > 0

    logs.put_retention_policy(logGroupName=group, retentionInDays=14)
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 14
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.put_retention_policy(logGroupName=group, retentionInDays=4)
    logs.delete_retention_policy(logGroupName=group)
    assert "retentionInDays" not in logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]

    with pytest.raises(logs.exceptions.ResourceNotFoundException) as missing:
        logs.create_log_stream(logGroupName=group + "-nope", logStreamName="s")
    assert missing.value.response["Error"]["Message"] == "The specified log group does not exist."
    for i in range(7):
        logs.create_log_stream(logGroupName=group, logStreamName=f"job/algo-{i}")
    with pytest.raises(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_stream(logGroupName=group, logStreamName="job/algo-0")

    paginator = logs.get_paginator("describe_log_streams")
    names = [s["logStreamName"] for page in paginator.paginate(logGroupName=group, logStreamNamePrefix="job/",
                                                              PaginationConfig={"PageSize": 3})
             for s in page["logStreams"]]
    assert names == [f"job/algo-{i}" for i in range(7)]
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.describe_log_streams(logGroupName=group, logStreamNamePrefix="job/", orderBy="LastEventTime")
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.describe_log_streams(logGroupName=group + "-nope")

    put(logs, group, "job/algo-3", ["latest"], at=now_ms() + 10)
    put(logs, group, "job/algo-5", ["earlier"], at=now_ms() - 1000)
    ordered = logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True)["logStreams"]
    assert [s["logStreamName"] for s in ordered[:2]] == ["job/algo-3", "job/algo-5"]
    assert ordered[0]["lastEventTimestamp"] >= ordered[1]["lastEventTimestamp"]

    groups = [g["logGroupName"] for page in logs.get_paginator("describe_log_groups").paginate(
        logGroupNamePrefix="/anneal/test/", PaginationConfig={"PageSize": 1}) for g in page["logGroups"]]
    assert group in groups

    logs.delete_log_group(logGroupName=group)
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.delete_log_group(logGroupName=group)


def test_put_log_events_accepts_unsorted_batches_and_reports_rejected_events(logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = now_ms()
    reply = logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[
        {"timestamp": now - 15 * 86_400_000, "message": "too old"},
        {"timestamp": now + 2, "message": "second"},
        {"timestamp": now + 1, "message": "first"},
        {"timestamp": now + 3 * 3_600_000, "message": "too new"},
    ])
    assert reply["nextSequenceToken"]
    assert reply["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 0, "tooNewLogEventStartIndex": 3}
    events = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True)["events"]
    assert [e["message"] for e in events] == ["first", "second"]
    assert all(e["ingestionTime"] >= now for e in events)

    with pytest.raises(logs.exceptions.InvalidParameterException) as large:
        logs.put_log_events(logGroupName=group, logStreamName="s",
                            logEvents=[{"timestamp": now, "message": "x" * 262_144}] * 4)
    assert "Upload too large" in large.value.response["Error"]["Message"]
    with pytest.raises(logs.exceptions.InvalidParameterException):
        logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=[{"timestamp": now, "message": "x" * 262_145}])
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        put(logs, group, "nope", ["a"])


# --- what the sagemaker SDK does while a job runs ------------------------------------------------

def sdk_log_stream(client, group, stream, start_time=0, skip=0):
    """The SDK's `log_stream`: GetLogEvents from the head until a page is empty, skipping what was shown."""
    next_token = None
    event_count = 1
    while event_count > 0:
        token_arg = {"nextToken": next_token} if next_token is not None else {}
        response = client.get_log_events(logGroupName=group, logStreamName=stream, startTime=start_time,
                                          startFromHead=True, **token_arg)
        next_token = response["nextForwardToken"]
        events = response["events"]
        event_count = len(events)
        if event_count > skip:
            events = events[skip:]
            skip = 0
        else:
            skip -= event_count
            events = []
        yield from events


def test_the_sagemaker_sdk_log_loop(server):
    client = server.client("logs")
    job = unique("sk-job")
    # Before the job has a stream (or the group exists at all), the SDK swallows ResourceNotFoundException.
    try:
        client.describe_log_streams(logGroupName=SAGEMAKER_GROUP, logStreamNamePrefix=job + "/", orderBy="LogStreamName", limit=1)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ResourceNotFoundException"
    try:
        client.create_log_group(logGroupName=SAGEMAKER_GROUP)
    except client.exceptions.ResourceAlreadyExistsException:
        pass
    stream = f"{job}/algo-1-{int(time.time())}"
    client.create_log_stream(logGroupName=SAGEMAKER_GROUP, logStreamName=stream)
    streams = client.describe_log_streams(logGroupName=SAGEMAKER_GROUP, logStreamNamePrefix=job + "/",
                                          orderBy="LogStreamName", limit=1)["logStreams"]
    assert [s["logStreamName"] for s in streams] == [stream]

    base = now_ms()
    lines = [f"line {i}" for i in range(25_000)]  # more than one 10,000-event page
    for start in range(0, len(lines), 10_000):
        client.put_log_events(logGroupName=SAGEMAKER_GROUP, logStreamName=stream,
                              logEvents=[{"timestamp": base + i // 100, "message": lines[i]}
                                         for i in range(start, min(start + 10_000, len(lines)))])
    shown = [e["message"] for e in sdk_log_stream(client, SAGEMAKER_GROUP, stream)]
    assert shown == lines

    # The raw token loop: the end gives an empty page with the same token, stable while idle,
    # and lines appended later come at that token.
    first = client.get_log_events(logGroupName=SAGEMAKER_GROUP, logStreamName=stream, startTime=0, startFromHead=True)
    token = first["nextForwardToken"]
    while True:
        page = client.get_log_events(logGroupName=SAGEMAKER_GROUP, logStreamName=stream, startTime=0, startFromHead=True,
                                     nextToken=token)
        if not page["events"]:
            assert page["nextForwardToken"] == token
            break
        token = page["nextForwardToken"]
    again = client.get_log_events(logGroupName=SAGEMAKER_GROUP, logStreamName=stream, startTime=0, startFromHead=True,
                                  nextToken=token)
    assert again["events"] == [] and again["nextForwardToken"] == token
    last_ts = base + (len(lines) - 1) // 100
    client.put_log_events(logGroupName=SAGEMAKER_GROUP, logStreamName=stream,
                          logEvents=[{"timestamp": last_ts, "message": "same ms as the last"},
                                     {"timestamp": last_ts + 5, "message": "later"}])
    fresh = client.get_log_events(logGroupName=SAGEMAKER_GROUP, logStreamName=stream, startTime=0, startFromHead=True,
                                  nextToken=token)
    assert [e["message"] for e in fresh["events"]] == ["same ms as the last", "later"]
    assert fresh["nextForwardToken"] != token

    # The SDK's next poll restarts at the last timestamp shown, skipping the events it showed there.
    shown_at_last = sum(1 for i in range(len(lines)) if base + i // 100 == last_ts)
    resumed = [e["message"] for e in sdk_log_stream(client, SAGEMAKER_GROUP, stream, start_time=last_ts, skip=shown_at_last)]
    assert resumed == ["same ms as the last", "later"]

    # Without startFromHead: the newest events.
    tail = client.get_log_events(logGroupName=SAGEMAKER_GROUP, logStreamName=stream, limit=3)
    assert [e["message"] for e in tail["events"]] == ["line 24999", "same ms as the last", "later"]


def test_the_sagemaker_sdk_own_log_iterator(server):
    """`sagemaker.logs.multi_stream_iter` itself (SDK v2), where it is installed: two hosts, polled
    twice with the SDK's positions, then once more after a line lands in a millisecond already shown."""
    try:
        from sagemaker.logs import Position, multi_stream_iter
    except Exception as error:  # not installed, or SDK v3 (no sagemaker.logs)
        pytest.skip(f"sagemaker<3 is not importable: {error}")
    client = server.client("logs")
    try:
        client.create_log_group(logGroupName=SAGEMAKER_GROUP)
    except client.exceptions.ResourceAlreadyExistsException:
        pass
    job = unique("sdk-iter")
    streams = [f"{job}/algo-{host}-{int(time.time())}" for host in (1, 2)]
    base = now_ms()
    for stream in streams:
        client.create_log_stream(logGroupName=SAGEMAKER_GROUP, logStreamName=stream)
        for start in (0, 6_000):
            client.put_log_events(logGroupName=SAGEMAKER_GROUP, logStreamName=stream,
                                  logEvents=[{"timestamp": base + i // 3, "message": f"{stream} {i}"}
                                             for i in range(start, start + 6_000)])
    positions = {s: Position(timestamp=0, skip=0) for s in streams}

    def poll():
        shown = []
        for index, event in multi_stream_iter(client, SAGEMAKER_GROUP, streams, positions):
            shown.append(event["message"])
            stream, ts = streams[index], event["timestamp"]
            same = ts == positions[stream].timestamp
            positions[stream] = Position(timestamp=ts, skip=positions[stream].skip + 1 if same else 1)
        return shown

    first = poll()
    assert len(first) == 24_000 and sorted(first) == sorted(f"{s} {i}" for s in streams for i in range(12_000))
    assert poll() == []
    client.put_log_events(logGroupName=SAGEMAKER_GROUP, logStreamName=streams[0],
                          logEvents=[{"timestamp": base + 11_999 // 3, "message": "late, same millisecond"}])
    assert poll() == ["late, same millisecond"]


# --- FilterLogEvents and the CLI --------------------------------------------------------------------

def test_filter_log_events_interleaves_and_paginates(logs, group):
    for stream in ("job/algo-1", "job/algo-2"):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    base = now_ms()
    logs.put_log_events(logGroupName=group, logStreamName="job/algo-1",
                        logEvents=[{"timestamp": base + 2 * i, "message": f"a{i} loss={i}"} for i in range(50)])
    logs.put_log_events(logGroupName=group, logStreamName="job/algo-2",
                        logEvents=[{"timestamp": base + 2 * i + 1, "message": f"b{i} ERROR" if i % 10 == 0 else f"b{i}"}
                                   for i in range(50)])
    pages = list(logs.get_paginator("filter_log_events").paginate(logGroupName=group, interleaved=True,
                                                                     PaginationConfig={"PageSize": 7}))
    events = [e for page in pages for e in page["events"]]
    assert len(pages) > 10
    assert [e["message"].split()[0] for e in events] == [f"{s}{i}" for i in range(50) for s in ("a", "b")]
    assert [e["logStreamName"] for e in events[:2]] == ["job/algo-1", "job/algo-2"]
    assert len({e["eventId"] for e in events}) == 100
    errors = logs.filter_log_events(logGroupName=group, filterPattern="ERROR", logStreamNamePrefix="job/")["events"]
    assert [e["message"] for e in errors] == [f"b{i} ERROR" for i in range(0, 50, 10)]
    phrase = logs.filter_log_events(logGroupName=group, filterPattern='"loss=4"', logStreamNames=["job/algo-1"])["events"]
    assert [e["message"] for e in phrase] == ["a4 loss=4", "a40 loss=40", "a41 loss=41", "a42 loss=42", "a43 loss=43",
                                              "a44 loss=44", "a45 loss=45", "a46 loss=46", "a47 loss=47", "a48 loss=48",
                                              "a49 loss=49"]
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.filter_log_events(logGroupName=group + "-nope")


def aws_cli(server, *args, check=True):
    out = subprocess.run([AWS, *args, "--output", "json"], env=clean_env() | server.profile_env(),
                         capture_output=True, text=True, timeout=60)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def test_aws_cli_logs_commands(server):
    group = "/anneal/cli/" + unique("g")
    aws_cli(server, "logs", "create-log-group", "--log-group-name", group)
    again = aws_cli(server, "logs", "create-log-group", "--log-group-name", group, check=False)
    assert again.returncode != 0 and "ResourceAlreadyExistsException" in again.stderr
    aws_cli(server, "logs", "create-log-stream", "--log-group-name", group, "--log-stream-name", "s")
    now = now_ms()
    events = json.dumps([{"timestamp": now + i, "message": f"hello {i}"} for i in range(3)])
    put_reply = json.loads(aws_cli(server, "logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "s",
                                   "--log-events", events).stdout)
    assert put_reply["nextSequenceToken"]
    got = json.loads(aws_cli(server, "logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "s",
                             "--start-from-head").stdout)
    assert [e["message"] for e in got["events"]] == ["hello 0", "hello 1", "hello 2"]
    assert got["nextForwardToken"].startswith("f/") and got["nextBackwardToken"].startswith("b/")
    streams = json.loads(aws_cli(server, "logs", "describe-log-streams", "--log-group-name", group).stdout)
    assert streams["logStreams"][0]["lastEventTimestamp"] == now + 2
    filtered = json.loads(aws_cli(server, "logs", "filter-log-events", "--log-group-name", group,
                                  "--filter-pattern", "hello", "--page-size", "1").stdout)
    assert [e["message"] for e in filtered["events"]] == ["hello 0", "hello 1", "hello 2"]
    groups = json.loads(aws_cli(server, "logs", "describe-log-groups", "--log-group-name-prefix", group).stdout)
    assert [g["logGroupName"] for g in groups["logGroups"]] == [group]
    aws_cli(server, "logs", "delete-log-group", "--log-group-name", group)


# --- aws logs tail --follow ------------------------------------------------------------------

# awscli v1 (what PyPI has) has no `logs tail`; v2's follows a group with FilterLogEvents: from
# now-10m, interleaved, paging while a nextToken comes, then every 5 s again from the newest
# timestamp seen, dropping events whose eventId it has already printed. Where `aws logs tail` is
# missing, this follower makes the same calls (polling every second) through boto3.
FOLLOWER = textwrap.dedent("""
    import sys, time
    from collections import defaultdict
    import boto3
    endpoint, region, key, secret, group = sys.argv[1:6]
    client = boto3.client("logs", endpoint_url=endpoint, region_name=region,
                          aws_access_key_id=key, aws_secret_access_key=secret)
    kwargs = {"logGroupName": group, "interleaved": True, "startTime": int((time.time() - 600) * 1000)}
    seen = defaultdict(set)
    while True:
        response = client.filter_log_events(**kwargs)
        for event in response["events"]:
            if event["eventId"] not in seen[event["timestamp"]]:
                seen[event["timestamp"]].add(event["eventId"])
                print(event["timestamp"], event["logStreamName"], event["message"], flush=True)
        if seen:
            newest = max(seen)
            seen = defaultdict(set, {newest: seen[newest]})
        if "nextToken" in response:
            kwargs["nextToken"] = response["nextToken"]
        else:
            kwargs.pop("nextToken", None)
            if seen:
                kwargs["startTime"] = max(seen)
            time.sleep(1)
""")


def has_logs_tail():
    out = subprocess.run([AWS, "logs", "tail", "help"], capture_output=True, text=True, timeout=60, env=clean_env())
    return out.returncode == 0


def read_lines_until(proc, wanted, timeout):
    """Lines the process prints until every string in `wanted` appeared in one (or the time is up)."""
    import selectors
    lines, pending = [], set(wanted)
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.time() + timeout
    while pending and time.time() < deadline:
        if selector.select(timeout=0.2):
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            pending = {w for w in pending if w not in line}
    return lines, pending


def test_logs_tail_follow_prints_lines_appended_while_it_runs(server, logs, group):
    logs.create_log_stream(logGroupName=group, logStreamName="job/algo-1")
    logs.create_log_stream(logGroupName=group, logStreamName="job/algo-2")
    put(logs, group, "job/algo-1", ["before the tail started"])
    if has_logs_tail():
        command = [AWS, "logs", "tail", group, "--follow", "--format", "short"]
        env = clean_env() | server.profile_env()
    else:
        key, secret = server.admin_keys()
        command = [sys.executable, "-c", FOLLOWER, server.endpoint, server.region(), key, secret, group]
        env = clean_env()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines, missing = read_lines_until(proc, ["before the tail started"], timeout=30)
        assert not missing, (lines, proc.poll(), proc.stderr.read() if proc.poll() is not None else "")
        # Lines appended while it runs, in two streams and two batches, one in the millisecond already shown.
        shown_at = logs.get_log_events(logGroupName=group, logStreamName="job/algo-1", startFromHead=True)["events"][0]["timestamp"]
        logs.put_log_events(logGroupName=group, logStreamName="job/algo-2",
                            logEvents=[{"timestamp": shown_at, "message": "same millisecond, other stream"}])
        put(logs, group, "job/algo-1", ["appended while following 1", "appended while following 2"])
        time.sleep(1.5)
        put(logs, group, "job/algo-2", ["appended after a poll"])
        more, missing = read_lines_until(proc, ["same millisecond, other stream", "appended while following 1",
                                                "appended while following 2", "appended after a poll"], timeout=30)
        assert not missing, (lines + more, proc.poll())
        printed = [line for line in lines + more if line.strip()]
        assert sum("before the tail started" in line for line in printed) == 1  # nothing printed twice
        assert sum("appended while following 1" in line for line in printed) == 1
    finally:
        proc.kill()
        proc.wait(timeout=10)
