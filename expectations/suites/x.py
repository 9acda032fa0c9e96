"""X suites: the user object (follower count), the timeline's posts with their counters, and the
replies recent search returned. Timestamps parse with X's format (`Platform.timestamp_format`,
`2026-11-02T14:05:33.000Z`); ids are snowflakes kept as strings (a JSON number would have lost
digits past 2^53, so an id that is not all digits is critical)."""

from __future__ import annotations

from expectations.suites.builders import (
    ORPHAN_PARENT,
    Suite,
    counts_check,
    created_checks,
    critical,
    entity_suite,
    id_checks,
    id_mismatch,
    in_set,
    not_null,
    null,
    text_at,
    warning,
)
from ruche.platforms import Platform

X_ID = "$.id"
PUBLIC = "$.public_metrics"


def snowflake_checks(what: str) -> list:
    return [
        {
            "id_not_digits": (
                f"CASE WHEN json_type(record, '{X_ID}') <> 'VARCHAR' "
                f"OR NOT regexp_full_match({text_at(X_ID)}, '[0-9]{{1,20}}') "
                f"THEN coalesce({text_at(X_ID)}, '(missing)') END"
            )
        },
        critical(
            null("id_not_digits"),
            f"{what} id is not a string of digits (X ids are snowflakes, sent as strings)",
        ),
    ]


def user(platform: Platform) -> Suite:
    return entity_suite(
        platform.name,
        "user",
        id_checks("user", id_path=X_ID),
        counts_check(
            "user",
            {
                "followers_count": f"{PUBLIC}.followers_count",
                "following_count": f"{PUBLIC}.following_count",
                "tweet_count": f"{PUBLIC}.tweet_count",
            },
        ),
        extra=[
            {
                "other_account_id": id_mismatch(text_at(X_ID)),
                "username": text_at("$.username"),
                "followers": text_at(f"{PUBLIC}.followers_count"),
            },
            critical(null("other_account_id"), "user id is not the account of this batch"),
            warning(not_null("username"), "user has no username"),
            warning(not_null("followers"), "user has no public_metrics.followers_count"),
            *snowflake_checks("user"),
        ],
    )


def posts(platform: Platform) -> Suite:
    return entity_suite(
        platform.name,
        "posts",
        id_checks("post", id_path=X_ID),
        created_checks("post", "$.created_at", "created_at", fmt=platform.timestamp_format),
        counts_check(
            "post",
            {
                "like_count": f"{PUBLIC}.like_count",
                "reply_count": f"{PUBLIC}.reply_count",
                "retweet_count": f"{PUBLIC}.retweet_count",
                "quote_count": f"{PUBLIC}.quote_count",
                "impression_count": f"{PUBLIC}.impression_count",
                "url_link_clicks": "$.non_public_metrics.url_link_clicks",
                "organic_impression_count": "$.organic_metrics.impression_count",
            },
        ),
        extra=[
            {
                "other_author_id": id_mismatch(text_at("$.author_id")),
                "public_metrics_present": f"json_type(record, '{PUBLIC}') = 'OBJECT'",
            },
            critical(
                null("other_author_id"),
                "post written by another user than the account (the timeline excludes retweets)",
            ),
            warning(in_set("public_metrics_present", [True]), "post has no public_metrics"),
            *snowflake_checks("post"),
        ],
    )


def comments(platform: Platform) -> Suite:
    return entity_suite(
        platform.name,
        "comments",
        id_checks("reply", id_path=X_ID),
        created_checks("reply", "$.created_at", "created_at", fmt=platform.timestamp_format),
        counts_check("reply", {"like_count": f"{PUBLIC}.like_count"}),
        extra=[
            {
                "orphan_parent_id": ORPHAN_PARENT,
                "author_known": f"{text_at('$.author_id')} IS NOT NULL",
                "not_in_conversation": (
                    f"CASE WHEN {text_at('$.conversation_id')} IS DISTINCT FROM _parent_id "
                    f"THEN coalesce({text_at('$.conversation_id')}, '(missing)') END"
                ),
            },
            critical(
                null("orphan_parent_id"),
                "reply is in the conversation of a post that is not a post of this account "
                "(neither in this load nor already in raw)",
            ),
            critical(
                null("not_in_conversation"),
                "reply's conversation_id is not the post it was landed under",
            ),
            warning(in_set("author_known", [True]), "reply author id missing"),
            *snowflake_checks("reply"),
        ],
    )


def suites(platform: Platform) -> list[Suite]:
    """X's suites, one per registered entity."""
    return [user(platform), posts(platform), comments(platform)]
