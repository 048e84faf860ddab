"""The processed store: versions, one atomic switch, readers that never write, guards."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import NOTEBOOKS
from tiny import reference_dir, snapshot, with_row, write_tiny

import pvanalysis as pv
from pvanalysis import store
from pvanalysis.build import build_processed
from pvanalysis.cli import cli
from pvanalysis.errors import PvInputError


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    return reference_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    return write_tiny(tmp_path_factory.mktemp("tiny") / "raw")


@pytest.fixture
def built(raw, ref, tmp_path):
    """A store with one version of the tiny data: (store folder, version id)."""
    out = tmp_path / "processed"
    return out, build_processed(raw, out, reference_dir=ref).version


def _tree(folder: Path) -> dict[str, tuple]:
    """Every entry under a folder (hidden ones included) with its size and mtime."""
    return {str(p.relative_to(folder)): (p.is_dir(), p.stat().st_size if p.is_file() else 0,
                                         p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}


# ---------------------------------------------------------------- publishing


def test_a_build_publishes_a_complete_version_and_points_at_it(built):
    out, vid = built
    version = store.current(out)
    assert version.id == vid and version.path == out / "versions" / vid
    manifest = version.manifest
    assert manifest["version"] == vid and manifest["tables"]["disbursements"] == 4
    assert set(manifest["files"]) >= {"projects.parquet", "communes.parquet",
                                      "quarantine.parquet", "territory_matching.parquet"}
    tables = pv.load(out, ["projects", "communes"])
    assert tables["projects"].attrs["data_version"] == vid
    assert len(tables["communes"]) == 1503
    assert not (out / ".staging").exists()


def test_identical_builds_have_the_same_data_hash(built, raw, ref):
    out, first = built
    second = build_processed(raw, out, reference_dir=ref).version
    versions = {v.id: v for v in store.versions(out)}
    assert first != second and set(versions) == {first, second}
    assert versions[first].data_sha256 == versions[second].data_sha256


def test_old_versions_are_pruned_but_never_the_current_or_a_pinned_one(built, raw, ref):
    out, first = built
    with store.current(out).pinned():
        for _ in range(2):
            build_processed(raw, out, reference_dir=ref, keep=1)
        ids = [v.id for v in store.versions(out)]
        assert first in ids and len(ids) == 2  # the pinned one and the current one
    last = build_processed(raw, out, reference_dir=ref, keep=1).version
    assert [v.id for v in store.versions(out)] == [last] == [store.current(out).id]


def test_a_failed_build_leaves_the_current_version(built, raw, monkeypatch):
    out, vid = built
    before = snapshot(out / "versions")

    def boom(*args, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError, match="disque plein"):
        build_processed(raw, out)
    assert store.current(out).id == vid
    assert snapshot(out / "versions") == before
    assert not (out / ".staging").exists() or not any((out / ".staging").iterdir())


# Kill the build process at its n-th call of one of these: every file write and rename of a
# publication, so every point between "nothing written" and "pruned".
_KILLER = """
import os, signal, sys
import pandas as pd
from pvanalysis.build import build_processed
target, name, n = sys.argv[4], sys.argv[5], int(sys.argv[6])
calls = [0]
def hook(original):
    def wrapped(*args, **kwargs):
        calls[0] += 1
        if calls[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)
    return wrapped
if name == "replace":
    os.replace = hook(os.replace)
else:
    pd.DataFrame.to_parquet = hook(pd.DataFrame.to_parquet)
