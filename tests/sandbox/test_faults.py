"""Fault injection: each kind's exact response, rules (path, times, skip), the header and the
control endpoint, and that faults never change what a retrying client ends up with."""

from __future__ import annotations

import datetime as dt
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connectors.sandbox import FaultPlan

NOW = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
TOKEN = "EAAGsandbox-fault-test"
PAGE = "104000000000002"
IG = "17841400000000002"
ADS = "100000000000002"
V = "v25.0"


@pytest.fixture(scope="module")
def http():
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        yield session


def get(http, sandbox, path: str, headers: dict | None = None, **params) -> requests.Response:
    return http.get(f"{sandbox.url}/{V}/{path}", params=params, headers=headers, timeout=10)


def next_params(body: dict) -> tuple[str, dict]:
    split = urlsplit(body["paging"]["next"])
    query = {k: v[-1] for k, v in parse_qs(split.query).items()}
    query.pop("access_token")
    return f"{split.scheme}://{split.netloc}{split.path}", query


THROTTLES = {
    "throttle_4": (4, "(#4) Application request limit reached"),
    "throttle_17": (17, "(#17) User request limit reached"),
    "throttle_32": (32, "(#32) Page request limit reached"),
    "throttle_613": (613, "(#613) Calls to this api have exceeded the rate limit."),
    "throttle_80000": (80000, "(#80000) There have been too many calls from this ad-account."),
    "throttle_80001": (80001, "(#80001) There have been too many calls to this Page account."),
    "throttle_80002": (80002, "(#80002) There have been too many calls to this Instagram account."),
    "throttle_80004": (80004, "(#80004) There have been too many calls to this ad-account."),
}


@pytest.mark.parametrize("kind", sorted(THROTTLES))
def test_throttles(http, sandbox, kind):
    code, message = THROTTLES[kind]
    sandbox.faults.add(kind, regain_minutes=4)
    response = get(http, sandbox, PAGE)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and error["type"] == "OAuthException"
    assert error["message"].startswith(message)
    assert json.loads(response.headers["X-App-Usage"])["call_count"] == 100
    [entry] = json.loads(response.headers["X-Business-Use-Case-Usage"])[PAGE]
    assert entry["call_count"] == 100 and entry["estimated_time_to_regain_access"] == 4
    assert get(http, sandbox, PAGE).status_code == 200  # times=1 by default


def test_http_429_with_retry_after(http, sandbox):
    sandbox.faults.add("http_429", retry_after=7)
    response = get(http, sandbox, f"{IG}/media")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    error = response.json()["error"]
    assert error["code"] == 4 and error["is_transient"] is True
    sandbox.faults.add("http_429")
    assert get(http, sandbox, f"{IG}/media").headers["Retry-After"] == "1"


def test_server_errors(http, sandbox):
    sandbox.faults.add("http_500")
    response = get(http, sandbox, PAGE)
    assert response.status_code == 500
    error = response.json()["error"]
    assert (error["code"], error["message"], error["is_transient"]) == (
        1,
        "An unknown error occurred",
        True,
    )
    sandbox.faults.add("http_502")
    response = get(http, sandbox, PAGE)
    assert response.status_code == 502 and response.headers["Content-Type"].startswith("text/html")
    sandbox.faults.add("http_503")
    response = get(http, sandbox, PAGE)
    assert response.status_code == 503 and response.text == "Service Unavailable"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)


@pytest.mark.parametrize(
    ("kind", "code", "subcode", "words"),
    [
        ("token_expired", 190, 463, "Error validating access token: Session has expired on"),
        ("token_invalid", 190, 467, "Error validating access token"),
        ("permission", 10, None, "(#10) Application does not have permission for this action"),
        ("permission_200", 200, None, "(#200) Requires pages_read_engagement permission"),
        ("removed_metric", 100, None, "(#100) The value must be a valid insights metric"),
    ],
)
def test_permanent_errors(http, sandbox, kind, code, subcode, words):
    sandbox.faults.add(kind, path=r"/insights$")
    assert get(http, sandbox, PAGE).status_code == 200  # path does not match
    response = get(http, sandbox, f"{IG}/insights", metric="reach", period="day")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and error.get("error_subcode") == subcode
    assert error["message"].startswith(words)
    assert error["is_transient"] is False  # Instagram adds it
    assert error["type"] == "OAuthException"


