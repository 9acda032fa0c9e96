"""Shared entities of the sandbox world: the configured accounts with their generated profile.
Each API family keeps its own records (`meta_graph/model.py`: posts, comments, campaigns…); the
public ground truth is plain dicts in each API's shape (see `World`)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .agency import ClientLike


@dataclass(frozen=True, slots=True)
class Account:
    """One configured account, with its generated profile."""

    platform: str
    id: str
    client: ClientLike
    client_index: int
    position: int
    name: str
    """Page name, Instagram username or ad account name."""
    title: str
    """The client's display name (also the Instagram account's `name`)."""
    ah: int
    """Four digits unique per organic account in this world, embedded in content ids so that
    any post, media or comment id can be resolved without an index."""
    zone: ZoneInfo
    """Client timezone for organic accounts; the ad account's own timezone for meta_ads."""
    languages: tuple[str, ...]
    site: str
    currency: str
    base_followers: int
    post_rate: float
    follow_rate: float
    unanswered: float
    engagement: float
    comment_mult: float
    fan_ratio: float
    follows_count: int
