"""What the sandbox needs to know about an agency: plain, structural types.

The sandbox generates a world for any object shaped like this — a Ruche configuration
(`ruche.config.RucheConfig`) is one, a test can pass dataclasses or simple namespaces — so the
sandbox never imports Ruche's configuration code. Accounts are read per platform name as an
attribute of `client.accounts` (``client.accounts.facebook``), the platform names being those
the API families declare (`Family.platforms`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Protocol
from zoneinfo import ZoneInfo


class TimeRange(Protocol):
    def minutes(self) -> tuple[int, int]:
        """(start, end) minutes after local midnight."""
        ...


class BusinessHours(Protocol):
    def for_weekday(self, weekday: int) -> Iterable[TimeRange]:
        """Opening ranges of a weekday (0 = Monday)."""
        ...


class AccountLike(Protocol):
    id: str
    """The platform's account id (ad accounts without ``act_``)."""
    name: str | None


class ClientLike(Protocol):
    id: str
    display_name: str
    languages: Sequence[str]
    timezone: str
    reporting_currency: str
    holidays: Iterable[dt.date]
    business_hours: BusinessHours
    accounts: Any
    """One list of `AccountLike` per platform name, as attributes."""

    @property
    def zone(self) -> ZoneInfo: ...


class AgencyLike(Protocol):
    clients: Sequence[ClientLike]


def accounts_of(client: ClientLike, platform: str) -> Sequence[AccountLike]:
    """The client's accounts on `platform` (none when its configuration has no such list)."""
    return getattr(client.accounts, platform, None) or ()