def test_slow_drop_truncated_usage_high(http, sandbox):
    sandbox.faults.add("slow", delay=0.4)
    started = time.perf_counter()
    assert get(http, sandbox, PAGE).status_code == 200
    assert time.perf_counter() - started >= 0.4

    sandbox.faults.add("drop")
    with pytest.raises(requests.ConnectionError):
        get(http, sandbox, PAGE)

    clean = get(http, sandbox, f"{PAGE}/published_posts", limit=5)
    sandbox.faults.add("truncated")
    cut = get(http, sandbox, f"{PAGE}/published_posts", limit=5)
    assert cut.status_code == 200 and cut.headers["Content-Type"].startswith("application/json")
    assert cut.content == clean.content[: len(clean.content) // 2]
    assert int(cut.headers["Content-Length"]) == len(cut.content)
    with pytest.raises(requests.exceptions.JSONDecodeError):  # json's or simplejson's
        cut.json()

    sandbox.faults.add("usage_high", times=2)
    high = get(http, sandbox, f"act_{ADS}/insights", date_preset="yesterday", fields="ad_id")
    assert high.status_code == 200 and high.json()["data"]
    assert json.loads(high.headers["X-App-Usage"])["call_count"] == 96
    assert json.loads(high.headers["X-FB-Ads-Insights-Throttle"])["acc_id_util_pct"] == 96
    sandbox.faults.add("usage_high", pct=85)
    get(http, sandbox, PAGE)
    high = get(http, sandbox, PAGE)
    assert json.loads(high.headers["X-Business-Use-Case-Usage"])[PAGE][0]["call_count"] == 85
    records = sandbox.requests
    assert [r["fault"] for r in records] == [
        "slow",
        "drop",
        None,
        "truncated",
        "usage_high",
        "usage_high",
        "usage_high",
    ]
    assert [r["status"] for r in records] == [200, 0, 200, 200, 200, 200, 200]


def test_short_page_loses_records_only_for_clients_that_stop_early(http, sandbox, world):
    since = NOW - dt.timedelta(days=30)
    truth = [p["id"] for p in world.posts("instagram", IG, since, NOW)]
    sandbox.faults.add("short_page", times=None)
    params = {"since": str(int(since.timestamp())), "limit": "9", "fields": "id"}
    followed, stopped_early, pages = [], None, []
    response = get(http, sandbox, f"{IG}/media", **params)
    while True:
        body = response.json()
        pages.append(len(body["data"]))
        followed += [m["id"] for m in body["data"]]
        if stopped_early is None and len(body["data"]) < 9:
            stopped_early = list(followed)
        if "next" not in body.get("paging", {}):
            break
        url, query = next_params(body)
        response = http.get(url, params=query)
    assert followed == truth
    assert stopped_early is not None and len(stopped_early) < len(truth)
    assert 0 in pages and max(pages) < 9


def test_rules_path_times_skip_and_fired(http, sandbox):
    rule = sandbox.faults.add("http_500", path=r"/comments", times=2, skip=1)
    posts = get(http, sandbox, f"{PAGE}/published_posts", limit=3).json()["data"]
    path = f"{posts[0]['id']}/comments"
    statuses = [get(http, sandbox, path).status_code for _ in range(5)]
    assert statuses == [200, 500, 500, 200, 200]
    assert rule.fired == 2
    forever = sandbox.faults.add("throttle_80001", times=None)
    assert all(get(http, sandbox, PAGE).status_code == 400 for _ in range(3))
    assert forever.fired == 3
    assert sandbox.faults.clear() == 2
    assert get(http, sandbox, PAGE).status_code == 200
    with pytest.raises(ValueError, match="unknown fault kind"):
        sandbox.faults.add("http_418")


def test_header_fault(http, sandbox):
    response = get(http, sandbox, PAGE, headers={"X-Sandbox-Fault": "token_expired"})
    assert response.json()["error"]["error_subcode"] == 463
    assert get(http, sandbox, PAGE).status_code == 200  # only that request
    response = get(http, sandbox, PAGE, headers={"X-Sandbox-Fault": "http_429; retry_after=3"})
    assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    short = get(http, sandbox, f"{IG}/media", limit=9, headers={"X-Sandbox-Fault": "short_page"})
    assert len(short.json()["data"]) == 3 and "next" in short.json()["paging"]
    assert [r["fault"] for r in sandbox.requests] == [
        "token_expired",
        None,
        "http_429",
        "short_page",
    ]


def test_control_endpoints(sandbox):
    control = f"{sandbox.url}/__sandbox"
    health = requests.get(f"{control}/health").json()
    assert health["status"] == "ok" and health["now"].startswith("2026-11-20T06:00")
    created = requests.post(
        f"{control}/faults", json={"kind": "http_503", "path": "/published_posts", "times": 1}
    )
    assert created.status_code == 201 and created.json()["rule"]["kind"] == "http_503"
    assert requests.post(f"{control}/faults", json={"kind": "nope"}).status_code == 400
    catch_all = requests.post(f"{control}/faults", json={"kind": "http_500", "times": None}).json()
    url = f"{sandbox.url}/{V}/{PAGE}/published_posts"
    assert requests.get(url, params={"access_token": "t"}).status_code == 503
    assert requests.get(url, params={"access_token": "t"}).status_code == 500
    assert requests.get(f"{control}/health").status_code == 200  # never faulted
    stats = requests.get(f"{control}/stats").json()
    assert stats["requests"] == 2 and stats["by_status"] == {"503": 1, "500": 1}
    assert stats["by_fault"] == {"http_503": 1, "http_500": 1}
    assert [r["id"] for r in stats["rules"]][-1] == catch_all["rule"]["id"]
    assert requests.delete(f"{control}/faults").json() == {"cleared": 2}
    assert requests.get(url, params={"access_token": "t"}).status_code == 200
    assert requests.delete(f"{control}/stats").json() == {"reset": True}
    assert sandbox.requests == []


def test_async_failed(http, sandbox):
    sandbox.faults.add("async_failed")  # waits for a report run, whatever comes first
    assert get(http, sandbox, f"act_{ADS}", fields="id").status_code == 200
    params = {
        "level": "ad",
        "time_increment": "1",
        "time_range": json.dumps({"since": "2026-09-01", "until": "2026-11-19"}),
        "fields": "ad_id,spend",
    }
    run_id = http.post(f"{sandbox.url}/{V}/act_{ADS}/insights", data=params).json()["report_run_id"]
    statuses = [get(http, sandbox, run_id).json() for _ in range(4)]
    assert [s["async_status"] for s in statuses] == [
        "Job Not Started",
        "Job Started",
        "Job Running",
        "Job Failed",
    ]
    failed = statuses[-1]
    assert {
        "error_code",
        "error_message",
        "error_subcode",
        "error_user_title",
        "error_user_msg",
    } <= set(failed)
    assert get(http, sandbox, f"{run_id}/insights").status_code == 400
    again = http.post(f"{sandbox.url}/{V}/act_{ADS}/insights", data=params).json()["report_run_id"]
    assert [get(http, sandbox, again).json()["async_status"] for _ in range(4)][
        -1
    ] == "Job Completed"


def _retrying_fetch(http, sandbox, path: str, params: dict) -> list[str]:
    """A client that retries transient faults and follows `next` (what connectors do)."""
    url, query, ids = f"{sandbox.url}/{V}/{path}", dict(params), []
    for _ in range(500):
        try:
            response = http.get(url, params=query, timeout=(2, 1))
            body = response.json()
        except (requests.RequestException, ValueError):
            continue
        if response.status_code != 200:
            continue
        ids += [item["id"] for item in body["data"]]
        if "next" not in body.get("paging", {}):
            return ids
        url, query = next_params(body)
    raise AssertionError("runaway client")


def test_faults_never_change_the_world(http, sandbox, world):
    since = NOW - dt.timedelta(days=45)
    params = {"since": str(int(since.timestamp())), "limit": "4", "fields": "id,message"}
    clean = _retrying_fetch(http, sandbox, f"{PAGE}/published_posts", params)
    assert clean == [p["id"] for p in world.posts("facebook", PAGE, since, NOW)]
    for kind in (
        "http_500",
        "http_502",
        "drop",
        "truncated",
        "throttle_32",
        "short_page",
        "http_429",
    ):
        sandbox.faults.add(kind, times=4, skip=1)
    sandbox.faults.add("slow", delay=1.5, times=1, skip=2)  # past the client's read timeout
    assert _retrying_fetch(http, sandbox, f"{PAGE}/published_posts", params) == clean
    assert all(rule.exhausted for rule in sandbox.faults.rules)


def test_plan_is_thread_safe_and_standalone():
    import threading

    plan = FaultPlan()
    rule = plan.add("http_500", times=500)
    taken = []

    def worker() -> None:
        for _ in range(200):
            if plan.take("/v25.0/x", ("http_500",)) is not None:
                taken.append(1)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 500 and rule.fired == 500 and rule.exhausted
