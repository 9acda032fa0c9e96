"""The Meta family: Facebook Pages and Instagram (Graph API) and Meta Ads (Marketing API).

Graph-shaped pieces (key expressions over Graph records, the Graph timestamp format, the
`act_` prefix, the API calendar and removed metrics) live here under Meta names; shared code
sees only the `Platform` entries. Facts: each entry's `docs` page, the Graph API changelog, and
the DECISIONLOG entry "Meta metrics requested".
"""

from __future__ import annotations

import datetime as dt

from ruche.platforms import ACCOUNT_TIMEZONE, ApiVersion, Entity, Platform, RemovedMetric

META_ORGANIC_TIMEZONE = "America/Los_Angeles"
"""Meta reports Page and Instagram account days in Pacific time (daily insights' `end_time` is a
Pacific midnight)."""

GRAPH_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%z"  # '2026-11-02T14:05:33+0000'

GRAPH_API = ApiVersion(
    version="v25.0",
    released=dt.date(2026, 2, 18),
    # "Available until" in the versions table of developers.facebook.com/docs/graph-api/
    # changelog (read 2026-12, after v26.0 was released on 2026-07-29).
    sunset=dt.date(2028, 7, 29),
    setting="set the environment variable RUCHE_GRAPH_API_VERSION, e.g. to v26.0",
    source="https://developers.facebook.com/docs/graph-api/changelog/versions",
)

# Key expressions over staged Graph records.
GRAPH_ID_KEY = "record->>'id'"
GRAPH_INSIGHT_KEY = "_parent_id || '|' || (record->>'name')"
GRAPH_DAILY_INSIGHT_KEY = (
    "(record->>'name') || '|' || coalesce(record->>'period', '') || '|' || "
    "coalesce(_since, '') || '|' || coalesce(_until, '') || '|' || "
    "(case when (record->'total_value') is null then 'series' else 'total' end)"
)
# A webhook change (`ruche.events`): one row per comment and verb, so a late duplicate `add`
# never overwrites the `remove` of the same comment, and a later `edited` replaces an earlier one.
GRAPH_COMMENT_EVENT_KEY = "(record->>'comment_id') || '|' || (record->>'verb')"
META_ADS_INSIGHT_KEY = "(record->>'ad_id') || '|' || (record->>'date_start')"


def comment_events_entity() -> Entity:
    """Comment changes Meta pushes by webhook (Page `feed` comments, Instagram `comments`),
    landed by `ruche.events` from the receiver's stream, never extracted by the connector. The
    record is the change's `value` as sent plus the fields `ruche.events.meta` adds
    (`comment_id`, `verb`, `post_id`, `parent_comment_id`, `event_time`, `received_at`...)."""
    return Entity(
        "comment_events",
        GRAPH_COMMENT_EVENT_KEY,
        expected=("comment_id", "verb", "post_id", "event_time"),
        # Meta leaves `from` out of some events (a remove, a user who does not share it).
        author_field="from",
        extracted=False,
    )


POSTS_REFETCH_DAYS = 28  # lifetime counters and comments of recent posts keep changing
DAILY_INSIGHTS_REFETCH_DAYS = 3  # Page / IG account daily metrics settle within days
ADS_REFETCH_DAYS = 28  # Meta freezes ad statistics after 28 days

_D = dt.date

FACEBOOK_REMOVED = (
    RemovedMetric("page_engaged_users", _D(2024, 3, 14), "page_post_engagements"),
    RemovedMetric("page_consumptions", _D(2024, 3, 14), None),
    RemovedMetric("post_engaged_users", _D(2024, 3, 14), None),
    RemovedMetric("page_impressions_unique", _D(2025, 6, 15), "page_total_media_view_unique"),
    RemovedMetric("page_posts_impressions", _D(2025, 6, 15), None),
    RemovedMetric("post_impressions_unique", _D(2025, 6, 15), "post_total_media_view_unique"),
    RemovedMetric("post_impressions_viral", _D(2025, 6, 15), None),
    RemovedMetric("page_impressions", _D(2025, 11, 15), "page_media_view"),
    RemovedMetric(
        "page_impressions_paid", _D(2025, 11, 15), "page_media_view", "breakdown is_from_ads"
    ),
    RemovedMetric("page_fans", _D(2025, 11, 15), "page_follows"),
    RemovedMetric("page_fan_adds", _D(2025, 11, 15), "page_daily_follows_unique"),
    RemovedMetric("page_fan_adds_unique", _D(2025, 11, 15), "page_daily_follows_unique"),
    RemovedMetric("page_fan_removes", _D(2025, 11, 15), None),
    RemovedMetric("post_impressions", _D(2025, 11, 15), "post_media_view"),
    RemovedMetric(
        "post_impressions_paid", _D(2025, 11, 15), "post_media_view", "breakdown is_from_ads"
    ),
    RemovedMetric(
        "post_impressions_organic", _D(2025, 11, 15), "post_media_view", "breakdown is_from_ads"
    ),
    RemovedMetric(
        "post_impressions_fan", _D(2025, 11, 15), "post_media_view", "breakdown is_from_followers"
    ),
)

