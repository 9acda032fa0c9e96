"""
### Ruche transform and publish

Runs the dbt project (one `dbt build`: models and tests) over the warehouse, then publishes the
marts to a separate DuckDB file renamed over the previous one, so BI tools never see a
half-built mart and never hold a lock the pipeline needs. Then `digest` writes each client's
morning digest under the reports folder (HTML, and PDF when a headless Chromium is installed:
`scripts/install-chromium.sh`; without one its log and result say so and the HTML is kept) and
sends it (e-mail, chat) once per day; a failed send is recorded in `ops.notifications` and never
fails the publish.

Scheduled on the raw Assets of every platform, with a time fallback: it runs as soon as all
platforms loaded, or at the fallback time anyway, so one platform's outage never holds back the
others' marts. Every task uses the one-slot `duckdb_writer` pool (and, when
`RUCHE_WAREHOUSE_QUEUE` is set, that Celery queue: only the warehouse host's worker runs them).
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import Asset, AssetAll, dag, task
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable

from ruche import platforms
from ruche.orchestration import ASSET_MARTS, ASSET_RAW, agency_schedule, writer_task_args

CRON, TIMEZONE = agency_schedule()
WRITER = writer_task_args()  # the duckdb_writer pool, and the warehouse queue when set
FALLBACK_CRON = "0 6 * * *"  # local time: marts refreshed by the morning whatever happens

# Every registered platform (the registry is import-light: no I/O at parse time).
raw_assets = [Asset(ASSET_RAW.format(platform=name)) for name in platforms.names()]


@dag(
    dag_id="ruche_transform",
    doc_md=__doc__,
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(FALLBACK_CRON, timezone=TIMEZONE),
        assets=AssetAll(*raw_assets),
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "ruche", "retries": 1, "retry_delay": dt.timedelta(minutes=5)},
    tags=["ruche", "transform", "publish"],
)
def ruche_transform():
    @task(**WRITER)
    def dbt_build() -> dict:
        from ruche import pipeline
        from ruche.orchestration import Paths

        report = pipeline.build(Paths.from_env().warehouse)
        return {"seconds": round(report.seconds, 3), "nodes": report.counts()}

    @task(**WRITER, outlets=[Asset(ASSET_MARTS)])
    def publish(**context) -> dict:
        from ruche import pipeline
        from ruche.orchestration import Paths

        paths = Paths.from_env()
        report = pipeline.publish(paths.warehouse, paths.published, run_id=context["run_id"])
        return {"published": str(report.path), "tables": report.tables}

    @task(**WRITER)
    def digest(**context) -> dict:
        """Each client's morning digest, written (HTML, and PDF when a headless Chromium is
        installed) and sent once (ops.notifications); spike alerts to chat. A failed send is
        retried, recorded and logged, never raised: the publish before it stays green and the
        next run tries it again. No Chromium is no failure: the result's `pdf` says why there
        is no PDF."""
        import pendulum as pdl

        from ruche.config import load_config
        from ruche.digest import NO_PDF_BROWSER, run_digests
        from ruche.digest.monthly import find_pdf_browser
        from ruche.orchestration import Paths

        paths = Paths.from_env()
        # asset-triggered runs have no logical date: the run's own time says which morning it is
        instant = context.get("logical_date") or context["dag_run"].run_after or pdl.now("UTC")
        results = run_digests(
            paths.warehouse, load_config(paths.config), send=True, now=instant, pdf=True
        )
        return {
            "pdf": "printed" if find_pdf_browser() else NO_PDF_BROWSER,
            "clients": {
                r.client_id: {
                    "date": r.date.isoformat(),
                    "pages": [str(p) for p in r.pages],
                    "pdfs": [str(p) for p in r.pdfs],
                    "spikes": r.spikes,
                    "deliveries": {o.key: o.status for o in r.deliveries},
                }
                for r in results
            },
        }

    dbt_build() >> publish() >> digest()


ruche_transform()
