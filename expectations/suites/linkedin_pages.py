"""LinkedIn Pages suites: the follower count, the organization's posts, their comments and
replies (text only when stored), lifetime share statistics per post, and daily share and
follower statistics (LinkedIn shapes from `linkedin.py`)."""

from __future__ import annotations

from great_expectations import expectations as gxe

from expectations.suites import linkedin as li
from expectations.suites.builders import (
    ORPHAN_PARENT,
    Suite,
    counts_check,
    critical,
    duplicate_in_file,
    entity_suite,
    id_checks,
    in_set,
    not_null,
    null,
    text_at,
    warning,
)
from ruche.platforms import Platform

SHARE_COUNTS = (
    "impressionCount",
    "uniqueImpressionsCount",
    "clickCount",
    "likeCount",
    "commentCount",
    "shareCount",
)


def network_size(platform: Platform) -> Suite:
    return entity_suite(
        platform.name,
        "network_size",
        counts_check("follower", {"firstDegreeSize": "$.firstDegreeSize"}),
        extra=[
            {"followers": text_at("$.firstDegreeSize")},
            critical(not_null("followers"), "firstDegreeSize (the follower count) missing"),
        ],
    )


def posts(platform: Platform) -> Suite:
    return entity_suite(
        platform.name,
        "posts",
        id_checks("post", id_path="$.id"),
        li.created_ms_checks("post", "$.createdAt", "createdAt"),
        extra=[
            {
                "id_invalid": li.urn_invalid("$.id", ("share", "ugcPost"), "id"),
                "author_not_page": (
                    f"CASE WHEN {text_at('$.author')} IS DISTINCT FROM "
                    f"'urn:li:organization:' || _account_id THEN coalesce({text_at('$.author')}, "
                    "'(missing)') END"
                ),
                "lifecycle_state": text_at("$.lifecycleState"),
            },
            critical(null("id_invalid"), "post id is not a share or ugcPost URN"),
            critical(null("author_not_page"), "post author is not the organization extracted"),
            warning(
                in_set("lifecycle_state", ["PUBLISHED"]),
                "post is not published (draft, processing or deleted)",
            ),
        ],
    )


def comments(platform: Platform) -> Suite:
    urn = text_at("$.commentUrn")
    return entity_suite(
        platform.name,
        "comments",
        li.created_ms_checks("comment", "$.created.time", "created.time"),
        extra=[
            {
                "comment_urn": urn,
                "duplicate_comment": duplicate_in_file([urn], urn),
                # Composite: urn:li:comment:(urn:li:activity:<id>,<comment id>), kept as text.
                "urn_invalid": (
                    f"CASE WHEN NOT coalesce(regexp_full_match({urn}, "
                    r"'urn:li:comment:\((urn:li:[A-Za-z]+:[0-9]+),([0-9]+)\)'), false) "
                    f"OR NOT ends_with({urn}, ',' || {text_at('$.id')} || ')') "
                    f"THEN coalesce({urn}, '(missing)') END"
                ),
                "actor_invalid": li.urn_invalid("$.actor", ("person", "organization"), "actor"),
                "parent_invalid": li.urn_invalid(
                    "$.parentComment", ("comment",), "parentComment", required=False
                ),
                "orphan_parent_id": ORPHAN_PARENT,
                "likes_invalid": li.counts_at("$.likesSummary", ("totalLikes",)),
            },
            critical(not_null("comment_urn"), "comment URN missing"),
            critical(null("duplicate_comment"), "comment repeated in the same extraction file"),
            critical(null("urn_invalid"), "commentUrn is not urn:li:comment:(<activity>,<id>)"),
            critical(null("actor_invalid"), "comment actor is not a person or organization URN"),
            critical(null("parent_invalid"), "parentComment is not a comment URN"),
            critical(
                null("orphan_parent_id"),
                "comment is on a post that is not a post of this organization "
                "(neither in this load nor already in raw)",
            ),
            critical(null("likes_invalid"), "comment like count negative or not an integer"),
        ],
    )


def post_statistics(platform: Platform) -> Suite:
    post = f"coalesce({text_at('$.share')}, {text_at('$.ugcPost')})"
    return entity_suite(
        platform.name,
        "post_statistics",
        extra=[
            {
                "post": post,
                "duplicate_post": duplicate_in_file([post], post),
                "counts_invalid": li.counts_at("$.totalShareStatistics", SHARE_COUNTS),
                "orphan_parent_id": ORPHAN_PARENT,
                "unique_minus_impressions": (
                    "try_cast(json_extract_string(record, '$.totalShareStatistics."
                    "uniqueImpressionsCount') AS BIGINT) - try_cast(json_extract_string(record, "
                    "'$.totalShareStatistics.impressionCount') AS BIGINT)"
                ),
            },
            critical(not_null("post"), "statistics name no share or ugcPost"),
            critical(null("duplicate_post"), "post repeated in the same statistics file"),
            critical(null("counts_invalid"), "statistic negative or not an integer"),
            critical(null("orphan_parent_id"), "statistics of a post that is not of this page"),
            warning(
                gxe_between("unique_minus_impressions"),
                "unique impressions exceed impressions",
            ),
        ],
    )


def gxe_between(column: str) -> gxe.ExpectColumnValuesToBeBetween:
    return gxe.ExpectColumnValuesToBeBetween(column=column, max_value=0)


def daily(platform: Platform, entity: str, counts: str, names: tuple[str, ...]) -> Suite:
    start = text_at("$.timeRange.start")
    return entity_suite(
        platform.name,
        entity,
        extra=[
            {
                "time_range_invalid": li.time_range_invalid(),
                "day_outside_window": li.day_outside_window(),
                "duplicate_day": duplicate_in_file([start], start),
                "counts_invalid": li.counts_at(counts, names),
            },
            critical(null("time_range_invalid"), "timeRange is not one UTC day in epoch ms"),
            critical(null("duplicate_day"), "day repeated in the same extraction file"),
            critical(null("counts_invalid"), "statistic negative or not an integer"),
            warning(null("day_outside_window"), "day outside the requested window"),
        ],
    )


def suites(platform: Platform) -> list[Suite]:
    """LinkedIn Pages' suites, one per registered entity."""
    return [
        network_size(platform),
        posts(platform),
        comments(platform),
        post_statistics(platform),
        daily(
            platform,
            "share_statistics_daily",
            "$.totalShareStatistics",
            tuple(n for n in SHARE_COUNTS if n != "uniqueImpressionsCount"),
        ),
        daily(
            platform,
            "follower_statistics_daily",
            "$.followerGains",
            ("organicFollowerGain", "paidFollowerGain"),
        ),
    ]
