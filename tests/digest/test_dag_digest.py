"""The transform DAG's `digest` task, run by `airflow dags test` after a real dbt build and
publish: with the mail server refusing everything, the publish stays green, the DAG run
succeeds, and the send is recorded failed with the server's reason. The task prints each page
to PDF when a headless Chromium is installed, and says so, keeping the HTML, when none is."""

from __future__ import annotations

import datetime as dt
import shutil

from ruche import demo
from ruche.digest import NO_PDF_BROWSER
from ruche.digest.monthly import find_pdf_browser

from ..warehouse.test_dbt import query
from .test_delivery import write_config

LOGICAL = dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC)


def test_a_failing_mail_server_never_fails_the_publish(
    morning_build, smtp_server, sandbox_session, demo_config, tmp_path
):
    inbox, port = smtp_server(fail_with="451 4.3.0 Mail server temporarily rejected message")
    config = write_config(tmp_path, port, attempts=2)
    paths = demo.DemoPaths(tmp_path / "out")
    paths.warehouse.parent.mkdir(parents=True)
    shutil.copy(morning_build, paths.warehouse)
    env = demo.airflow_env(paths, config, sandbox_session.url, demo_config)
    env["RUCHE_REPORTS_DIR"] = str(tmp_path / "reports")
    log = tmp_path / "airflow.log"
    demo.prepare_airflow(env, log)

    # raises when the run (or any task) failed
    demo.airflow(["dags", "test", "ruche_transform", LOGICAL.isoformat()], env, log)

    text = log.read_text(errors="replace")
    assert "task_id=digest" in text or "digest" in text
    assert paths.published.is_file()
    assert inbox.attempts == 2  # tried, and retried once
    [row] = query(paths.warehouse, "SELECT * FROM ops.notifications WHERE channel = 'email'")
    assert row["client_id"] == "cafe_lumiere" and row["digest_date"] == dt.date(2026, 11, 20)
    assert row["status"] == "failed" and "451" in row["error"]
    assert "temporarily rejected" in row["error"]
    # every client's page was written all the same
    pages = sorted(p.name for p in (tmp_path / "reports").rglob("digest-*.html"))
    assert len(pages) == 4  # cafe (fr), stride (en), maison (fr and en)
    # the nightly task prints the PDFs too (CI installs Chromium: scripts/install-chromium.sh)
    pdfs = sorted((tmp_path / "reports").rglob("digest-*.pdf"))
    if find_pdf_browser() is None:
        assert not pdfs and NO_PDF_BROWSER in text
    else:
        assert sorted(p.with_suffix(".html").name for p in pdfs) == pages
        assert all(p.read_bytes().startswith(b"%PDF-") for p in pdfs)
        assert NO_PDF_BROWSER not in text


def test_without_chromium_the_task_keeps_the_html_and_says_why(
    morning_build, demo_config, tmp_path, monkeypatch, caplog
):
    """The task's callable (`run_digests(..., pdf=True)`, as the DAG calls it) on a machine
    where no browser is on PATH: every page written, no PDF, no failure, one plain warning."""
    from ruche.digest import run_digests

    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert find_pdf_browser() is None
    with caplog.at_level("WARNING", logger="ruche.digest"):
        results = run_digests(
            morning_build,
            demo_config,
            date=LOGICAL.date(),
            reports_dir=tmp_path / "reports",
            pdf=True,
        )
    assert sum(len(r.pages) for r in results) == 4 and all(
        p.is_file() for r in results for p in r.pages
    )
    assert not any(r.pdfs for r in results)
    assert not list((tmp_path / "reports").rglob("*.pdf"))
    assert [r.getMessage() for r in caplog.records].count(NO_PDF_BROWSER) == 1
