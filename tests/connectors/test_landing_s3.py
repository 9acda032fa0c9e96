"""The landing zone on an object store (moto's S3 server on loopback): no rename, so the data
object is written under its final name and the manifest last; a crash between the two leaves
no batch, and the re-run lands it once."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from connectors.landing import LandingZone

ROOT = Path(__file__).resolve().parents[2]
D = dt.date(2026, 11, 20)
BATCH = {
    "platform": "facebook",
    "entity": "posts",
    "client_id": "cafe_lumiere",
    "account_id": "104000000000001",
    "run_id": "scheduled__2026-11-20T07:00:00+00:00",
}


def _batch(zone: LandingZone):
    return zone.batch(
        **BATCH,
        logical_date=D,
        window=(dt.date(2026, 10, 23), D),
        requested=(D, D),
        api_version="v25.0",
    )


def _objects(zone: LandingZone) -> list[str]:
    zone.fs.invalidate_cache()
    return sorted(p[len(zone.root) + 1 :] for p in zone.fs.find(zone.root))


def test_a_batch_is_two_puts_data_then_manifest_and_no_rename(s3_landing, monkeypatch):
    zone = LandingZone(s3_landing)
    assert not zone.is_local

    def no_rename(*args, **kwargs):
        raise AssertionError("an object store has no rename: mv is a copy and a delete")

    monkeypatch.setattr(zone.fs, "mv", no_rename)
    records = [{"id": "1", "message": "Bonjour ☕"}, {"id": "2"}]
    with _batch(zone) as batch:
        batch.write_many(records)
        manifest = batch.commit(request_count=2)
    assert _objects(zone) == sorted([manifest.data_file, manifest.manifest_file])
    raw = zone.fs.cat(zone.path(manifest.data_file))
    assert hashlib.sha256(raw).hexdigest() == manifest.sha256
    assert [json.loads(line) for line in gzip.decompress(raw).splitlines()] == records
    assert zone.list_batches() == [manifest]
    assert list(zone.read_records(manifest)) == records


def test_an_error_inside_the_batch_uploads_nothing(s3_landing):
    zone = LandingZone(s3_landing)
    with pytest.raises(RuntimeError), _batch(zone) as batch:
        batch.write({"id": "1"})
        raise RuntimeError("connector failed mid-stream")
    assert _objects(zone) == []


def _land_in_another_process(
    root: str, records: list[dict], *, killed: bool = True, run_id: str = BATCH["run_id"]
) -> int:
    """Land a batch in a child process, `killed` (SIGKILL) when it is about to PUT the manifest:
    a real crash (no `finally`, no abort), as a worker lost mid-task."""
    code = textwrap.dedent(
        f"""
        import datetime as dt, os, signal
        from connectors.landing import LandingZone

        zone = LandingZone({root!r})
        def killed(relpath, text):
            os.kill(os.getpid(), signal.SIGKILL)
        if {killed!r}:
            zone.write_text = killed
        D = dt.date(2026, 11, 20)
        with zone.batch(**{BATCH | {"run_id": run_id}!r}, logical_date=D, window=(dt.date(2026, 10, 23), D),
                        requested=(D, D), api_version="v25.0") as batch:
            batch.write_many({records!r})
            batch.commit()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    return done.returncode


