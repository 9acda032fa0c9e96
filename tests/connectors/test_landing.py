"""The landing zone: atomic batches, manifests, and nothing half-written ever visible."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json

import pytest

from connectors.landing import LandingZone

D = dt.date(2026, 11, 20)


def _batch(zone: LandingZone, run_id: str = "run1", entity: str = "posts"):
    return zone.batch(
        platform="facebook",
        entity=entity,
        client_id="cafe_lumiere",
        account_id="104000000000001",
        run_id=run_id,
        logical_date=D,
        window=(dt.date(2026, 10, 23), D),
        requested=(dt.date(2026, 11, 20), D),
        api_version="v25.0",
    )


def test_commit_writes_data_then_manifest(tmp_path):
    zone = LandingZone(str(tmp_path))
    records = [{"id": "1", "message": "Bonjour ☕ à tous"}, {"id": "2"}]
    with _batch(zone) as batch:
        batch.write_many(records)
        manifest = batch.commit(request_count=3)
    data = tmp_path / manifest.data_file
    assert data.name == "104000000000001__run1.ndjson.gz"
    assert data.parent.name == "date=2026-11-20"
    raw = data.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == manifest.sha256
    lines = gzip.decompress(raw).decode().splitlines()
    assert [json.loads(line) for line in lines] == records
    assert manifest.record_count == 2 and manifest.request_count == 3
    assert manifest.window_start == "2026-10-23" and manifest.requested_start == "2026-11-20"
    on_disk = json.loads((tmp_path / manifest.manifest_file).read_text())
    assert on_disk["record_count"] == 2 and on_disk["run_id"] == "run1"
    assert zone.list_batches() == [manifest]
    assert list(zone.read_records(manifest)) == records


def test_a_crash_before_rename_leaves_nothing_a_loader_takes(tmp_path):
    zone = LandingZone(str(tmp_path))
    batch = _batch(zone)
    batch.write({"id": "1"})
    # The process dies here: no commit, no abort. Only a temporary file exists.
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 1 and ".tmp-" in files[0].name
    assert not files[0].name.endswith(".ndjson.gz")
    assert zone.list_batches() == []


def test_a_crash_between_data_and_manifest_leaves_no_batch(tmp_path, monkeypatch):
    zone = LandingZone(str(tmp_path))
    batch = _batch(zone)
    batch.write({"id": "1"})
    real_mv = zone.fs.mv
    calls = []

    def mv_then_die(src, dst, **kw):
        calls.append(dst)
        if dst.endswith(".manifest.json"):
            raise OSError("disk gone")
        return real_mv(src, dst, **kw)

    monkeypatch.setattr(zone.fs, "mv", mv_then_die)
    with pytest.raises(OSError):
        batch.commit()
    assert zone.list_batches() == []  # the data file without a manifest is not a batch


def test_an_error_inside_the_batch_aborts_it(tmp_path):
    zone = LandingZone(str(tmp_path))
    with pytest.raises(RuntimeError), _batch(zone) as batch:
        batch.write({"id": "1"})
        raise RuntimeError("connector failed mid-stream")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_changed_file_fails_verification(tmp_path):
    zone = LandingZone(str(tmp_path))
    with _batch(zone) as batch:
        batch.write({"id": "1"})
        manifest = batch.commit()
    path = tmp_path / manifest.data_file
    path.write_bytes(gzip.compress(b'{"id":"2"}\n'))
    with pytest.raises(ValueError, match="checksum does not match"):
        list(zone.read_records(manifest))


def test_run_ids_become_safe_file_names_and_runs_do_not_collide(tmp_path):
    zone = LandingZone(str(tmp_path))
    for run_id in ("scheduled__2026-11-20T07:00:00+00:00", "manual__2026-11-20T08:00:00+00:00"):
        with _batch(zone, run_id) as batch:
            batch.write({"id": "1"})
            batch.commit()
    names = sorted(m.data_file.rsplit("/", 1)[1] for m in zone.list_batches())
    assert names == [
        "104000000000001__manual__2026-11-20T08_00_00_00_00.ndjson.gz",
        "104000000000001__scheduled__2026-11-20T07_00_00_00_00.ndjson.gz",
    ]


def test_landing_root_can_be_an_fsspec_url():
    zone = LandingZone("memory://ruche-test-landing")
    with _batch(zone) as batch:
        batch.write({"id": "1"})
        manifest = batch.commit()
    assert [m.data_file for m in zone.list_batches("facebook", "posts", D)] == [manifest.data_file]
    assert list(zone.read_records(manifest)) == [{"id": "1"}]
