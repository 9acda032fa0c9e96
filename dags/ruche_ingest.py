"""
### Ruche nightly ingest

Extracts posts, comments, insights and ad statistics of every configured client account into
the landing zone, then audits and loads them into the DuckDB warehouse.

* **extract** — one mapped task per account (`.expand()`); extracts run in parallel and touch
  only HTTP and the landing zone. A permanent error (expired token, missing permission, removed
  metric, unknown account) fails that account's task only, with a message naming the client,
  the account and the fix; transient errors are retried with backoff.
* **load_<platform>** — audits (Great Expectations) and loads that platform's new batches, in
  the one-slot `duckdb_writer` pool because DuckDB has a single writer; runs even when some
  extracts failed, and emits the platform's Asset, which schedules `ruche_transform`.

Params: `days` (default 1) extracts that many days ending the day before the logical date
(in the agency timezone); `end` (YYYY-MM-DD) overrides the last day. Re-fetch windows for
restated data are added by the connectors.
"""

from __future__ import annotations

import datetime as dt
import os

import pendulum
from airflow.sdk import Asset, Param, dag, task
from airflow.timetables.trigger import CronTriggerTimetable

from ruche.orchestration import ASSET_RAW, WRITER_POOL, agency_schedule

PLATFORMS = ("facebook", "instagram", "meta_ads")
CRON, TIMEZONE = agency_schedule()

default_args = {
    "owner": "ruche",
    "retries": 3,
    "retry_delay": dt.timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": dt.timedelta(minutes=30),
}


def _token_lookup(account):
    """The account's token from its Airflow connection (password), else its env variable."""
    from airflow.sdk import BaseHook

    if account.airflow_conn_id:
        try:
            conn = BaseHook.get_connection(account.airflow_conn_id)
        except Exception:  # not defined: fall back to the environment variable
            conn = None
        if conn is not None and conn.password:
            return conn.password
    return os.environ.get(account.token_env) if account.token_env else None


def _alert_on_failure(context):
    """Optional alert naming the client and account (Airflow connection `ruche_alerts`)."""
    from airflow.sdk import BaseHook

    from ruche.orchestration import send_alert

    ti = context["ti"]
    try:
        conn = BaseHook.get_connection("ruche_alerts")
    except Exception:  # no alert channel configured: the failure is in the logs and ops
        return
    ref = getattr(ti, "rendered_map_index", None) or ti.task_id
    text = f"Ruche: {ti.dag_id}.{ti.task_id} [{ref}] failed: {context.get('exception')}"
    send_alert(text, conn.host or conn.password)


@dag(
    dag_id="ruche_ingest",
    doc_md=__doc__,
    schedule=CronTriggerTimetable(CRON, timezone=TIMEZONE),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args=default_args,
    tags=["ruche", "ingest"],
    params={
        "days": Param(1, type="integer", minimum=1, maximum=730),
        "end": Param(None, type=["null", "string"], format="date"),
    },
)
def ruche_ingest():
    @task
    def plan() -> list[dict[str, str]]:
        from ruche.config import load_config
        from ruche.orchestration import Paths, plan_accounts

        return plan_accounts(load_config(Paths.from_env().config))

    @task(
        map_index_template=(
            "{{ account.client_id }}/{{ account.platform }}/{{ account.account_id }}"
        ),
        on_failure_callback=_alert_on_failure,
    )
    def extract(account: dict[str, str], **context) -> dict:
        from airflow.exceptions import AirflowFailException

        from connectors.errors import PermanentError
        from ruche.orchestration import Paths, data_window, extract_one, safe_run_id

        params = context["params"]
        start, end = data_window(context["logical_date"], TIMEZONE, params["days"], params["end"])
        try:
            return extract_one(
                account,
                start=start,
                end=end,
                run_id=safe_run_id(context["run_id"]),
                paths=Paths.from_env(),
                token_lookup=_token_lookup,
            )
        except PermanentError as exc:  # retrying cannot help: fail now, say what to do
            raise AirflowFailException(str(exc)) from None

    accounts = extract.expand(account=plan())

    for platform in PLATFORMS:

        @task(
            task_id=f"load_{platform}",
            pool=WRITER_POOL,
            trigger_rule="all_done",  # load what landed even if some accounts failed
            outlets=[Asset(ASSET_RAW.format(platform=platform))],
        )
        def load(platform: str = platform) -> dict:
            from ruche.orchestration import Paths, load_platform

            return load_platform(platform, paths=Paths.from_env())

        accounts >> load()


ruche_ingest()