@pytest.mark.parametrize("earlier", [False, True], ids=["first-landing", "over-a-complete-batch"])
def test_a_crash_between_data_and_manifest_leaves_no_batch_and_the_rerun_lands_it_once(
    s3_landing, earlier
):
    zone = LandingZone(s3_landing)
    if earlier:  # an earlier attempt of this run landed whole (a retry re-lands the same names)
        with _batch(zone) as batch:
            batch.write_many([{"id": "old"}])
            batch.commit()
    assert _land_in_another_process(s3_landing, [{"id": "1"}, {"id": "2"}]) == -9
    data_file = f"facebook/posts/date={D}/104000000000001__scheduled__2026-11-20T07_00_00_00_00"
    # The data object is there, no manifest: no batch (the earlier manifest was withdrawn
    # before its data was replaced, so no manifest describes the other attempt's data).
    assert _objects(zone) == [f"{data_file}.ndjson.gz"]
    assert zone.list_batches() == []
    assert zone.scan(orphan_grace=dt.timedelta(0)).orphans == [f"{data_file}.ndjson.gz"]
    assert zone.scan().orphans == []  # too recent to tell from a batch being written now

    with _batch(LandingZone(s3_landing)) as batch:  # the re-run
        batch.write_many([{"id": "1"}, {"id": "2"}])
        manifest = batch.commit()
    assert _objects(zone) == [f"{data_file}.manifest.json", f"{data_file}.ndjson.gz"]
    assert zone.list_batches() == [manifest]
    assert [r["id"] for r in zone.read_records(manifest)] == ["1", "2"]
    assert zone.scan(orphan_grace=dt.timedelta(0)).orphans == []


def test_a_batch_landed_by_another_process_is_listed_by_a_zone_that_listed_before(s3_landing):
    """A long-lived loader (a worker) sees what other workers landed since it last looked."""
    zone = LandingZone(s3_landing)
    with _batch(zone) as batch:
        batch.write({"id": "1"})
        batch.commit()
    assert len(zone.list_batches()) == 1
    landed = _land_in_another_process(s3_landing, [{"id": "2"}], killed=False, run_id="manual__2")
    assert landed == 0
    assert sorted(m.run_id for m in zone.list_batches()) == ["manual__2", BATCH["run_id"]]


def test_small_records_beside_the_batches_are_single_puts(s3_landing, monkeypatch):
    """The extract-failure records (and API-calendar warnings) use the same writer."""
    from ruche.orchestration import record_failure

    zone = LandingZone(s3_landing)
    monkeypatch.setattr(zone.fs, "mv", lambda *a, **k: pytest.fail("no rename on S3"))
    summary = {
        "status": "failed",
        "platform": "facebook",
        "account_id": "104000000000001",
        "run_id": "manual__1",
        "client_id": "cafe_lumiere",
        "error": "token expired",
    }
    record_failure(zone, summary, D)
    [name] = _objects(zone)
    assert name.endswith("facebook__104000000000001__manual__1.json")
    assert json.loads(zone.fs.cat(zone.path(name)))["error"] == "token expired"


def test_storage_options_come_from_the_setting_and_a_bad_value_is_named(s3_landing, monkeypatch):
    from ruche.errors import SettingError

    assert LandingZone(s3_landing).fs.endpoint_url.startswith("http://127.0.0.1:")
    monkeypatch.setenv("RUCHE_LANDING_STORAGE_OPTIONS", "endpoint_url=http://127.0.0.1:9000")
    with pytest.raises(SettingError, match=r"RUCHE_LANDING_STORAGE_OPTIONS=.*a JSON object"):
        LandingZone(s3_landing)


def test_listing_the_batches_is_one_flat_listing_not_one_per_folder(s3_landing, caplog):
    """A year of nights is thousands of date folders: a glob would list each one."""
    zone = LandingZone(s3_landing)
    for day in (D - dt.timedelta(days=n) for n in range(3)):
        for entity in ("posts", "comments"):
            with zone.batch(
                **(BATCH | {"entity": entity}),
                logical_date=day,
                window=(day, day),
                requested=(day, day),
                api_version="v25.0",
            ) as batch:
                batch.write({"id": "1"})
                batch.commit()
    caplog.set_level("DEBUG", logger="s3fs")
    assert len(zone.list_batches()) == 6
    listings = [r for r in caplog.records if r.getMessage().startswith("CALL: list_objects_v2")]
    assert len(listings) == 1
    assert len(zone.list_batches("facebook", "posts")) == 3
