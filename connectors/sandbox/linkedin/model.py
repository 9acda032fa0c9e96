"""The LinkedIn family's records: organization posts (shares and ugcPosts) and their comments
and replies. Ground truth is rendered from them as plain dicts in the API's shape."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..model import Account


@dataclass(frozen=True, slots=True)
class LiPost:
    """An organization post. `digits` embed the account tag, the creation second and the
    day's index, so a URN resolves without an index."""

    account: Account
    kind: str
    """`share` or `ugcPost` (the Posts API returns both URN types)."""
    digits: str
    day: dt.date
    index: int
    created: dt.datetime
    edited: dt.datetime | None
    text: str
    media: str
    """`NONE`, `IMAGE`, `VIDEO` or `ARTICLE`."""
    tau_h: float
    finals: dict[str, int]
    crisis: bool
    comment_mean: float

    @property
    def urn(self) -> str:
        return f"urn:li:{self.kind}:{self.digits}"

    @property
    def activity(self) -> str:
        """The post's activity URN: the thread comments hang from (`object`, comment URNs)."""
        return f"urn:li:activity:{self.digits[:-2]}00"


@dataclass(slots=True, eq=False)
class LiComment:
    """A comment or a reply (LinkedIn threads are one level deep); brand replies are written
    by the organization (`actor` = its URN)."""

    id: str
    post: LiPost
    parent: LiComment | None
    created: dt.datetime
    deleted_at: dt.datetime | None
    actor: str
    text: str
    brand: bool
    sentiment: str
    language: str
    likes: int
    seq: int = 0

    @property
    def urn(self) -> str:
        return f"urn:li:comment:({self.post.activity},{self.id})"

    def visible_at(self, moment: dt.datetime) -> bool:
        return self.created <= moment and (self.deleted_at is None or self.deleted_at > moment)
