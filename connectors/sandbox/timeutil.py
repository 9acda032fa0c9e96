"""Time helpers shared by the world and the API families: timestamp rendering, `since`/`until`
parsing, local days and client business hours."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from .agency import ClientLike

UTC = dt.UTC
DAY_NUMBER_EPOCH = dt.date(2000, 1, 1)

_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")


def aware_utc(moment: dt.datetime | None, name: str) -> dt.datetime:
    """`moment` in UTC (now, to the second, when None); a naive datetime is a ValueError."""
    if moment is None:
        return dt.datetime.now(UTC).replace(microsecond=0)
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got {moment!r}")
    return moment.astimezone(UTC)


def fmt_utc(moment: dt.datetime) -> str:
    """Graph's timestamp rendering: ``2026-11-02T14:05:33+0000``."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}+0000"
    )


def fmt_local(moment: dt.datetime, zone: ZoneInfo) -> str:
    """Marketing API rendering of object times, in the ad account's zone: ``…T09:05:33-0500``."""
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S%z")


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """Start of `day` in `zone`, as an aware UTC datetime."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(UTC)


def day_bounds(day: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local day in UTC; 23 or 25 hours long on DST changes."""
    return local_midnight(day, zone), local_midnight(day + dt.timedelta(days=1), zone)


def day_number(day: dt.date) -> int:
    return (day - DAY_NUMBER_EPOCH).days


def parse_instant(value: str) -> dt.datetime:
    """A `since`/`until` value: unix seconds, ``YYYY-MM-DD`` (UTC midnight) or ISO 8601.

    Raises ValueError on anything else.
    """
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return dt.datetime.fromtimestamp(float(text), UTC)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(0), tzinfo=UTC)
    if _ISO_RE.match(text):
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    raise ValueError(f"not a time: {value!r}")


def parse_day(value: str, zone: ZoneInfo) -> dt.date:
    """A daily-insights `since`/`until`: a ``YYYY-MM-DD`` date as is, an instant as its date
    in `zone`."""
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    return parse_instant(text).astimezone(zone).date()


class BusinessCalendar:
    """A client's opening hours and holidays, to time the brand's replies to comments."""

    def __init__(self, client: ClientLike) -> None:
        self.zone = client.zone
        self.holidays = frozenset(client.holidays)
        # The public holidays of the client's country and subdivision close it too, as in the
        # warehouse's calendar (`Client.public_holidays`; a bench config has none).
        public = getattr(client, "public_holidays", None)
        self.public_holidays = public() if callable(public) else {}
        self.spans = [
            sorted(r.minutes() for r in client.business_hours.for_weekday(w)) for w in range(7)
        ]
        self._days: dict[dt.date, list[tuple[dt.datetime, dt.datetime]]] = {}

    def openings(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """Opening spans of a local day as (open, close) in UTC; none on holidays."""
        spans = self._days.get(day)
        if spans is None:
            spans = []
            if day not in self.holidays and day not in self.public_holidays:
                midnight = dt.datetime.combine(day, dt.time(0))
                for start, end in self.spans[day.weekday()]:
                    opening = (midnight + dt.timedelta(minutes=start)).replace(tzinfo=self.zone)
                    closing = (midnight + dt.timedelta(minutes=end)).replace(tzinfo=self.zone)
                    spans.append((opening.astimezone(UTC), closing.astimezone(UTC)))
            self._days[day] = spans
        return spans

    def is_open(self, moment: dt.datetime) -> bool:
        day = moment.astimezone(self.zone).date()
        return any(start <= moment < end for start, end in self.openings(day))

    def next_opening(self, moment: dt.datetime) -> dt.datetime:
        """`moment` itself when open, else the next opening (UTC). A client with no opening in
        the next two weeks is treated as answering 12 hours later."""
        first = moment.astimezone(self.zone).date()
        for offset in range(15):
            for start, end in self.openings(first + dt.timedelta(days=offset)):
                if start <= moment < end:
                    return moment
                if start > moment:
                    return start
        return moment + dt.timedelta(hours=12)
