"""X (API v2): the account's posts with their counters, the replies to them, and the account's
follower count.

X-shaped pieces (key expressions over X records, X's timestamp format, the re-fetch windows and
the API calendar) live here under X names; shared code sees only the `Platform` entry. Facts:
`connectors/x.py` (module docstring: what was looked up and where) and the DECISIONLOG entry
"X metrics requested".
"""

from __future__ import annotations

import datetime as dt

from ruche.platforms import ApiVersion, Entity, Platform, RemovedMetric

X_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # '2026-11-02T14:05:33.000Z' (always UTC)

X_API = ApiVersion(
    version="2",
    released=dt.date(2020, 8, 12),
    # X publishes no sunset for API v2 (docs.x.com/x-api, read 2026-12).
    sunset=None,
    setting="X has announced no successor to API v2",
    source="https://docs.x.com/x-api/introduction",
)

X_ID_KEY = "record->>'id'"

PRIVATE_METRICS_DAYS = 30
"""X serves `non_public_metrics` and `organic_metrics` only for posts created in the last 30
days (docs.x.com/x-api/fundamentals/metrics); older posts keep their public counters only."""
POSTS_REFETCH_DAYS = PRIVATE_METRICS_DAYS
"""Posts are re-read for as long as their private metrics still move: 30 days. Public counters
are live (read again by every run for the posts of the window), so nothing longer would gain
anything the run could still obtain."""
REPLY_SEARCH_DAYS = 7
"""Recent search (`/2/tweets/search/recent`) reaches the last 7 days only: a reply older than
that at extraction time can never be read again (full-archive search is another access level).
Not a re-fetch window: the reply days older than this at extraction time are not covered."""

X_REMOVED = (
    RemovedMetric(
        "source",
        dt.date(2022, 12, 20),
        None,
        "tweet field removed from the payload (X developer changelog, 2022-12-20)",
    ),
)

X = Platform(
    name="x",
    label="X",
    family="organic",
    connector="connectors.x:XAccount",
    sandbox_family="x",
    account_id_pattern=r"[1-9]\d{0,19}",
    account_id_hint="digits (the numeric X user id, not the @handle)",
    reporting_day="UTC",
    timestamp_format=X_TIMESTAMP_FORMAT,
    api=X_API,
    refetch_days=POSTS_REFETCH_DAYS,
    entities=(
        Entity("user", X_ID_KEY, snapshot=True, expected=("id", "username", "public_metrics")),
        Entity(
            "posts",
            X_ID_KEY,
            snapshot=True,
            expected=("id", "created_at", "text", "public_metrics"),
        ),
        Entity(
            "comments",
            X_ID_KEY,
            parent="posts",
            expected=("id", "created_at", "author_id", "conversation_id", "referenced_tweets"),
            # Recent search always names the author; counted if X ever leaves it out.
            author_field="author_id",
        ),
    ),
    removed_metrics=X_REMOVED,
    docs="https://docs.x.com/x-api/posts/timelines/introduction",
    vendor="x",
)

PLATFORMS: tuple[Platform, ...] = (X,)
