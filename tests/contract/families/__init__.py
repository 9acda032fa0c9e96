"""One module per sandbox API family (named as `families.REGISTRY` names it): what its world's
ground truth says a platform of the family must land, and what its marts must add up to.

A module exposes, for every platform of the family:

* `check_landed(platform, run, world, client, account, window)`: asserts that the records `run`
  landed for `account` over `window` equal the world's ground truth;
* `mart_truth(platform, world, client, accounts, window) -> dict`: the world's value of each
  measure of `tests/contract/test_marts.py` `MEASURES` for one client's accounts of `platform`
  (organic platforms at least `post_ids` and `comment_ids`; ad platforms `ad_rows` and `spend`).
"""

from __future__ import annotations

import importlib
from types import ModuleType


def truth_of(sandbox_family: str) -> ModuleType:
    """The contract module of a sandbox family, or a failure saying which file to add."""
    try:
        return importlib.import_module(f"{__name__}.{sandbox_family}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{sandbox_family}":
            raise
        raise AssertionError(
            f"no tests/contract/families/{sandbox_family}.py: a sandbox family says there what "
            "its world's ground truth is for landed records and marts (see __init__.py)"
        ) from None
