"""Instagram suites: the account, its media, their comments and lifetime insights, and the
account's daily insights (Graph shapes from `meta.py`)."""

from __future__ import annotations

from expectations.suites import meta
from expectations.suites.builders import Suite, counts_check, entity_suite, in_set, text_at, warning
from ruche.platforms import Platform


def media(platform: Platform) -> Suite:
    return entity_suite(
        platform.name,
        "media",
        meta.graph_id_checks("media"),
        meta.graph_created_checks(platform, "media", "$.timestamp", "timestamp"),
        counts_check("media", {"like_count": "$.like_count", "comments_count": "$.comments_count"}),
        extra=[
            {
                "media_type": text_at("$.media_type"),
                "media_product_type": text_at("$.media_product_type"),
            },
            warning(
                in_set("media_type", ["IMAGE", "VIDEO", "CAROUSEL_ALBUM"]),
                "media_type not one the marts know (IMAGE, VIDEO, CAROUSEL_ALBUM)",
            ),
            warning(
                in_set("media_product_type", ["AD", "FEED", "STORY", "REELS"]),
                "media_product_type not one the marts know (AD, FEED, STORY, REELS)",
            ),
        ],
    )


def suites(platform: Platform) -> list[Suite]:
    """Instagram's suites, one per registered entity."""
    return [
        meta.account_node(
            platform,
            "user",
            "Instagram account",
            {
                "followers_count": "$.followers_count",
                "follows_count": "$.follows_count",
                "media_count": "$.media_count",
            },
            "$.username",
        ),
        media(platform),
        meta.comments(platform, "timestamp", "text", {"like_count": "$.like_count"}),
        meta.lifetime_insights(platform, "media_insights", "reach", "views"),
        meta.daily_insights(platform, "user_insights"),
        meta.comment_events(platform),
    ]
