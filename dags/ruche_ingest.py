"""
### Ruche nightly ingest

Extracts posts, comments, insights and ad statistics of every configured client account into
the landing zone, then audits and loads them into the DuckDB warehouse.

* **extract** — one mapped task per account (`.expand()`); extracts run in parallel and touch
  only HTTP and the landing zone. A permanent error (expired token, missing permission, removed
  metric, unknown account) fails that account's task only, with a message naming the client,
  the account and the fix; transient errors are retried with backoff.
* **load_<platform>** — audits (Great Expectations) and loads that platform's new batches, in
  the one-slot `duckdb_writer` pool because DuckDB has a single writer (and, when
  `RUCHE_WAREHOUSE_QUEUE` is set, on that Celery queue, served only by the warehouse host's
  worker); runs even when some extracts failed, and emits the platform's Asset, which schedules
  `ruche_transform` (so the accounts that succeeded are published).
* **check_accounts** — runs last, after the loads; fails the run when any account failed, with
  one line per failed account (client/platform/account, the error and what to do). A night
  with failed accounts is therefore **failed** in Airflow; the failures are also in
  `ops.open_extract_failures` (and sent to the `ruche_alerts` connection if it exists).

Params: `days` (default 1) extracts that many days ending the day before the logical date
(in the agency timezone); `end` (YYYY-MM-DD) overrides the last day. A day that has not ended
yet anywhere is refused by the plan task. A platform whose reporting day is not over when the
run starts (Meta organic counts Pacific days: at 02:00 Toronto "yesterday" has an hour to go in
Los Angeles) is extracted up to its last complete day, and the extract log says so; the next
run's re-fetch window picks the day up. Re-fetch windows for restated data are added by the
connectors.
"""

from __future__ import annotations

import datetime as dt
import os

import pendulum
from airflow.sdk import Asset, Param, dag, task
from airflow.timetables.trigger import CronTriggerTimetable

from ruche import platforms
from ruche.orchestration import ASSET_RAW, agency_schedule, writer_task_args

PLATFORMS = platforms.names()  # one load task and Asset per registered platform
CRON, TIMEZONE = agency_schedule()
WRITER = writer_task_args()  # the duckdb_writer pool, and the warehouse queue when set

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
        "days": Param(
            1,
            type="integer",
            minimum=1,
            maximum=730,
            description="How many days to extract (1 to 730), ending on the last day: `end` "
            "if set, else the day before the run's logical date in the agency's timezone. More "
            "than 1 backfills or re-fetches restated days.",
        ),
        "end": Param(
            None,
            type=["null", "string"],
            format="date",
            description="Last day to extract, YYYY-MM-DD; empty for the day before the run's "
            "logical date in the agency's timezone. A day that has not ended yet is refused.",
        ),
    },
)
def ruche_ingest():
    @task
    def plan(**context) -> list[dict[str, str]]:
        import logging

        from airflow.sdk.exceptions import AirflowFailException

        from ruche.config import load_config
        from ruche.orchestration import (
            Paths,
            data_window,
            future_days_error,
            newest_complete_day,
            plan_accounts,
            run_moment,
        )

        config = load_config(Paths.from_env().config)
        params = context["params"]
        _, end = data_window(run_moment(context), TIMEZONE, params["days"], params["end"])
        newest = newest_complete_day(config, dt.datetime.now(dt.UTC))
        refusal = future_days_error(
            "end" if params["end"] else "the day before the run", end, newest
        )
        if refusal:  # a day that has ended nowhere would land as zeros marked final
            logging.getLogger("ruche.nightly").error("%s", refusal)
            raise AirflowFailException(refusal)
        return plan_accounts(config)

    @task(
        map_index_template=(
            "{{ account.client_id }}/{{ account.platform }}/{{ account.account_id }}"
        ),
        on_failure_callback=_alert_on_failure,
    )
    def extract(account: dict[str, str], **context) -> dict:
        from airflow.sdk.exceptions import AirflowFailException

        from connectors.errors import PermanentError
        from ruche.orchestration import Paths, data_window, extract_one, run_moment, safe_run_id

        params = context["params"]
        start, end = data_window(run_moment(context), TIMEZONE, params["days"], params["end"])
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

    planned = plan()
    accounts = extract.expand(account=planned)

    @task(trigger_rule="all_done", on_failure_callback=_alert_on_failure)
    def check_accounts(**context) -> dict:
        """Fail the run, after the loads, when an account's extract failed: the night is then
        red in Airflow and this task's log lists each failed account with its error and fix."""
        import logging

        from airflow.sdk.exceptions import AirflowFailException

        from connectors.landing import LandingZone
        from ruche.orchestration import Paths, days_not_over, night_failures

        ti = context["ti"]
        planned = ti.xcom_pull(task_ids="plan")
        if planned is None:
            raise AirflowFailException("nothing was extracted: the plan task failed (see its log)")
        results = ti.xcom_pull(task_ids="extract", map_indexes=list(range(len(planned))))
        for line in days_not_over(planned, results or []):
            logging.getLogger("ruche.nightly").warning("%s", line)
        failed = night_failures(
            LandingZone(Paths.from_env().landing), context["run_id"], planned, results or []
        )
        if failed:
            message = (
                f"{len(failed)} of {len(planned)} accounts failed; the others were loaded:\n"
                + "\n".join(f"  - {line}" for line in failed)
            )
            logging.getLogger("ruche.nightly").error("%s", message)
            raise AirflowFailException(message)
        return {"accounts": len(planned), "failed": 0}

    loads = []
    for platform in PLATFORMS:

        @task(
            task_id=f"load_{platform}",
            **WRITER,
            trigger_rule="all_done",  # load what landed even if some accounts failed
            outlets=[Asset(ASSET_RAW.format(platform=platform))],
        )
        def load(platform: str = platform) -> dict:
            from ruche.orchestration import Paths, load_platform

            return load_platform(platform, paths=Paths.from_env())

        loaded = load()
        accounts >> loaded
        loads.append(loaded)

    loads >> check_accounts()


ruche_ingest()
