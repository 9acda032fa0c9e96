"""Fault injection for the sandbox server: the plan, applied by the core to every API family.

A `FaultPlan` holds rules; each request takes at most one rule of each phase: request faults
(the family's errors, and the core's `slow`, `drop`, `truncated`, `usage_high`) are decided
before the request is handled; `short_page` is only taken by list responses, and a family's
phase kinds only where they apply (Meta's `async_failed` by report runs), so a catch-all
`plan.add("async_failed")` waits for the first report run instead of being spent on an unrelated
request. Which kinds exist, and what an error kind answers, is each family's dialect (see
`families.Family`). Faults never change the world: a client that retries transient faults lands
exactly the records of a clean run.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

CORE_REQUEST_KINDS = ("usage_high", "slow", "drop", "truncated")
"""Request faults every family takes: the core applies them (a sleep, a dropped socket, a body
cut in half) or hands them to the family's usage dialect (`usage_high`)."""
LIST_KINDS = ("short_page",)
"""Taken only by list responses (see `paging.short_page_count`)."""


def known_kinds() -> tuple[str, ...]:
    """Every fault kind: the core's and those each registered API family declares."""
    from .families import all_fault_kinds

    return all_fault_kinds()


_RULE_KEYS = ("kind", "path", "times", "skip")


@dataclass
class FaultRule:
    """One fault: fires on requests whose path matches `path` (regex search; None = all),
    after letting `skip` matching requests pass, `times` times (None = forever).

    Option `rate` (0–1) makes it fire on that random share of the matching requests only,
    drawn from a generator seeded with the option `seed` (default 0), so a soak is repeatable.
    """

    kind: str
    path: str | None = None
    times: int | None = 1
    skip: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    id: int = 0
    fired: int = 0
    skipped: int = 0

    def __post_init__(self) -> None:
        kinds = known_kinds()
        if self.kind not in kinds:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(kinds)}")
        self._regex = re.compile(self.path) if self.path else None
        rate = self.options.get("rate")
        if rate is not None and not 0 <= float(rate) <= 1:
            raise ValueError(f"rate must be between 0 and 1, got {rate!r}")
        self._rng = random.Random(f"{self.kind}|{self.options.get('seed', 0)}")

    def draw(self) -> bool:
        """Whether this matching request is one of the `rate` share (always without `rate`)."""
        rate = self.options.get("rate")
        return rate is None or self._rng.random() < float(rate)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def matches(self, path: str) -> bool:
        return self._regex is None or self._regex.search(path) is not None

    def option(self, name: str, default: Any) -> Any:
        return self.options.get(name, default)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "path": self.path,
            "times": self.times,
            "skip": self.skip,
            "fired": self.fired,
            **self.options,
        }


class FaultPlan:
    """Thread-safe list of fault rules, consulted by the server on every API request."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._next_id = 1

    def add(
        self,
        kind: str,
        path: str | None = None,
        times: int | None = 1,
        skip: int = 0,
        **options: Any,
    ) -> FaultRule:
        """Add a rule and return it (its `fired` count says how often it applied)."""
        rule = FaultRule(kind=kind, path=path, times=times, skip=skip, options=dict(options))
        with self._lock:
            rule.id = self._next_id
            self._next_id += 1
            self._rules.append(rule)
        return rule

    def add_from_json(self, data: dict[str, Any]) -> FaultRule:
        """A rule from the control endpoint's JSON body (extra keys are options)."""
        if not isinstance(data, dict) or "kind" not in data:
            raise ValueError('expected a JSON object with at least "kind"')
        options = {k: v for k, v in data.items() if k not in _RULE_KEYS}
        times = data.get("times", 1)
        return self.add(
            str(data["kind"]),
            path=data.get("path"),
            times=None if times is None else int(times),
            skip=int(data.get("skip", 0)),
            **options,
        )

    def clear(self) -> int:
        """Remove every rule; returns how many there were."""
        with self._lock:
            count = len(self._rules)
            self._rules.clear()
        return count

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def take(self, path: str, kinds: tuple[str, ...]) -> FaultRule | None:
        """The first live rule of one of `kinds` matching `path`, counted as fired."""
        with self._lock:
            for rule in self._rules:
                if rule.kind not in kinds or rule.exhausted or not rule.matches(path):
                    continue
                if rule.skipped < rule.skip:
                    rule.skipped += 1
                    continue
                if not rule.draw():
                    continue
                rule.fired += 1
                return rule
        return None


def parse_header_fault(value: str) -> FaultRule:
    """``X-Sandbox-Fault: kind`` or ``kind; option=value; …`` (numbers parsed)."""
    kind, *pairs = [p.strip() for p in value.split(";")]
    options: dict[str, Any] = {}
    for pair in pairs:
        if "=" in pair:
            key, raw = (x.strip() for x in pair.split("=", 1))
            try:
                options[key] = float(raw) if "." in raw else int(raw)
            except ValueError:
                options[key] = raw
    rule = FaultRule(kind=kind, options=options, times=1)
    rule.fired = 1
    return rule
