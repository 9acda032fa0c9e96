"""The Meta family's accounts of one client of a synthetic agency (`scale.synthetic_agency`):
the organic accounts split between Facebook (the larger half) and Instagram, plus the ad
accounts, with ids in each platform's shape."""

from __future__ import annotations

from typing import Any

from ..scale import Scale, slug


def synthetic_accounts(scale: Scale, k: int, display: str) -> dict[str, list[dict[str, Any]]]:
    """Accounts of client number `k` (0-based) named `display`."""
    n_fb = (scale.accounts_per_client + 1) // 2
    n_ig = scale.accounts_per_client // 2
    handle = slug(display).replace("_", ".")
    return {
        "facebook": [
            {
                "id": f"1049{k + 1:05d}{j + 1:06d}",
                "name": display if j == 0 else f"{display} {j + 1}",
            }
            for j in range(n_fb)
        ],
        "instagram": [
            {
                "id": f"178419{k + 1:05d}{j + 1:06d}",
                "name": handle if j == 0 else f"{handle}.{j + 1}",
            }
            for j in range(n_ig)
        ],
        "meta_ads": [
            {"id": f"act_1009{k + 1:05d}{j + 1:06d}", "name": f"{display} — Ads {j + 1}"}
            for j in range(scale.ad_accounts_per_client)
        ],
    }
