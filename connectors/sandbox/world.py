"""The sandbox world: deterministic accounts for the clients of an agency, with their ground
truth, composed per API family.

The core (`CoreWorld`) holds what every family shares: the agency's clients and their opening
hours, the configured accounts with a generated profile, the people who write to them, and the
world clock. Each registered family (`families.py`) adds its objects and ground truth as a mixin
(`Family.world`: Meta Graph adds posts, comments, insights and the Meta Ads structure); `World`
is the core plus every registered family.

Everything is generated lazily, one account-day, one post or one ad-day at a time, from random
streams keyed by name (see `rand`), and memoised. So asking for one month of an agency-sized
world costs one month, and the same (seed, agency, now) gives the same world whatever is asked
first. `now` is the world clock: content does not depend on it; it decides what is visible and
the as-of value of metrics that keep growing.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any
from zoneinfo import ZoneInfo

from . import content
from .agency import AccountLike, AgencyLike, ClientLike, accounts_of
from .families import families
from .model import Account
from .rand import derive, rng
from .scale import Scale
from .timeutil import BusinessCalendar, aware_utc


class CoreWorld:
    """The entities every API family shares. Families extend it through cooperative hooks:

    * ``TAGGED_PLATFORMS`` (class attribute): platforms whose accounts get a 4-digit tag,
      unique in the world, that the family embeds in content ids;
    * ``_account_profile(platform, client_index, position, client, account)`` → (name, zone,
      currency): a family answers for its platforms and defers to ``super()`` otherwise;
    * ``_init_family(**options)``: a family takes its own `World(...)` keyword options and
      passes the rest on; options nobody takes are an error.
    """

    TAGGED_PLATFORMS: tuple[str, ...] = ()

    def __init__(
        self,
        config: AgencyLike,
        seed: int = 7,
        now: dt.datetime | None = None,
        scale: Scale | None = None,
        **options: Any,
    ) -> None:
        self.config = config
        self.seed = seed
        self.now = aware_utc(now, "now")
        self.scale = scale or Scale()
        self.history_start = self.now - dt.timedelta(days=self.scale.history_days)
        self._accounts: dict[tuple[str, str], Account] = {}
        self._by_ah: dict[int, list[Account]] = {}
        self._calendars: dict[str, BusinessCalendar] = {}
        self._init_family(**options)
        self._build_accounts()

    def _init_family(self, **options: Any) -> None:
        if options:
            raise TypeError(f"World() got unexpected options: {', '.join(sorted(options))}")

    # ------------------------------------------------------------------ accounts

    @classmethod
    def platforms(cls) -> tuple[str, ...]:
        """The platforms the registered families serve, in registry order."""
        return tuple(p for family in families().values() for p in family.platforms)

    def _tagged_platforms(self) -> frozenset[str]:
        return frozenset(
            p for klass in type(self).__mro__ for p in vars(klass).get("TAGGED_PLATFORMS", ())
        )

    def _build_accounts(self) -> None:
        platforms = self.platforms()
        tagged_platforms = self._tagged_platforms()
        used_ah: set[int] = set()
        tagged: list[tuple[str, str]] = []
        for client in self.config.clients:
            self._calendars[client.id] = BusinessCalendar(client)
            for platform in platforms:
                if platform in tagged_platforms:
                    tagged.extend((platform, a.id) for a in accounts_of(client, platform))
        # Stable 4-digit tags, probing on collision (in a fixed order, so adding an account
        # only ever moves the tag of an account that collides).
        tags: dict[tuple[str, str], int] = {}
        for platform, account_id in sorted(tagged):
            tag = 1000 + derive(self.seed, f"ah|{platform}|{account_id}") % 9000
            while tag in used_ah:
                tag = 1000 + (tag - 999) % 9000
            used_ah.add(tag)
            tags[(platform, account_id)] = tag
        for client_index, client in enumerate(self.config.clients):
            site = f"https://www.{client.id.replace('_', '')}.example"
            languages = tuple(client.languages)
            for platform in platforms:
                for position, account in enumerate(accounts_of(client, platform)):
                    r = rng(self.seed, f"profile|{platform}|{account.id}")
                    name, zone, currency = self._account_profile(
                        platform, client_index, position, client, account
                    )
                    acct = Account(
                        platform=platform,
                        id=account.id,
                        client=client,
                        client_index=client_index,
                        position=position,
                        name=name,
                        title=client.display_name,
                        ah=tags.get((platform, account.id), 0),
                        zone=zone,
                        languages=languages,
                        site=site,
                        currency=currency,
                        base_followers=int(math.exp(r.uniform(math.log(1500), math.log(40000)))),
                        post_rate=r.uniform(0.7, 1.3),
                        follow_rate=r.uniform(0.0008, 0.0025),
                        unanswered=r.uniform(0.10, 0.20),
                        engagement=r.uniform(0.7, 1.5),
                        comment_mult=r.uniform(0.7, 1.3),
                        fan_ratio=r.uniform(0.85, 0.97),
                        follows_count=r.randint(80, 900),
                    )
                    self._accounts[(platform, account.id)] = acct
                    if platform in tagged_platforms:
                        self._by_ah.setdefault(acct.ah, []).append(acct)

    def _account_profile(
        self,
        platform: str,
        client_index: int,
        position: int,
        client: ClientLike,
        account: AccountLike,
    ) -> tuple[str, ZoneInfo, str]:
        """(name, timezone, currency) of an account: by default its configured name (or the
        client's display name), in the client's timezone and reporting currency."""
        return account.name or client.display_name, client.zone, client.reporting_currency

    def _normalise_id(self, platform: str, account_id: str) -> str:
        """How an account id may be written in a request (families strip their prefixes)."""
        return account_id

    def _account(self, platform: str, account_id: str) -> Account:
        key = (platform, self._normalise_id(platform, account_id))
        try:
            return self._accounts[key]
        except KeyError:
            raise KeyError(f"no {platform} account {account_id!r} in this world") from None

    def accounts(self) -> list[tuple[str, str, str]]:
        """Every configured account as (client_id, platform, account_id); meta_ads ids are
        digits without ``act_``."""
        return [(acct.client.id, acct.platform, acct.id) for acct in self._accounts.values()]

    def account_info(self, platform: str, account_id: str) -> Account:
        """The internal record of an account (zone, currency, generated profile)."""
        return self._account(platform, account_id)

    # ------------------------------------------------------------------ shared entities

    def calendar(self, client_id: str) -> BusinessCalendar:
        """A client's opening hours and holidays (brand replies are timed by them)."""
        return self._calendars[client_id]

    def person(self, acct: Account, k: int) -> tuple[str, str, str, random.Random]:
        """Person k who writes to an account: (first name, last name, language, and the
        random stream the family goes on drawing their platform identity from)."""
        r = rng(self.seed, f"user|{acct.platform}|{acct.id}|{k}")
        lang = content.language_of(r, acct.languages)
        first, last = content.person(r, lang)
        return first, last, lang, r


def compose_world() -> type[CoreWorld]:
    """The world class of the families registered now: the core plus each family's mixin (in
    registry order). `World` is composed once, at import; a test that registers a family
    composes its own."""
    bases = tuple(family.world for family in families().values())
    doc = """A deterministic world for an agency (any `AgencyLike`, e.g. a Ruche configuration):
    the core's shared entities plus every registered API family's objects and ground truth.
    See the module docstring and the README.

    Ground-truth methods return plain dicts (and lists of dicts) in the API's shape, so tests
    can compare them field by field with what the connectors landed.
    """
    return type("World", (*bases, CoreWorld), {"__doc__": doc, "__module__": __name__})


World = compose_world()
