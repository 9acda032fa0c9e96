"""Graph API semantics of the sandbox: routing, nodes and edges, field selection, paging,
insights and async report runs, over a `World`. HTTP plumbing lives in the core `server`;
versions, tokens, usage headers and fault responses in `api`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from ..agency import accounts_of
from ..faults import LIST_KINDS, FaultRule
from ..fields import FieldSpec, parse_fields, select
from ..model import Account
from ..paging import (
    decode_cursor,
    decode_paging_token,
    encode_cursor,
    encode_paging_token,
    list_param,
    page_limit,
    short_page_count,
)
from ..timeutil import fmt_local, fmt_utc, parse_day, parse_instant
from .ads import (
    AD_ACCOUNT_FIELDS,
    EXTRA_INSIGHT_FIELDS,
    INSIGHT_FIELDS,
    KNOWN_WINDOWS,
)
from .errors import (
    GraphError,
    bad_parameter,
    invalid_metric,
    media_before_conversion,
    no_object,
    not_enough_viewers,
    unknown_field,
    unknown_path,
)
from .faults import ASYNC_KINDS, async_failure
from .model import Comment, Post
from .organic import PACIFIC, pacific_end_time

if TYPE_CHECKING:
    from ..world import World

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
PAGE_WINDOW_DAYS = 90
IG_WINDOW_DAYS = 30
IG_FOLLOWER_DAYS = 30
SYNC_MAX_DAYS = 93
MONTHS_BACK = 37

REMOVED_POST_METRICS = frozenset(
    {
        "post_impressions",
        "post_impressions_unique",
        "post_impressions_paid",
        "post_impressions_paid_unique",
        "post_impressions_organic",
        "post_impressions_organic_unique",
        "post_impressions_fan",
        "post_impressions_fan_unique",
        "post_impressions_viral",
        "post_impressions_viral_unique",
        "post_engaged_users",
        "post_negative_feedback",
        "post_negative_feedback_unique",
    }
)
POST_METRICS = {
    "post_media_view": ("Media views", "Lifetime: the number of times the post was viewed."),
    "post_total_media_view_unique": (
        "Viewers",
        "Lifetime: the number of people who viewed the post at least once.",
    ),
    "post_clicks": ("Post clicks", "Lifetime: the number of clicks anywhere in the post."),
    "post_clicks_unique": (
        "Post clicks (unique)",
        "Lifetime: the number of people who clicked anywhere in the post.",
    ),
    "post_reactions_by_type_total": (
        "Reactions by type",
        "Lifetime: total post reactions by type.",
    ),
}
REMOVED_PAGE_METRICS = frozenset(
    {
        "page_impressions",
        "page_impressions_unique",
        "page_impressions_paid",
        "page_fans",
        "page_fan_adds",
        "page_fan_adds_unique",
        "page_fan_removes",
        "page_fan_removes_unique",
        "page_engaged_users",
        "page_consumptions",
        "page_consumptions_unique",
        "page_posts_impressions",
        "page_posts_impressions_unique",
    }
)
PAGE_METRICS = {
    "page_media_view": ("Media views", "Daily: the number of times the Page's content was viewed."),
    "page_total_media_view_unique": (
        "Viewers",
        "Daily: the number of people who viewed the Page's content.",
    ),
    "page_follows": ("Followers", "Daily: the total number of people following the Page."),
    "page_daily_follows_unique": ("New follows", "Daily: the number of new follows of the Page."),
    "page_post_engagements": (
        "Post engagements",
        "Daily: the number of times people engaged with the Page's posts.",
    ),
}
REMOVED_MEDIA_METRICS = frozenset(
    {
        "impressions",
        "plays",
        "clips_replays_count",
        "ig_reels_aggregated_all_plays_count",
        "video_views",
        "engagement",
        "taps_forward",
        "taps_back",
        "exits",
        "carousel_album_impressions",
        "carousel_album_reach",
        "carousel_album_engagement",
    }
)
MEDIA_METRICS = {
    "views": ("Views", "The number of times the media was played or displayed."),
    "reach": ("Accounts reached", "The number of unique accounts that saw the media."),
    "saved": ("Saved", "The number of saves of the media."),
    "shares": ("Shares", "The number of shares of the media."),
    "likes": ("Likes", "The number of likes on the media."),
    "comments": ("Comments", "The number of comments on the media."),
    "total_interactions": (
        "Interactions",
        "Likes, saves, comments and shares on the media, minus unlikes, unsaves and deleted "
        "comments.",
    ),
}
REMOVED_USER_METRICS = frozenset(
    {
        "impressions",
        "profile_views",
        "website_clicks",
        "email_contacts",
        "phone_call_clicks",
        "text_message_clicks",
        "get_direction_clicks",
    }
)
USER_METRICS = {
    "reach": ("Accounts reached", "The number of unique accounts that saw your content."),
    "follower_count": ("Follower count", "The number of new followers of the account."),
    "views": ("Views", "The number of times your content was played or displayed."),
    "accounts_engaged": (
        "Accounts engaged",
        "The number of accounts that interacted with your content.",
    ),
    "total_interactions": ("Content interactions", "Interactions with your content."),
}
TOTAL_VALUE_ONLY = frozenset({"views", "accounts_engaged", "total_interactions"})

REACTION_TYPES = {
    "LIKE": "like",
    "LOVE": "love",
    "WOW": "wow",
    "HAHA": "haha",
    "SAD": "sorry",
    "ANGRY": "anger",
    "CARE": "care",
    "THANKFUL": "thankful",
    "PRIDE": "pride",
}

MISSING = object()
"""A getter result meaning "the API leaves this field out"."""

Getter = Callable[[FieldSpec], Any]


@dataclass
class ApiRequest:
    """What the HTTP layer hands to `GraphApi.handle`."""

    method: str
    version: str
    segments: list[str]
    params: dict[str, str]
    token: str
    base_url: str
    take_fault: Callable[[tuple[str, ...]], FaultRule | None]
    faults: list[str] = field(default_factory=list)
    render_faults: dict[str, bool] = field(default_factory=dict)  # taken once per request

    def url(self, path: str, params: dict[str, str]) -> str:
        """An absolute Graph URL, with the token in the query as Meta puts it."""
        query = dict(params)
        query.pop("access_token", None)
        query = {"access_token": self.token, **query}
        return f"{self.base_url}/{self.version}/{path}?{urlencode(query, quote_via=quote)}"


@dataclass
class ReportRun:
    id: str
    account: Account
    since: dt.date
    until: dt.date
    fields: tuple[str, ...]
    windows: tuple[str, ...]
    created: dt.datetime
    polls: int = 0
    failure: dict[str, Any] | None = None


def _render_fault(req: ApiRequest, kind: str) -> bool:
    """Whether a `RENDER_KINDS` fault applies to this request (a rule is taken once per request,
    however many items the response renders)."""
    if kind not in req.render_faults:
        rule = req.take_fault((kind,))
        req.render_faults[kind] = rule is not None
        if rule is not None:
            req.faults.append(rule.kind)
    return req.render_faults[kind]


def _limit(params: dict[str, str]) -> int:
    return page_limit(params.get("limit"), DEFAULT_LIMIT, MAX_LIMIT)


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for d in range(day.day, 0, -1):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    return dt.date(year, month, 1)


def _render(specs: Sequence[FieldSpec], node_type: str, getters: dict[str, Getter]) -> dict:
    out: dict[str, Any] = {}
    for spec in specs:
        getter = getters.get(spec.name)
        if getter is None:
            raise unknown_field(spec.name, node_type)
        value = getter(spec)
        if value is not MISSING:
            out[spec.name] = value
    return out


def _const(value: Any, sub_type: str = "Object") -> Getter:
    """A getter for a plain value (sub-object selection applied when it is a dict)."""

    def get(spec: FieldSpec) -> Any:
        if value is MISSING:
            return MISSING
        if isinstance(value, dict) and spec.subfields is not None:
            return select(value, spec, sub_type)
        return value

    return get


AD_CREATIVE_FIELDS = (
    "id",
    "name",
    "effective_object_story_id",
    "object_story_id",
    "object_story_spec",
    "url_tags",
    "link_url",
    "effective_instagram_media_id",
    "source_instagram_media_id",
    "instagram_permalink_url",
    "instagram_user_id",
    "thumbnail_url",
)
"""AdCreative fields the sandbox knows: asked in `creative{...}`, one the creative does not have
is left out (the API omits unset fields); any other name is an unknown-field error."""


def _creative_getter(creative: dict[str, Any]) -> Getter:
    def get(spec: FieldSpec) -> Any:
        if spec.subfields is None:
            return {"id": creative["id"]}  # `creative` alone: the id, as the API answers
        out: dict[str, Any] = {}
        for sub in spec.subfields:
            if sub.name not in AD_CREATIVE_FIELDS:
                raise unknown_field(sub.name, "AdCreative")
            if sub.name in creative:
                value = creative[sub.name]
                if isinstance(value, dict):
                    value = select(value, sub, "AdCreative")
                out[sub.name] = value
        return out

    return get


def _from_dict(
    base: dict[str, Any], known: Sequence[str], extra: dict[str, Any] | None = None
) -> dict[str, Getter]:
    """Getters for a node rendered from a truth dict: keys absent from `base` but in `known`
    are left out, as the API does for unset fields."""
    getters: dict[str, Getter] = {name: _const(MISSING) for name in known}
    for name, value in {**base, **(extra or {})}.items():
        getters[name] = _const(value)
    return getters


class GraphApi:
    """Serves Graph and Marketing API requests from a `World`."""

    def __init__(self, world: World, polls_to_complete: int = 3) -> None:
        self.world = world
        self.polls_to_complete = polls_to_complete
        self._runs: dict[str, ReportRun] = {}
        self._runs_lock = threading.Lock()
        self._run_ids = itertools.count(1)
        self._rows_cache: OrderedDict[tuple[Any, ...], list[dict[str, Any]]] = OrderedDict()
        self._rows_lock = threading.Lock()

    # ------------------------------------------------------------------ resolution

    def resolve(self, object_id: str) -> tuple[str, Any] | None:
        with self._runs_lock:
            run = self._runs.get(object_id)
        if run is not None:
            return "report_run", run
        return self.world.resolve(object_id)

    @staticmethod
    def family(resolved: tuple[str, Any] | None) -> tuple[str | None, str | None]:
        """(platform family, business-use-case object id) for usage headers."""
        if resolved is None:
            return None, None
        kind, obj = resolved
        if kind == "page":
            return "pages", obj.id
        if kind == "fb_post":
            return "pages", obj.account.id
        if kind == "fb_comment":
            return "pages", obj.post.account.id
        if kind == "ig_user":
            return "instagram", obj.id
        if kind == "ig_media":
            return "instagram", obj.account.id
        if kind == "ig_comment":
            return "instagram", obj.post.account.id
        if kind == "ad_account":
            return "ads", obj.id
        if kind == "report_run":
            return "ads", obj.account.id
        if kind in ("campaign", "adset", "ad"):
            return "ads", obj[0].id
        return None, None

    # ------------------------------------------------------------------ dispatch

    def handle(self, req: ApiRequest, resolved: tuple[str, Any] | None) -> dict[str, Any]:
        segments = req.segments
        if not segments or not segments[0]:
            raise no_object("", req.method.lower())
        if resolved is None:
            raise no_object(segments[0], req.method.lower())
        kind, obj = resolved
        if req.method == "POST":
            if kind == "ad_account" and segments[1:] == ["insights"]:
                return self.create_report_run(req, obj)
            raise no_object(segments[0], "post")
        if req.method != "GET":
            raise no_object(segments[0], req.method.lower())
        if len(segments) == 1:
            return self.node(req, kind, obj)
        edge = segments[1]
        if len(segments) == 3 and edge == "insights" and kind in ("page", "fb_post"):
            req = dataclasses.replace(
                req, segments=segments[:2], params={**req.params, "metric": segments[2]}
            )
        elif len(segments) > 2:
            raise unknown_path("/".join(segments[2:]))
        handler = self._edges.get((kind, edge))
        if handler is None:
            raise unknown_path(edge)
        return handler(self, req, obj)

    # ------------------------------------------------------------------ paging

    def paginate(
        self,
        req: ApiRequest,
        items: Sequence[Any],
        render: Callable[[Any], dict[str, Any]],
        key: Callable[[Any], str],
    ) -> dict[str, Any]:
        """One page of `items` with Graph cursor paging; `short_page` faults apply here."""
        params = dict(req.params)
        path = "/".join(req.segments)
        limit = _limit(params)
        if params.get("after"):
            start = decode_cursor(params["after"])
        elif params.get("before"):
            start = max(0, decode_cursor(params["before"]) - limit)
        else:
            start = 0
        count = limit
        rule = req.take_fault(LIST_KINDS)
        if rule is not None:
            req.faults.append(rule.kind)
            count = short_page_count(rule.fired, limit)
        end = min(len(items), start + count)
        page = items[start:end]
        body: dict[str, Any] = {"data": [render(x) for x in page]}
        if not items and start == 0:
            return body
        last_key = key(items[end - 1]) if end > 0 and end <= len(items) and page else ""
        if rule is not None and not page:
            # Meta's cursors are opaque and an empty filtered page still moves them on; a
            # cursor repeated byte for byte is how a looping server looks, so never send one.
            last_key = f"empty-{rule.id}-{rule.fired}"
        first_key = key(page[0]) if page else last_key
        paging: dict[str, Any] = {
            "cursors": {
                "before": encode_cursor(start, first_key),
                "after": encode_cursor(end, last_key),
            }
        }
        base = {k: v for k, v in params.items() if k not in ("after", "before", "access_token")}
        base["limit"] = str(limit)
        if start > 0:
            paging["previous"] = req.url(path, {**base, "before": paging["cursors"]["before"]})
        if end < len(items):
            paging["next"] = req.url(path, {**base, "after": paging["cursors"]["after"]})
        body["paging"] = paging
        return body

    def _expansion(
        self,
        req: ApiRequest,
        spec: FieldSpec,
        items: Sequence[Any],
        render: Callable[[Any], dict[str, Any]],
        path: str,
        extra_params: dict[str, str],
        summary: dict[str, Any] | None,
        default_fields: tuple[str, ...],
    ) -> dict[str, Any]:
        """An edge expanded inside `fields` (``comments.limit(5){…}``): first page inline,
        `paging.next` pointing at the edge itself."""
        limit_text = spec.modifier("limit")
        try:
            limit = DEFAULT_LIMIT if limit_text is None else max(0, min(int(limit_text), MAX_LIMIT))
        except ValueError:
            raise bad_parameter(f"Invalid limit modifier on {spec.name}: {limit_text!r}") from None
        page = items[:limit]
        body: dict[str, Any] = {"data": [render(x) for x in page]}
        if limit and len(items) > limit:
            sub = (
                ",".join(s.render() for s in spec.subfields)
                if spec.subfields
                else ",".join(default_fields)
            )
            cursor = encode_cursor(limit, items[limit - 1].id)
            body["paging"] = {
                "cursors": {"before": encode_cursor(0, items[0].id), "after": cursor},
                "next": req.url(
                    path, {"fields": sub, **extra_params, "limit": str(limit), "after": cursor}
                ),
            }
        if summary is not None and spec.modifier("summary", "false") in ("true", "1"):
            body["summary"] = summary
        return body

    # ------------------------------------------------------------------ nodes

    def node(self, req: ApiRequest, kind: str, obj: Any) -> dict[str, Any]:
        if kind == "report_run":
            return self.report_run_status(req, obj)
        renderer, defaults = self._nodes[kind]
        specs = parse_fields(req.params.get("fields"), defaults)
        return renderer(self, req, obj, specs)

    def render_page(self, req: ApiRequest, acct: Account, specs: Sequence[FieldSpec]) -> dict:
        page = self.world.page(acct.id)
        ig = accounts_of(acct.client, "instagram")
        extra = {
            "category": "Local business",
            "about": f"{acct.title} — compte de démonstration / demo account",
            "username": acct.client.id.replace("_", ""),
            "instagram_business_account": {"id": ig[0].id} if ig else MISSING,
        }
        return _render(specs, "Page", _from_dict(page, (), extra))

    def render_ig_user(self, req: ApiRequest, acct: Account, specs: Sequence[FieldSpec]) -> dict:
        user = self.world.ig_user(acct.id)
        extra = {
            "biography": f"{acct.title} ✨",
            "website": acct.site,
            "profile_picture_url": f"https://scontent.cdninstagram.sandbox.invalid/p/{acct.id}.jpg",
            "ig_id": int(acct.id[-9:]),
        }
        return _render(specs, "IGUser", _from_dict(user, (), extra))

    def render_fb_post(self, req: ApiRequest, post: Post, specs: Sequence[FieldSpec]) -> dict:
        world = self.world
        base = world.post_fields(post)
        counts: dict[str, int] = {}

        def post_counts() -> dict[str, int]:
            if not counts:
                counts.update(world.counts(post))
            return counts

        def shares(spec: FieldSpec) -> Any:
            n = post_counts()["shares"]
            return select({"count": n}, spec, "Shares") if n > 0 else MISSING

        def reactions(spec: FieldSpec) -> Any:
            wanted = spec.modifier("type")
            if wanted is None:
                total = post_counts()["reactions"]
            else:
                name = REACTION_TYPES.get(wanted.upper())
                if name is None:
                    raise bad_parameter(f"Invalid reaction type {wanted}")
                g = world._growth(post, world.now)
                total = int(post.reactions.get(name, 0) * g)
            body: dict[str, Any] = {"data": []}
            if spec.modifier("summary", "false") in ("true", "1"):
                body["summary"] = {
                    "total_count": total,
                    "viewer_reaction": "NONE",
                    "can_comment": True,
                }
            return body

        def comments(spec: FieldSpec) -> Any:
            stream = spec.modifier("filter", "toplevel") == "stream"
            order = spec.modifier("order", "ranked")
            items = self._ordered(
                [c for c in world.visible_comments(post) if stream or c.parent is None], order
            )
            sub = spec.subfields or tuple(FieldSpec(n) for n in COMMENT_DEFAULTS)
            return self._expansion(
                req,
                spec,
                items,
                lambda c: self.render_fb_comment(req, c, sub),
                f"{post.id}/comments",
                {"filter": "stream" if stream else "toplevel", "order": order},
                {"order": order, "total_count": len(items), "can_comment": True},
                COMMENT_DEFAULTS,
            )

        attachments: Any = MISSING
        if post.picture is not None:
            media_type = {"added_video": "video", "shared_story": "link"}.get(post.kind, "photo")
            attachments = {
                "data": [
                    {
                        "media_type": media_type,
                        "type": media_type,
                        "url": post.permalink,
                        "media": {"image": {"src": post.picture, "height": 720, "width": 720}},
                    }
                ]
            }
        getters = _from_dict(base, ("message", "full_picture"))
        getters.update(
            {
                "shares": shares,
                "reactions": reactions,
                "comments": comments,
                "from": _const({"id": post.account.id, "name": post.account.name}, "Page"),
                "attachments": _const(attachments),
                "is_hidden": _const(False),
                "is_expired": _const(False),
                "privacy": _const({"value": "EVERYONE", "description": "Public"}),
            }
        )
        return _render(specs, "Post", getters)

    @staticmethod
    def _ordered(items: list[Comment], order: str | None) -> list[Comment]:
        if order == "reverse_chronological":
            return list(reversed(items))
        if order in ("chronological", None, ""):
            return items
        if order == "ranked":
            # Deterministic "relevance": most liked first, then oldest. Clients must not
            # rely on it; they ask for chronological.
            return sorted(items, key=lambda c: (-c.like_count, c.created, c.id))
        raise bad_parameter(f"Invalid order: {order}")

    def render_fb_comment(
        self, req: ApiRequest, comment: Comment, specs: Sequence[FieldSpec]
    ) -> dict:
        world = self.world
        post = comment.post
        replies = world.visible_replies(comment)
        part = comment.id.partition("_")[2]

        def sub_comments(spec: FieldSpec) -> Any:
            order = spec.modifier("order", "chronological")
            items = self._ordered(replies, order)
            sub = spec.subfields or tuple(FieldSpec(n) for n in COMMENT_DEFAULTS)
            return self._expansion(
                req,
                spec,
                items,
                lambda c: self.render_fb_comment(req, c, sub),
                f"{comment.id}/comments",
                {"order": order},
                {"order": order, "total_count": len(items), "can_comment": True},
                COMMENT_DEFAULTS,
            )

        attachment: Any = MISSING
        if comment.text is None:
            attachment = {
                "type": "sticker",
                "media": {"image": {"src": f"https://scontent.sandbox.invalid/sticker/{part}.png"}},
            }
        getters: dict[str, Getter] = {
            "id": _const(comment.id),
            "message": _const(comment.text if comment.text is not None else MISSING),
            "created_time": _const(fmt_utc(comment.created)),
            "from": _const(self._fb_comment_author(req, comment), "User"),
            "parent": _const(
                {"id": comment.parent.id} if comment.parent is not None else MISSING, "Comment"
            ),
            "like_count": _const(comment.like_count),
            "comment_count": _const(len(replies)),
            "is_hidden": _const(comment.hidden),
            "permalink_url": _const(
                f"https://www.facebook.com/{post.account.id}/posts/{post.part()}?comment_id={part}"
            ),
            "can_reply_privately": _const(not comment.brand),
            "can_hide": _const(not comment.brand),
            "user_likes": _const(False),
            "attachment": _const(attachment),
            "message_tags": _const(MISSING),
            "object": _const({"id": post.id}, "Post"),
            "comments": sub_comments,
        }
        return _render(specs, "Comment", getters)

    def _fb_comment_author(self, req: ApiRequest, comment: Comment) -> Any:
        """`from` of a Facebook comment. Meta leaves the key out (no null, no error) when the
        token may not see user information on the Page's objects: a token of someone without
        the Page's MODERATE task, or users whose information is not shared. The Page's own
        comments keep their author. Fault `comment_author_hidden` (per request)."""
        if not comment.brand and _render_fault(req, "comment_author_hidden"):
            return MISSING
        return {"id": comment.author_id, "name": comment.author_name}

    def render_ig_media(self, req: ApiRequest, post: Post, specs: Sequence[FieldSpec]) -> dict:
        world = self.world
        base = world.post_fields(post)
        counts: dict[str, int] = {}

        def post_counts() -> dict[str, int]:
            if not counts:
                counts.update(world.counts(post))
            return counts

        def comments(spec: FieldSpec) -> Any:
            items = [c for c in world.visible_comments(post) if c.parent is None]
            sub = spec.subfields or tuple(FieldSpec(n) for n in IG_COMMENT_DEFAULTS)
            return self._expansion(
                req,
                spec,
                items,
                lambda c: self.render_ig_comment(req, c, sub),
                f"{post.id}/comments",
                {},
                None,
                IG_COMMENT_DEFAULTS,
            )

        children: Any = MISSING
        if post.children:
            unix = int(post.created.timestamp())
            children = {
                "data": [
                    {"id": f"17{post.account.ah:04d}{unix:010d}{50 + k:02d}"}
                    for k in range(post.children)
                ]
            }
        getters = _from_dict(base, ("caption",))
        getters.update(
            {
                "like_count": lambda spec: post_counts()["reactions"],
                "comments_count": lambda spec: post_counts()["comments"],
                "media_url": _const(post.picture),
                "thumbnail_url": _const(
                    post.picture.replace(".mp4", "_thumb.jpg")
                    if post.kind == "VIDEO" and post.picture
                    else MISSING
                ),
                "owner": _const({"id": post.account.id}, "IGUser"),
                "username": _const(post.account.name),
                "children": _const(children),
                "comments": comments,
                "ig_id": _const(post.id[-10:]),
                "is_shared_to_feed": _const(True if post.product == "REELS" else MISSING),
            }
        )
        return _render(specs, "IGMedia", getters)

    def render_ig_comment(
        self, req: ApiRequest, comment: Comment, specs: Sequence[FieldSpec]
    ) -> dict:
        world = self.world
        post = comment.post

        def replies(spec: FieldSpec) -> Any:
            if comment.parent is not None:
                return MISSING
            items = world.visible_replies(comment)
            sub = spec.subfields or tuple(FieldSpec(n) for n in IG_COMMENT_DEFAULTS)
            return self._expansion(
                req,
                spec,
                items,
                lambda c: self.render_ig_comment(req, c, sub),
                f"{comment.id}/replies",
                {},
                None,
                IG_COMMENT_DEFAULTS,
            )

        getters: dict[str, Getter] = {
            "id": _const(comment.id),
            "text": _const(comment.text if comment.text is not None else MISSING),
            "timestamp": _const(fmt_utc(comment.created)),
            "username": _const(comment.author_name),
            "from": _const({"id": comment.author_id, "username": comment.author_name}, "IGUser"),
            "like_count": _const(comment.like_count),
            "hidden": _const(comment.hidden),
            "parent_id": _const(comment.parent.id if comment.parent is not None else MISSING),
            "replies": replies,
            "media": _const({"id": post.id, "media_product_type": post.product}, "IGMedia"),
            "legacy_instagram_comment_id": _const(MISSING),
        }
        return _render(specs, "IGComment", getters)

    def render_ad_account(self, req: ApiRequest, acct: Account, specs: Sequence[FieldSpec]) -> dict:
        base = self.world.ad_account_dict(acct)
        extra = {"disable_reason": 0, "business_country_code": None}
        return _render(specs, "AdAccount", _from_dict(base, AD_ACCOUNT_FIELDS, extra))

    def _entity_extra(self, acct: Account, base: dict[str, Any], created: dt.datetime) -> dict:
        return {
            "account_id": acct.id,
            "updated_time": fmt_local(created, acct.zone),
            "configured_status": base["status"],
        }

    def render_campaign(self, req: ApiRequest, pair: tuple, specs: Sequence[FieldSpec]) -> dict:
        acct, campaign = pair
        base = self.world.campaign_dict(acct, campaign)
        extra = {
            **self._entity_extra(acct, base, campaign.created),
            "buying_type": "AUCTION",
            "special_ad_categories": [],
        }
        return _render(
            specs,
            "Campaign",
            _from_dict(base, ("daily_budget", "lifetime_budget", "stop_time"), extra),
        )

    def render_adset(self, req: ApiRequest, pair: tuple, specs: Sequence[FieldSpec]) -> dict:
        acct, adset = pair
        base = self.world.adset_dict(acct, adset)
        campaign = self.world.campaign_dict(acct, adset.campaign)
        extra = {
            **self._entity_extra(acct, base, adset.created),
            "start_time": campaign["start_time"],
            "end_time": campaign["stop_time"],
        }
        return _render(specs, "AdSet", _from_dict(base, ("daily_budget", "lifetime_budget"), extra))

    def render_ad(self, req: ApiRequest, pair: tuple, specs: Sequence[FieldSpec]) -> dict:
        acct, ad = pair
        base = self.world.ad_dict(acct, ad)
        base["creative"] = dict(base["creative"])
        extra = self._entity_extra(acct, base, ad.created)
        getters = _from_dict(base, (), extra)
        getters["creative"] = _creative_getter(base["creative"])
        return _render(specs, "Ad", getters)

    # ------------------------------------------------------------------ organic edges

    def _since_until(self, params: dict[str, str]) -> tuple[dt.datetime | None, dt.datetime | None]:
        out: list[dt.datetime | None] = []
        for name in ("since", "until"):
            raw = params.get(name)
            if raw is None or raw == "":
                out.append(None)
                continue
            try:
                out.append(parse_instant(raw))
            except ValueError:
                raise bad_parameter(
                    f"Param {name} must be a unix time or a date, got {raw!r}"
                ) from None
        return out[0], out[1]

    def edge_published_posts(self, req: ApiRequest, acct: Account) -> dict:
        since, until = self._since_until(req.params)
        specs = parse_fields(req.params.get("fields"), POST_DEFAULTS)
        if since is not None or until is not None or req.params.get("__paging_token"):
            return self._time_paginate(req, acct, since, until, specs)
        posts = self.world.visible_posts("facebook", acct.id, since, until)
        return self.paginate(
            req, posts, lambda p: self.render_fb_post(req, p, specs), lambda p: p.id
        )

    def _time_paginate(
        self,
        req: ApiRequest,
        acct: Account,
        since: dt.datetime | None,
        until: dt.datetime | None,
        specs: Sequence[FieldSpec],
    ) -> dict[str, Any]:
        """Graph's time-based paging of the Page feed edges (`/posts`, `/published_posts`) when
        `since`/`until` are given, as recorded from the real API: `paging.next` keeps the
        request's parameters, sets `until` to the last post's `created_time` (unix) and adds an
        opaque `__paging_token`; there is **no `cursors`** object. `until` of a continuation is
        inclusive, the token says which posts of that second were already served."""
        params = dict(req.params)
        token = params.get("__paging_token")
        if token:
            if until is not None:
                until += dt.timedelta(seconds=1)  # the continuation's `until` is inclusive
            last_id = decode_paging_token(token)
        posts = self.world.visible_posts("facebook", acct.id, since, until)
        start = 0
        if token:
            ids = [p.id for p in posts]
            if last_id not in ids:
                raise bad_parameter(f"Invalid paging token: {token}")
            start = ids.index(last_id) + 1
        limit = _limit(params)
        count = limit
        rule = req.take_fault(LIST_KINDS)
        if rule is not None:
            req.faults.append(rule.kind)
            count = short_page_count(rule.fired, limit)
        end = min(len(posts), start + count)
        page = posts[start:end]
        body: dict[str, Any] = {"data": [self.render_fb_post(req, p, specs) for p in page]}
        base = {k: v for k, v in params.items() if k not in ("access_token", "__previous")}
        base["limit"] = str(limit)
        path = "/".join(req.segments)
        paging: dict[str, str] = {}
        if page:
            first = page[0]
            paging["previous"] = req.url(
                path,
                {
                    **{k: v for k, v in base.items() if k != "until"},
                    "since": str(int(first.created.timestamp())),
                    "__paging_token": encode_paging_token(first.id),
                    "__previous": "1",
                },
            )
        if end < len(posts) and end == 0:  # an empty first page: the same request again
            paging["next"] = req.url(path, base)
        elif end < len(posts):
            last = posts[end - 1]  # the last post served (on an empty later page: the token's)
            paging["next"] = req.url(
                path,
                {
                    **base,
                    "until": str(int(last.created.timestamp())),
                    "__paging_token": encode_paging_token(last.id),
                },
            )
        if paging:
            body["paging"] = paging
        return body

    def edge_post_comments(self, req: ApiRequest, post: Post) -> dict:
        world = self.world
        stream = req.params.get("filter", "toplevel") == "stream"
        if req.params.get("filter") not in (None, "", "stream", "toplevel"):
            raise bad_parameter(f"Invalid filter: {req.params['filter']}")
        order = req.params.get("order") or "ranked"
        items = self._ordered(
            [c for c in world.visible_comments(post) if stream or c.parent is None], order
        )
        specs = parse_fields(req.params.get("fields"), COMMENT_DEFAULTS)
        body = self.paginate(
            req, items, lambda c: self.render_fb_comment(req, c, specs), lambda c: c.id
        )
        if req.params.get("summary") in ("true", "1"):
            body["summary"] = {"order": order, "total_count": len(items), "can_comment": True}
        return body

    def edge_comment_replies_fb(self, req: ApiRequest, comment: Comment) -> dict:
        order = req.params.get("order") or "chronological"
        items = self._ordered(self.world.visible_replies(comment), order)
        specs = parse_fields(req.params.get("fields"), COMMENT_DEFAULTS)
        body = self.paginate(
            req, items, lambda c: self.render_fb_comment(req, c, specs), lambda c: c.id
        )
        if req.params.get("summary") in ("true", "1"):
            body["summary"] = {"order": order, "total_count": len(items), "can_comment": True}
        return body

    def edge_media(self, req: ApiRequest, acct: Account) -> dict:
        since, until = self._since_until(req.params)
        posts = self.world.visible_posts("instagram", acct.id, since, until)
        specs = parse_fields(req.params.get("fields"), ("id",))
        return self.paginate(
            req, posts, lambda p: self.render_ig_media(req, p, specs), lambda p: p.id
        )

    def edge_media_comments(self, req: ApiRequest, post: Post) -> dict:
        items = [c for c in self.world.visible_comments(post) if c.parent is None]
        specs = parse_fields(req.params.get("fields"), IG_COMMENT_DEFAULTS)
        return self.paginate(
            req, items, lambda c: self.render_ig_comment(req, c, specs), lambda c: c.id
        )

    def edge_ig_replies(self, req: ApiRequest, comment: Comment) -> dict:
        items = self.world.visible_replies(comment)
        specs = parse_fields(req.params.get("fields"), IG_COMMENT_DEFAULTS)
        return self.paginate(
            req, items, lambda c: self.render_ig_comment(req, c, specs), lambda c: c.id
        )

    # ------------------------------------------------------------------ organic insights

    @staticmethod
    def _metrics(params: dict[str, str], valid: dict, removed: frozenset[str]) -> list[str]:
        metrics = list_param(params.get("metric"))
        if not metrics:
            raise GraphError(
                3001,
                "Invalid query: no metric was specified. Ask for at least one metric with metric=…",
                subcode=1504028,
                user_title="No metric specified",
                user_msg="Please specify a metric.",
            )
        for metric in metrics:
            if metric in removed or metric not in valid:
                raise invalid_metric()
        return metrics

    def edge_post_insights(self, req: ApiRequest, post: Post) -> dict:
        metrics = self._metrics(req.params, POST_METRICS, REMOVED_POST_METRICS)
        period = req.params.get("period") or "lifetime"
        if period != "lifetime":
            raise bad_parameter(f"Post insights have period=lifetime only, got {period!r}")
        if self.world._insights_state(post, self.world.now) != "ready":
            return {"data": []}
        values = self.world.lifetime(post, self.world.now)
        values["post_clicks_unique"] = int(values["post_clicks"] * 0.78)
        data = []
        for metric in metrics:
            title, description = POST_METRICS[metric]
            data.append(
                {
                    "name": metric,
                    "period": "lifetime",
                    "values": [{"value": values[metric]}],
                    "title": title,
                    "description": description,
                    "id": f"{post.id}/insights/{metric}/lifetime",
                }
            )
        return {"data": data}

    def edge_media_insights(self, req: ApiRequest, post: Post) -> dict:
        metrics = self._metrics(req.params, MEDIA_METRICS, REMOVED_MEDIA_METRICS)
        state = self.world._insights_state(post, self.world.now)
        if state == "not_ready":
            return {"data": []}
        if state == "low_reach":
            raise not_enough_viewers()
        if state == "before_conversion":
            raise media_before_conversion()
        values = self.world.lifetime(post, self.world.now)
        data = []
        for metric in metrics:
            title, description = MEDIA_METRICS[metric]
            data.append(
                {
                    "name": metric,
                    "period": "lifetime",
                    "values": [{"value": values[metric]}],
                    "title": title,
                    "description": description,
                    "id": f"{post.id}/insights/{metric}/lifetime",
                }
            )
        return {"data": data}

    def _day_window(
        self, params: dict[str, str], max_days: int, default_days: int
    ) -> tuple[dt.date, dt.date]:
        today = self.world.pacific_today()
        try:
            since = parse_day(params["since"], PACIFIC) if params.get("since") else None
            until = parse_day(params["until"], PACIFIC) if params.get("until") else None
        except ValueError:
            raise bad_parameter("Params since and until must be unix times or dates") from None
        if until is None:
            until = today if since is None else min(today, since + dt.timedelta(days=max_days))
        if since is None:
            since = until - dt.timedelta(days=default_days)
        if until < since:
            raise bad_parameter("The since date must be before the until date")
        if (until - since).days > max_days:
            raise bad_parameter(
                f"There cannot be more than {max_days} days ({max_days * 86400} s) between since "
                "and until"
            )
        return since, until

    def _complete_days(self, since: dt.date, until: dt.date) -> list[dt.date]:
        today = self.world.pacific_today()
        days = []
        day = since
        while day < until and day < today:
            days.append(day)
            day += dt.timedelta(days=1)
        return days

    def _window_paging(
        self, req: ApiRequest, since: dt.date, until: dt.date, extra: dict[str, str]
    ) -> dict[str, str]:
        """Meta's time-window `previous`/`next` links (unix bounds); clients must not follow
        them, there is always a next window."""
        span = until - since
        path = "/".join(req.segments)

        def unix(day: dt.date) -> str:
            return str(int(dt.datetime.combine(day, dt.time(0), tzinfo=PACIFIC).timestamp()))

        base = {k: v for k, v in req.params.items() if k not in ("since", "until", "access_token")}
        base.update(extra)
        return {
            "previous": req.url(path, {**base, "since": unix(since - span), "until": unix(since)}),
            "next": req.url(path, {**base, "since": unix(until), "until": unix(until + span)}),
        }

    def edge_page_insights(self, req: ApiRequest, acct: Account) -> dict:
        metrics = self._metrics(req.params, PAGE_METRICS, REMOVED_PAGE_METRICS)
        period = req.params.get("period") or "day"
        if period != "day":
            raise bad_parameter(f"The sandbox serves period=day only, got {period!r}")
        since, until = self._day_window(req.params, PAGE_WINDOW_DAYS, 2)
        days = self._complete_days(since, until)
        daily = {day: self.world.account_daily("facebook", acct.id, day) for day in days}
        data = []
        for metric in metrics:
            title, description = PAGE_METRICS[metric]
            data.append(
                {
                    "name": metric,
                    "period": "day",
                    "values": [
                        {"value": daily[day][metric], "end_time": pacific_end_time(day)}
                        for day in days
                    ],
                    "title": title,
                    "description": description,
                    "id": f"{acct.id}/insights/{metric}/day",
                }
            )
        return {"data": data, "paging": self._window_paging(req, since, until, {})}

    def edge_user_insights(self, req: ApiRequest, acct: Account) -> dict:
        metrics = self._metrics(req.params, USER_METRICS, REMOVED_USER_METRICS)
        period = req.params.get("period") or "day"
        if period != "day":
            raise bad_parameter(f"The sandbox serves period=day only, got {period!r}")
        metric_type = req.params.get("metric_type") or "time_series"
        if metric_type not in ("time_series", "total_value"):
            raise bad_parameter(f"Invalid metric_type: {metric_type}")
        if metric_type == "time_series":
            wrong = [m for m in metrics if m in TOTAL_VALUE_ONLY]
            if wrong:
                raise bad_parameter(
                    f"The following metrics ({', '.join(wrong)}) should be specified with "
                    "parameter metric_type=total_value"
                )
        since, until = self._day_window(req.params, IG_WINDOW_DAYS, 1)
        days = self._complete_days(since, until)
        daily = {day: self.world.account_daily("instagram", acct.id, day) for day in days}
        data = []
        if metric_type == "total_value":
            for metric in metrics:
                values = [daily[day][metric] for day in days]
                if metric == "reach" and values:
                    total = max(values) + int(0.3 * (sum(values) - max(values)))
                else:
                    total = sum(values)
                title, description = USER_METRICS[metric]
                data.append(
                    {
                        "name": metric,
                        "period": "day",
                        "title": title,
                        "description": description,
                        "total_value": {"value": total},
                        "id": f"{acct.id}/insights/{metric}/day",
                    }
                )
            return {"data": data}
        oldest_follower_day = self.world.pacific_today() - dt.timedelta(days=IG_FOLLOWER_DAYS)
        for metric in metrics:
            title, description = USER_METRICS[metric]
            data.append(
                {
                    "name": metric,
                    "period": "day",
                    "values": [
                        {"value": daily[day][metric], "end_time": pacific_end_time(day)}
                        for day in days
                        if metric != "follower_count" or day >= oldest_follower_day
                    ],
                    "title": title,
                    "description": description,
                    "id": f"{acct.id}/insights/{metric}/day",
                }
            )
        return {"data": data, "paging": self._window_paging(req, since, until, {})}

    # ------------------------------------------------------------------ ads edges

    def _entities(self, req: ApiRequest, items: list, render: Callable, defaults: tuple) -> dict:
        specs = parse_fields(req.params.get("fields"), defaults)
        wanted = set(list_param(req.params.get("effective_status")))
        if wanted:
            status_only = (FieldSpec("effective_status"),)
            items = [
                obj for obj in items if render(req, obj, status_only)["effective_status"] in wanted
            ]
        return self.paginate(req, items, lambda obj: render(req, obj, specs), lambda obj: obj[1].id)

    def edge_campaigns(self, req: ApiRequest, acct: Account) -> dict:
        items = [(acct, c) for c in self.world.campaign_objects(acct.id)]
        return self._entities(req, items, self.render_campaign, ("id",))

    def edge_adsets(self, req: ApiRequest, acct: Account) -> dict:
        items = [(acct, s) for s in self.world.adset_objects(acct.id)]
        return self._entities(req, items, self.render_adset, ("id",))

    def edge_ads(self, req: ApiRequest, acct: Account) -> dict:
        items = [(acct, a) for a in self.world.ad_objects(acct.id)]
        return self._entities(req, items, self.render_ad, ("id",))

    # ------------------------------------------------------------------ ads insights

    def _insights_query(
        self, params: dict[str, str], acct: Account
    ) -> tuple[dt.date, dt.date, tuple[str, ...], tuple[str, ...]]:
        level = params.get("level") or "ad"
        if level != "ad":
            raise bad_parameter(f"The sandbox serves level=ad only, got level={level}")
        increment = params.get("time_increment") or "1"
        if increment != "1":
            raise bad_parameter(f"The sandbox serves time_increment=1 only, got {increment}")
        today = self.world.ad_account_today(acct.id)
        since, until = self._time_range(params, today)
        if until < since:
            raise bad_parameter("Parameter time_range: since must be on or before until")
        if since < _months_back(today, MONTHS_BACK):
            raise GraphError(
                100,
                "(#100) The start date of the time range cannot be beyond 37 months from the "
                "current date",
                user_title="Date range too far back",
                user_msg="Insights are only available for the last 37 months.",
            )
        fields = tuple(list_param(params.get("fields"))) or (
            "account_id",
            "impressions",
            "spend",
            "date_start",
            "date_stop",
        )
        for name in fields:
            if name not in INSIGHT_FIELDS and name not in EXTRA_INSIGHT_FIELDS:
                raise bad_parameter(
                    f"{name} is not valid for fields param. please check "
                    "https://developers.facebook.com/docs/marketing-api/reference/ads-insights/ "
                    "for all valid values"
                )
        windows = tuple(list_param(params.get("action_attribution_windows")))
        for window in windows:
            if window not in KNOWN_WINDOWS:
                raise bad_parameter(
                    f"action_attribution_windows[0] must be one of the following values: "
                    f"{', '.join(KNOWN_WINDOWS)}"
                )
        return since, until, fields, windows

    @staticmethod
    def _time_range(params: dict[str, str], today: dt.date) -> tuple[dt.date, dt.date]:
        raw = params.get("time_range")
        since_text = params.get("time_range[since]")
        until_text = params.get("time_range[until]")
        try:
            if raw:
                value = json.loads(raw)
                since_text, until_text = value["since"], value["until"]
            if since_text or until_text:
                return dt.date.fromisoformat(str(since_text)), dt.date.fromisoformat(
                    str(until_text)
                )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            raise bad_parameter(
                'Param time_range must be a JSON object like {"since":"YYYY-MM-DD",'
                '"until":"YYYY-MM-DD"}'
            ) from None
        preset = params.get("date_preset") or "last_30d"
        one = dt.timedelta(days=1)
        if preset == "today":
            return today, today
        if preset == "yesterday":
            return today - one, today - one
        if preset == "this_month":
            return today.replace(day=1), today
        if preset == "last_month":
            end = today.replace(day=1) - one
            return end.replace(day=1), end
        if preset == "maximum":
            return _months_back(today, MONTHS_BACK), today
        if preset.startswith("last_") and preset.endswith("d") and preset[5:-1].isdigit():
            n = int(preset[5:-1])
            return today - dt.timedelta(days=n), today - one
        raise bad_parameter(f"Invalid date_preset: {preset}")

    def _rows(
        self, acct: Account, since: dt.date, until: dt.date, windows: tuple[str, ...]
    ) -> list[dict[str, Any]]:
        key = (acct.id, since, until, windows)
        with self._rows_lock:
            rows = self._rows_cache.get(key)
            if rows is not None:
                self._rows_cache.move_to_end(key)
                return rows
        rows = self.world.ad_insight_rows(acct.id, since, until, windows=windows)
        with self._rows_lock:
            self._rows_cache[key] = rows
            while len(self._rows_cache) > 64:
                self._rows_cache.popitem(last=False)
        return rows

    def _project(self, acct: Account, fields: tuple[str, ...]) -> Callable[[dict], dict]:
        def project(row: dict[str, Any]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for name in fields:
                if name in row:
                    out[name] = row[name]
                elif name in EXTRA_INSIGHT_FIELDS:
                    value = self.world.extra_insight_field(acct, row, name)
                    if value is not None:
                        out[name] = value
            out.setdefault("date_start", row["date_start"])
            out.setdefault("date_stop", row["date_stop"])
            return out

        return project

    @staticmethod
    def _row_key(row: dict[str, Any]) -> str:
        return f"{row['date_start']}:{row['ad_id']}"

    def edge_ad_insights(self, req: ApiRequest, acct: Account) -> dict:
        since, until, fields, windows = self._insights_query(req.params, acct)
        if (until - since).days + 1 > SYNC_MAX_DAYS:
            raise GraphError(
                1,
                "Please reduce the amount of data you're asking for, then retry your request",
                status=500,
                subcode=1504018,
                transient=True,
                show_transient=True,
                user_title="Request too large",
                user_msg="Ask for a shorter date range, or use an asynchronous report run.",
            )
        rows = self._rows(acct, since, until, windows)
        return self.paginate(req, rows, self._project(acct, fields), self._row_key)

    def create_report_run(self, req: ApiRequest, acct: Account) -> dict:
        since, until, fields, windows = self._insights_query(req.params, acct)
        number = next(self._run_ids)
        run = ReportRun(
            id=f"6021{number:012d}",
            account=acct,
            since=since,
            until=until,
            fields=fields,
            windows=windows,
            created=self.world.now,
        )
        rule = req.take_fault(ASYNC_KINDS)
        if rule is not None:
            req.faults.append(rule.kind)
            run.failure = async_failure(rule)
        with self._runs_lock:
            self._runs[run.id] = run
        return {"report_run_id": run.id}

    def report_run_status(self, req: ApiRequest, run: ReportRun) -> dict:
        n = self.polls_to_complete
        with self._runs_lock:
            run.polls += 1
            polls = run.polls
        if run.failure is None and polls <= n:
            rule = req.take_fault(ASYNC_KINDS)
            if rule is not None:
                req.faults.append(rule.kind)
                run.failure = async_failure(rule)
        body: dict[str, Any] = {
            "id": run.id,
            "account_id": run.account.id,
            "time_ref": int(run.created.timestamp()),
            "date_start": run.since.isoformat(),
            "date_stop": run.until.isoformat(),
        }
        if polls > n:
            if run.failure is not None:
                body.update({"async_status": "Job Failed", "async_percent_completion": 0})
                body.update(run.failure)
            else:
                body.update(
                    {
                        "async_status": "Job Completed",
                        "async_percent_completion": 100,
                        "time_completed": int(run.created.timestamp()) + 5 * polls,
                    }
                )
        elif polls == 1:
            body.update({"async_status": "Job Not Started", "async_percent_completion": 0})
        elif polls == 2:
            body.update(
                {"async_status": "Job Started", "async_percent_completion": int(100 / (n + 1))}
            )
        else:
            body.update(
                {
                    "async_status": "Job Running",
                    "async_percent_completion": int(100 * (polls - 1) / (n + 1)),
                }
            )
        return body

    def edge_report_insights(self, req: ApiRequest, run: ReportRun) -> dict:
        with self._runs_lock:
            done = run.polls > self.polls_to_complete
        if run.failure is not None and done:
            raise bad_parameter(f"Report run {run.id} failed; create a new one")
        if not done:
            raise bad_parameter(
                f"Report run {run.id} is not complete yet; poll GET /{run.id} until async_status "
                "is 'Job Completed'"
            )
        rows = self._rows(run.account, run.since, run.until, run.windows)
        return self.paginate(req, rows, self._project(run.account, run.fields), self._row_key)

    # ------------------------------------------------------------------ tables

    _edges: dict[tuple[str, str], Callable[[GraphApi, ApiRequest, Any], dict]] = {
        ("page", "published_posts"): edge_published_posts,
        ("page", "posts"): edge_published_posts,
        ("page", "insights"): edge_page_insights,
        ("fb_post", "comments"): edge_post_comments,
        ("fb_post", "insights"): edge_post_insights,
        ("fb_comment", "comments"): edge_comment_replies_fb,
        ("ig_user", "media"): edge_media,
        ("ig_user", "insights"): edge_user_insights,
        ("ig_media", "comments"): edge_media_comments,
        ("ig_media", "insights"): edge_media_insights,
        ("ig_comment", "replies"): edge_ig_replies,
        ("ad_account", "campaigns"): edge_campaigns,
        ("ad_account", "adsets"): edge_adsets,
        ("ad_account", "ads"): edge_ads,
        ("ad_account", "insights"): edge_ad_insights,
        ("report_run", "insights"): edge_report_insights,
    }

    _nodes: dict[str, tuple[Callable[..., dict], tuple[str, ...]]] = {
        "page": (render_page, ("id", "name")),
        "ig_user": (render_ig_user, ("id",)),
        "fb_post": (render_fb_post, ("created_time", "message", "id")),
        "fb_comment": (render_fb_comment, ("created_time", "from", "message", "id")),
        "ig_media": (render_ig_media, ("id",)),
        "ig_comment": (render_ig_comment, ("timestamp", "text", "id")),
        "ad_account": (render_ad_account, ("account_id", "id")),
        "campaign": (render_campaign, ("id",)),
        "adset": (render_adset, ("id",)),
        "ad": (render_ad, ("id",)),
    }


POST_DEFAULTS = ("created_time", "message", "id")
COMMENT_DEFAULTS = ("created_time", "from", "message", "id")
IG_COMMENT_DEFAULTS = ("timestamp", "text", "id")