INSTAGRAM_REMOVED = (
    RemovedMetric("engagement", _D(2023, 12, 11), "total_interactions"),
    RemovedMetric("taps_forward", _D(2023, 12, 11), None),
    RemovedMetric("taps_back", _D(2023, 12, 11), None),
    RemovedMetric("exits", _D(2023, 12, 11), None),
    RemovedMetric("carousel_album_impressions", _D(2023, 12, 11), "views"),
    RemovedMetric("video_views", _D(2025, 1, 8), "views"),
    RemovedMetric("profile_views", _D(2025, 1, 8), None),
    RemovedMetric("website_clicks", _D(2025, 1, 8), None),
    RemovedMetric("email_contacts", _D(2025, 1, 8), None),
    RemovedMetric("phone_call_clicks", _D(2025, 1, 8), None),
    RemovedMetric("text_message_clicks", _D(2025, 1, 8), None),
    RemovedMetric("get_direction_clicks", _D(2025, 1, 8), None),
    RemovedMetric("impressions", _D(2025, 4, 21), "views"),
    RemovedMetric("plays", _D(2025, 4, 21), "views"),
    RemovedMetric("clips_replays_count", _D(2025, 4, 21), "views"),
    RemovedMetric("ig_reels_aggregated_all_plays_count", _D(2025, 4, 21), "views"),
)

META_ADS_REMOVED = (
    RemovedMetric(
        "7d_view", _D(2026, 1, 12), None, "attribution window no longer returned by insights"
    ),
    RemovedMetric(
        "28d_view", _D(2026, 1, 12), None, "attribution window no longer returned by insights"
    ),
)

FACEBOOK = Platform(
    name="facebook",
    label="Facebook Pages",
    family="organic",
    connector="connectors.facebook:FacebookPages",
    sandbox_family="meta_graph",
    account_id_pattern=r"\d+",
    account_id_hint="digits (the numeric Page id)",
    reporting_day=META_ORGANIC_TIMEZONE,
    timestamp_format=GRAPH_TIMESTAMP_FORMAT,
    api=GRAPH_API,
    refetch_days=POSTS_REFETCH_DAYS,
    entities=(
        Entity("page", GRAPH_ID_KEY, snapshot=True, expected=("id", "name", "followers_count")),
        Entity(
            "posts",
            GRAPH_ID_KEY,
            snapshot=True,
            expected=("id", "created_time", "permalink_url", "reactions", "comments"),
        ),
        Entity(
            "comments",
            GRAPH_ID_KEY,
            parent="posts",
            expected=("id", "created_time", "from", "is_hidden"),
            # Meta leaves `from` out when the token may not see user information on the Page
            # (no MODERATE task) or the user does not share it: kept, author unknown.
            author_field="from",
        ),
        Entity(
            "post_insights",
            GRAPH_INSIGHT_KEY,
            snapshot=True,
            parent="posts",
            expected=("name", "values"),
        ),
        Entity(
            "page_insights",
            GRAPH_DAILY_INSIGHT_KEY,
            expected=("name", "period", "values"),
            refetch_days=DAILY_INSIGHTS_REFETCH_DAYS,
        ),
        comment_events_entity(),
    ),
    removed_metrics=FACEBOOK_REMOVED,
    docs="https://developers.facebook.com/docs/graph-api/reference/page",
    vendor="meta",
)

INSTAGRAM = Platform(
    name="instagram",
    label="Instagram",
    family="organic",
    connector="connectors.instagram:Instagram",
    sandbox_family="meta_graph",
    account_id_pattern=r"\d+",
    account_id_hint="digits (the numeric Instagram user id, e.g. 1784…)",
    reporting_day=META_ORGANIC_TIMEZONE,
    timestamp_format=GRAPH_TIMESTAMP_FORMAT,
    api=GRAPH_API,
    refetch_days=POSTS_REFETCH_DAYS,
    entities=(
        Entity("user", GRAPH_ID_KEY, snapshot=True, expected=("id", "username", "followers_count")),
        Entity(
            "media",
            GRAPH_ID_KEY,
            snapshot=True,
            expected=("id", "timestamp", "media_type", "permalink", "like_count", "comments_count"),
        ),
        Entity(
            "comments",
            GRAPH_ID_KEY,
            parent="media",
            expected=("id", "timestamp", "from", "hidden"),
        ),
        Entity(
            "media_insights",
            GRAPH_INSIGHT_KEY,
            snapshot=True,
            parent="media",
            expected=("name", "values"),
        ),
        Entity(
            "user_insights",
            GRAPH_DAILY_INSIGHT_KEY,
            expected=("name", "period"),
            refetch_days=DAILY_INSIGHTS_REFETCH_DAYS,
        ),
        comment_events_entity(),
    ),
    removed_metrics=INSTAGRAM_REMOVED,
    docs="https://developers.facebook.com/docs/instagram-platform/instagram-graph-api",
    vendor="meta",
)

META_ADS = Platform(
    name="meta_ads",
    label="Meta Ads",
    family="ads",
    connector="connectors.meta_ads:MetaAds",
    sandbox_family="meta_graph",
    account_id_pattern=r"\d+",
    account_id_prefix="act_",
    account_id_hint="'act_<digits>' or digits (the ad account id)",
    reporting_day=ACCOUNT_TIMEZONE,
    timestamp_format=GRAPH_TIMESTAMP_FORMAT,
    api=GRAPH_API,
    refetch_days=ADS_REFETCH_DAYS,
    entities=(
        Entity(
            "account", GRAPH_ID_KEY, snapshot=True, expected=("id", "currency", "timezone_name")
        ),
        Entity("campaigns", GRAPH_ID_KEY, expected=("id", "name", "status")),
        Entity("adsets", GRAPH_ID_KEY, expected=("id", "name", "campaign_id")),
        Entity("ads", GRAPH_ID_KEY, expected=("id", "name", "adset_id", "campaign_id")),
        Entity(
            "ad_insights",
            META_ADS_INSIGHT_KEY,
            expected=("ad_id", "date_start", "spend", "impressions", "clicks", "account_currency"),
        ),
    ),
    removed_metrics=META_ADS_REMOVED,
    docs="https://developers.facebook.com/docs/marketing-api/insights",
    vendor="meta",
)

PLATFORMS: tuple[Platform, ...] = (FACEBOOK, INSTAGRAM, META_ADS)
