"""The Meta Graph family's rate-limit dialect: `X-App-Usage`, `X-Business-Use-Case-Usage`,
`X-Ad-Account-Usage` and `X-FB-Ads-Insights-Throttle`, as Meta writes them."""

from __future__ import annotations

import json
from typing import Any

AD_ACCOUNT_WINDOW_SECONDS = 300.0
"""The sandbox's ad-account usage window: `reset_time_duration` counts down from it."""


def usage_headers(
    family: str | None,
    buc_id: str | None,
    insights: bool,
    app_pct: int,
    buc_pct: int,
    regain: int = 0,
    ad_account: tuple[float, int] | None = None,
) -> dict[str, str]:
    def triple(pct: int) -> dict[str, int]:
        return {"call_count": pct, "total_cputime": max(0, pct - 1), "total_time": pct}

    headers = {"X-App-Usage": json.dumps(triple(app_pct), separators=(",", ":"))}
    if family and buc_id:
        kind = ("ads_insights" if insights else "ads_management") if family == "ads" else family
        entry: dict[str, Any] = {"type": kind, **triple(buc_pct)}
        entry["estimated_time_to_regain_access"] = regain
        if family == "ads":
            entry["ads_api_access_tier"] = "standard_access"
        headers["X-Business-Use-Case-Usage"] = json.dumps({buc_id: [entry]}, separators=(",", ":"))
        if family == "ads" and ad_account is not None:
            # Marketing API rate-limiting docs: `acc_id_util_pct` a percentage,
            # `reset_time_duration` SECONDS until the ad account's usage is back to 0,
            # e.g. {"acc_id_util_pct":9.67,"reset_time_duration":100,"ads_api_access_tier":…}.
            pct, reset = ad_account
            headers["X-Ad-Account-Usage"] = json.dumps(
                {
                    "acc_id_util_pct": pct,
                    "reset_time_duration": reset,
                    "ads_api_access_tier": "standard_access",
                },
                separators=(",", ":"),
            )
        if family == "ads" and insights:
            headers["X-FB-Ads-Insights-Throttle"] = json.dumps(
                {
                    "app_id_util_pct": app_pct,
                    "acc_id_util_pct": buc_pct,
                    "ads_api_access_tier": "standard_access",
                },
                separators=(",", ":"),
            )
    return headers
