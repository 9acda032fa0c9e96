"""Facebook Pages suites: the Page, its posts, their comments and lifetime insights, and the
Page's daily insights (Graph shapes from `meta.py`)."""

from __future__ import annotations

from expectations.suites import meta
from expectations.suites.builders import Suite, counts_check, entity_suite, null, text_at, warning
from ruche.platforms import Platform


def posts(platform: Platform) -> Suite:
    return entity_suite(
        platform.name,
        "posts",
        meta.graph_id_checks("post"),
        meta.graph_created_checks(
            platform, "post", "$.created_time", "created_time", {"updated_time": "$.updated_time"}
        ),
        counts_check(
            "post",
            {
                "reactions": "$.reactions.summary.total_count",
                "comments": "$.comments.summary.total_count",
                "shares": "$.shares.count",
            },
        ),
        extra=[
            {
                # A Page post's id is `<page id>_<post id>`.
                "id_not_of_page": (
                    f"CASE WHEN NOT starts_with({text_at('$.id')}, _account_id || '_') "
                    f"THEN {text_at('$.id')} END"
                )
            },
            warning(null("id_not_of_page"), "post id does not start with the Page id"),
        ],
    )


def suites(platform: Platform) -> list[Suite]:
    """Facebook's suites, one per registered entity."""
    return [
        meta.account_node(
            platform,
            "page",
            "Page",
            {"followers_count": "$.followers_count", "fan_count": "$.fan_count"},
            "$.name",
        ),
        posts(platform),
        meta.comments(
            platform,
            "created_time",
            "message",
            {"like_count": "$.like_count", "comment_count": "$.comment_count"},
        ),
        meta.lifetime_insights(
            platform, "post_insights", "post_total_media_view_unique", "post_media_view"
        ),
        meta.daily_insights(platform, "page_insights"),
        meta.comment_events(platform),
    ]