build_processed(sys.argv[1], sys.argv[2], reference_dir=sys.argv[3], keep=int(sys.argv[7]))
print("not killed")
"""


@pytest.mark.slow
@pytest.mark.parametrize(("name", "n"), [("to_parquet", 1), ("to_parquet", 8),
                                         ("replace", 1), ("replace", 2), ("replace", 3)])
def test_sigkill_at_any_point_leaves_a_loadable_current_version(built, raw, ref, name, n):
    """Renames: 1 draft → versions, 2 the pointer, 3 pruning (keep=1) the previous version."""
    out, vid = built
    proc = subprocess.run([sys.executable, "-c", _KILLER, str(raw), str(out), str(ref),
                           str(out), name, str(n), "1"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == -9, proc.stdout + proc.stderr
    now = store.current(out)
    assert now.id == vid or now.id in {v.id for v in store.versions(out)}
    assert len(pv.load(out, ["projects"])["projects"]) == 3
    # later commands clear the leftovers but never the previous version
    build_processed(raw, out, reference_dir=ref)
    assert vid in {v.id for v in store.versions(out)}
    assert len(pv.load(store.Version(vid, out / "versions" / vid), ["projects"])["projects"]) == 3
    assert not (out / ".staging").exists() and not (out / ".trash").exists()


def test_a_second_writer_waits_or_stops_with_a_french_message(built, raw, ref):
    out, vid = built
    with store.publish(out):
        with pytest.raises(PvInputError, match="une autre publication est en cours"):
            with store.publish(out, lock_timeout_s=0.2):
                pass
        done = []
        thread = threading.Thread(target=lambda: done.append(
            build_processed(raw, out, reference_dir=ref).version))
        thread.start()
        time.sleep(0.5)
        assert not done  # waiting for the lock
    thread.join(120)
    assert done and store.current(out).id == done[0]


# ---------------------------------------------------------------- reading


def test_loading_never_writes_and_works_read_only(built, tmp_path):
    out, vid = built
    copy = tmp_path / "lecture"
    shutil.copytree(out, copy)
    for path in [copy, *copy.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    before = _tree(copy)
    try:
        tables = pv.load(copy)
        assert tables["projects"].attrs["data_version"] == vid
        assert len(pv.territories.load_layer("province", copy, display=True)) == 75 + 8
        assert pv.territories.lookup("commune", "tanger", copy)["code"] == "01.511.01.0"
        with store.current(copy).pinned():
            assert store.current(copy).read("projects", ["project_id"]).shape == (3, 1)
        assert _tree(copy) == before
    finally:
        for path in [copy, *copy.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_a_missing_table_or_version_says_what_to_run(built, tmp_path):
    out, vid = built
    with pytest.raises(PvInputError, match="ne contient pas de tables construites.*pvanalysis "
                                           "build"):
        pv.load(tmp_path / "vide")
    only_reference = tmp_path / "ref"
    pv.territories.build_reference(only_reference)
    with pytest.raises(PvInputError, match="table « projects » absente.*pvanalysis build"):
        pv.load(only_reference, ["projects"])
    (out / "CURRENT").write_text("20990101-000000-abcd\n")
    with pytest.raises(PvInputError, match="version courante 20990101-000000-abcd.*absente"):
        pv.load(out)
    assert not (out / "versions" / "20990101-000000-abcd").exists()


def test_a_folder_of_the_previous_release_loads_and_is_migrated(built, raw, ref, tmp_path):
    out, vid = built
    legacy = tmp_path / "ancien"
    legacy.mkdir()
    for path in store.current(out).path.glob("*.parquet"):
        shutil.copy2(path, legacy / path.name)
    # 0.1 named the physical progress of actions "progress"
    actions = pd.read_parquet(legacy / "actions.parquet")
    actions.rename(columns={"progress_rate": "progress"}).to_parquet(legacy / "actions.parquet")
    manifest = store.current(out).manifest
    for key in ("version", "published_at", "files", "data_sha256"):
        manifest.pop(key)
    (legacy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (legacy / ".gitkeep").touch()
    before = pv.load(legacy)
    assert len(before["projects"]) == 3
    assert before["actions"]["progress_rate"].notna().all()
    assert "progress_rate" in pv.store.current(legacy).read("actions", ["progress_rate"])
    assert pv.reports.load_tables(legacy)["projects"].equals(before["projects"])

    summary = build_processed(raw, legacy)  # reuses the old folder's reference, keeps it
    ids = [v.id for v in store.versions(legacy)]
    assert len(ids) == 2 and ids[-1] == summary.version == store.current(legacy).id
    old = store.versions(legacy)[0]
    assert pv.load(old, ["projects"])["projects"].equals(before["projects"])
    assert not list(legacy.glob("*.parquet")) and (legacy / ".gitkeep").exists()


# ---------------------------------------------------------------- guarding --out


@pytest.mark.parametrize(("out", "message"), [
    ("data/raw", "est le dossier des fichiers bruts"),
    ("data", "contient le dossier des fichiers bruts"),
    (".", "contient le dossier des fichiers bruts"),
    ("data/raw/sortie", "est à l'intérieur du dossier des fichiers bruts"),
    ("autre", "n'est pas vide et n'est pas un dossier de données traitées"),
    ("fichier.txt", "est un fichier"),
])
def test_out_guards_exit_2_and_leave_raw_intact(raw, tmp_path, monkeypatch, out, message):
    shutil.copytree(raw, tmp_path / "data" / "raw")
    (tmp_path / "autre").mkdir()
    (tmp_path / "autre" / "notes.txt").write_text("à garder")
    (tmp_path / "fichier.txt").write_text("à garder")
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    result = CliRunner().invoke(cli, ["build", "--raw", "data/raw", "--out", out])
    assert result.exit_code == 2
    assert result.output.startswith("Erreur : dossier de sortie refusé") and message in \
        result.output
    assert "Traceback" not in result.output
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------- reports read one version

_LOOP = """
import sys
from pvanalysis.build import build_processed
raws, out, ref = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
i = 0
while True:
    build_processed(raws[i % 2], out, reference_dir=ref, keep=1000)
    i += 1
