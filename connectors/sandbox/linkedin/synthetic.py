"""The LinkedIn family's accounts of one client of a synthetic agency: one organization page
for every other client (company pages are fewer than Facebook pages), and one LinkedIn ad
account for every client with a page (B2B budgets go where the page is)."""

from __future__ import annotations

from typing import Any

from ..scale import Scale


def synthetic_accounts(scale: Scale, k: int, display: str) -> dict[str, list[dict[str, Any]]]:
    """Accounts of client number `k` (0-based) named `display`."""
    if k % 2:
        return {}
    return {
        "linkedin_pages": [{"id": f"8{k + 1:05d}31", "name": display}],
        "linkedin_ads": [{"id": f"5{k + 1:05d}41", "name": f"{display} — LinkedIn Ads"}],
    }
