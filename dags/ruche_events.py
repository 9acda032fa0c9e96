"""
### Ruche events: a comment reaches the community manager in minutes

Meta's webhooks (`ruche webhooks serve`) put each comment event on a Redis stream, the durable
mailbox, and ring a doorbell on a Redis pub/sub channel (`RUCHE_WEBHOOK_CHANNEL`). An
**AssetWatcher** listens on that channel in the triggerer (the common messaging provider's
`MessageQueueTrigger`, `redis+pubsub`, through the Airflow connection `RUCHE_EVENTS_REDIS_CONN_ID`,
e.g. `AIRFLOW_CONN_RUCHE_REDIS=redis://:password@host:6379/0`); each doorbell updates the Asset
`ruche://webhooks/meta`, which schedules this DAG.

Pub/sub is not durable: a doorbell rung while the triggerer is down or re-subscribing is lost.
That only delays: every run drains the whole stream from its consumer group (entries that
arrived since the last run, whoever rang), and the schedule has a time fallback every 15
minutes, so an event waits at most that long without a doorbell. One run at a time: doorbells
that ring during a run queue one more run, which takes whatever arrived meanwhile.

* **land** — reads the new stream entries (consumer group `ruche_events`), lands them as
  landing batches under the extracts' contract (gzip NDJSON + manifest), then acknowledges them
  (any worker: it writes the landing zone, not the warehouse).
* **load** — audits (Great Expectations) and loads the landed event batches.
* **refresh** — rebuilds only the dbt models comments feed (incremental); skipped when the
  load had nothing new.
* **alert** — the immediate rules per client (a negative comment, a comment outside business
  hours that will breach the response target, a spike within the last hour), each fired once per
  comment or spike to the client's chat or e-mail (`ops.notifications`).

`load`, `refresh` and `alert` write the DuckDB warehouse: the one-slot `duckdb_writer` pool
(and, when `RUCHE_WAREHOUSE_QUEUE` is set, that Celery queue), shared with the nightly DAGs. A
run with no new event lands nothing, loads nothing, skips the refresh and finds no alert to
send: seconds. The nightly extract stays the source of truth and reconciles what the events
loaded (same comment ids, the nightly's fields win).
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger
from airflow.sdk import Asset, AssetWatcher, dag, task
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable

from ruche.event_tasks import ASSET_EVENTS
from ruche.orchestration import agency_schedule, writer_task_args
from ruche.settings import settings

_CRON, TIMEZONE = agency_schedule()
WRITER = writer_task_args()  # the duckdb_writer pool, and the warehouse queue when set
SETTINGS = settings()  # environment reads only (no I/O): the channel, connection, poll interval
# The fallback bounds how long an event waits when its doorbell was missed (triggerer restart,
# the trigger re-subscribing after each doorbell): 15 minutes is "minutes, not the next
# morning", and a run with nothing to do costs a few seconds of a worker, 96 times a day.
FALLBACK_CRON = "*/15 * * * *"

watchers = (
    [
        AssetWatcher(
            name="ruche_webhooks_doorbell",
            trigger=MessageQueueTrigger(
                scheme="redis+pubsub",
                channels=[SETTINGS.WEBHOOK_CHANNEL],
                redis_conn_id=SETTINGS.EVENTS_REDIS_CONN_ID,
                poll_interval=SETTINGS.EVENTS_POLL_SECONDS,
            ),
        )
    ]
    if SETTINGS.WEBHOOK_CHANNEL
    else []  # no doorbell configured: the time fallback alone
)
webhook_events = Asset(name="ruche_webhook_events", uri=ASSET_EVENTS, watchers=watchers)


@dag(
    dag_id="ruche_events",
    doc_md=__doc__,
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(FALLBACK_CRON, timezone=TIMEZONE),
        assets=webhook_events,
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "ruche", "retries": 1, "retry_delay": dt.timedelta(seconds=30)},
    tags=["ruche", "events", "webhooks"],
)
def ruche_events():
    @task
    def land() -> dict:
        from ruche.event_tasks import land_events_task

        return land_events_task()

    @task(**WRITER)
    def load(landed: dict) -> dict:
        from ruche.event_tasks import load_events_task

        return load_events_task(landed)

    @task(**WRITER)
    def refresh(loaded: dict) -> dict:
        from airflow.exceptions import AirflowSkipException

        from ruche.event_tasks import NothingNew, refresh_events_task

        try:
            return refresh_events_task(loaded)
        except NothingNew as exc:
            raise AirflowSkipException(str(exc)) from None

    @task(**WRITER, trigger_rule="none_failed")
    def alert() -> dict:
        from ruche.event_tasks import alert_events_task

        return alert_events_task()

    loaded = load(land())
    refresh(loaded) >> alert()


ruche_events()