"""


@pytest.mark.slow
def test_reports_and_batches_read_one_version_while_builds_publish(built, raw, ref, tmp_path):
    out, _ = built
    # the loop alternates two datasets that differ in rows read and quarantined
    other = write_tiny(tmp_path / "raw2", sheets=with_row(
        "Partenaires", ["X9", "Partenaire inconnu", "catégorie inventée"]))
    loop = subprocess.Popen([sys.executable, "-c", _LOOP, f"{raw},{other}", str(out),
                             str(ref)])
    try:
        deadline = time.monotonic() + 120
        while len(store.versions(out)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        result = pv.reports.run_report("qualite", {}, tmp_path / "site", out,
                                       notebooks_dir=NOTEBOOKS)
        batch = pv.reports.run_batch({"reports": [{"kind": "qualite"},
                                                  {"kind": "convention",
                                                   "params": {"convention_id": "C1"}}]},
                                     tmp_path / "lot", processed_dir=out,
                                     notebooks_dir=NOTEBOOKS)
    finally:
        loop.kill()
        loop.wait()
    assert len(store.versions(out)) > 4  # builds did publish meanwhile
    for r, folder in [(result, tmp_path / "site"), *((r, tmp_path / "lot")
                                                     for r in batch.reports)]:
        assert r.ok, r.error
        figures = json.loads((folder / r.report_id / "figures.json").read_text("utf-8"))
        page = (folder / r.report_id / "rapport.html").read_text("utf-8")
        assert figures["data_version"] == r.data_version
        assert f"version {r.data_version}" in page
        version = store.Version(r.data_version, out / "versions" / r.data_version)
        if r.kind == "qualite":  # what the page shows comes from that version alone
            rows_in = sum(s["rows_in"] for s in version.manifest["sources"])
            assert figures["rows_in"] == rows_in
            assert figures["quarantined"] == len(version.read("quarantine"))
    manifest = json.loads(batch.manifest.read_text("utf-8"))
    assert {e["data_version"] for e in manifest["reports"]} == {manifest["data_version"]}
    assert manifest["data_version"] in batch.index.read_text("utf-8")


def test_reference_command_publishes_through_the_store(tmp_path):
    out = tmp_path / "processed"
    result = CliRunner().invoke(cli, ["reference", "--processed", str(out)])
    assert result.exit_code == 0, result.output
    version = store.current(out)
    assert [v.id for v in store.versions(out)] == [version.id]
    assert version.has("communes") and not version.has("projects")
    assert sorted(p.name for p in out.iterdir()) == [".lock", "CURRENT", "store.json",
                                                     "versions"]
    assert os.path.isfile(version.path / "manifest.json")
