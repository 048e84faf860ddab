"""Scheduled runs: a failed re-run keeps the last good report, an interrupted batch leaves a
true site, one writer per site, redo only what an edit touched, isolated reports, Dask."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime

import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import NOTEBOOKS

from pvanalysis import reports, store
from pvanalysis.cli import cli
from pvanalysis.errors import PvInputError
from pvanalysis.reports import files
from pvanalysis.reports.depends import DataIndex, changed

pytestmark = pytest.mark.slow

# --------------------------------------------------------------------------------------------
# A toy notebook (kind "qualite") that records the state it starts with, then pollutes it
# --------------------------------------------------------------------------------------------

_PARAMS = ('processed_dir: str = "."  # dossier des tables\n'
           'output_dir: str = "."  # dossier de sortie\n'
           'tag: str = "a"  # nom du rapport\n'
           'mode: str = "{mode}"  # ok, error, sleep ou dead\n'
           'pidfile: str = ""  # fichier où écrire le numéro du processus')
_BODY = """import os, time, warnings
import matplotlib.pyplot as plt
import pandas as pd
import pvanalysis.present as pp
from pvanalysis.errors import ParameterError
state = {"linewidth": float(plt.rcParams["lines.linewidth"]),
         "max_rows": pd.get_option("display.max_rows"), "filters": len(warnings.filters),
         "cwd": os.getcwd(), "mark": getattr(pd, "_pv_mark", None)}
if pidfile:
    open(pidfile, "w").write(str(os.getpid()))
if mode == "error":
    raise ParameterError("période vide : essai")
if mode == "sleep":
    time.sleep(120)
if mode == "dead":
    os._exit(1)
plt.rcParams["lines.linewidth"] = 9.0
pd.set_option("display.max_rows", 3)
warnings.simplefilter("ignore")
os.chdir("/")
pd._pv_mark = tag
pp.write_figures({"title": f"Essai {tag}", "state": state, "summary": {"Mode": mode}},
                 output_dir, processed_dir)"""


def _notebooks(folder, mode="ok"):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell(_PARAMS.format(mode=mode))
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(_BODY)]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "qualite_donnees.ipynb")
    return folder


@pytest.fixture
def toy(tmp_path):
    """Notebooks that succeed (``ok``) or fail (``ko``), and a store with one table."""
    _notebooks(tmp_path / "ok")
    _notebooks(tmp_path / "ko", mode="error")
    with store.publish(tmp_path / "processed") as draft:
        pd.DataFrame({"project_id": ["P1"]}).to_parquet(draft.path / "projects.parquet")
    return tmp_path


def _batch(toy, tags, notebooks="ok", **options):
    config = {"reports": [{"kind": "qualite", "params": p} for p in tags]}
    return reports.run_batch(config, toy / "site", processed_dir=toy / "processed",
                             notebooks_dir=toy / notebooks, timeout_s=60, **options)


def _fr(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%d/%m/%Y à %H:%M UTC")


# --------------------------------------------------------------------------------------------
# The last good report is never lost
# --------------------------------------------------------------------------------------------

def test_a_failed_rerun_keeps_the_previous_report_and_says_so(toy):
    first = _batch(toy, [{"tag": "a"}]).reports[0]
    assert first.ok and first.reason == "première exécution"
    page = toy / "site" / first.report_id / "rapport.html"
    good = page.read_bytes()

    second = _batch(toy, [{"tag": "a"}], notebooks="ko")
    failed = second.reports[0]
    assert (failed.status, failed.exit_code, failed.reason) == ("error", 1, "carnet modifié")
    assert page.read_bytes() == good  # the previous page stays in place
    assert failed.shown["finished_at"] == first.finished_at
    index = second.index.read_text("utf-8")
    assert (f"dernière exécution échouée le {_fr(failed.finished_at)} (code 1 : période vide "
            f": essai) — version du {_fr(first.finished_at)} affichée") in index
    assert f'href="{failed.report_id}/rapport.html"' in index
    failed_page = toy / "site" / failed.shown["failed_href"]
    assert "période vide : essai" in failed_page.read_text("utf-8")
    entry = json.loads(second.manifest.read_text("utf-8"))["reports"][0]
    assert entry["status"] == "error" and entry["shown"]["finished_at"] == first.finished_at

    third = _batch(toy, [{"tag": "a"}], notebooks="ko").reports[0]  # fails again
    assert third.reason == "exécution précédente en échec"
    assert third.shown["finished_at"] == first.finished_at and page.read_bytes() == good

    fixed = _batch(toy, [{"tag": "a"}]).reports[0]
    assert fixed.ok and fixed.shown is None and not failed_page.exists()
    assert not any((toy / "site" / ".staging").glob("*"))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_batch_leaves_a_true_index_and_manifest(toy, signum):
    pidfile = toy / "sleeper.pid"
    script = textwrap.dedent(f"""
        import sys
        from pvanalysis.reports import run_batch
        config = {{"reports": [{{"kind": "qualite", "params": {{"tag": "a"}}}},
                              {{"kind": "qualite", "params": {{"tag": "b", "mode": "sleep",
                                                              "pidfile": {str(pidfile)!r}}}}}]}}
        try:
            run_batch(config, {str(toy / "site")!r}, processed_dir={str(toy / "processed")!r},
                      notebooks_dir={str(toy / "ok")!r})
        except KeyboardInterrupt:
            sys.exit(130)
        """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 120
    while not pidfile.is_file() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    time.sleep(0.3)
    proc.send_signal(signum)
    assert proc.wait(60) == 130
    sleeper = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(sleeper, 0)  # the report's process was stopped with the batch
    manifest = json.loads((toy / "site" / "manifest.json").read_text("utf-8"))
    assert manifest["status"] == "interrupted"
    assert [(e["report_id"], e["status"]) for e in manifest["reports"]] == [
        ("qualite/qualite-a", "ok")]
    index = (toy / "site" / "index.html").read_text("utf-8")
    assert "Lot interrompu" in index and 'href="qualite/qualite-a/rapport.html"' in index
    assert "qualite-b" not in index
    assert (toy / "site" / "qualite/qualite-a/rapport.html").is_file()
    assert not (toy / "site" / "qualite/qualite-b").exists()
    assert not any((toy / "site" / ".staging").glob("*"))


def test_a_second_writer_on_the_same_site_stops_at_once(toy):
    with files.site_lock(toy / "site"):
        with pytest.raises(PvInputError, match="un autre lot écrit déjà dans .* \\(processus "
                                               f"{os.getpid()}"):
            _batch(toy, [{"tag": "a"}])
        result = CliRunner().invoke(cli, ["batch", "--processed", str(toy / "processed"),
                                          "--out", str(toy / "site")])
    assert result.exit_code == 2 and "Erreur : un autre lot écrit déjà" in result.output
    assert not (toy / "site" / "manifest.json").exists()


# --------------------------------------------------------------------------------------------
# Isolation: no state leaks, a crash is 138 and the batch goes on
# --------------------------------------------------------------------------------------------

def test_reports_share_no_state_and_a_crash_is_138(toy):
    a, dead, b = _batch(toy, [{"tag": "a"}, {"tag": "x", "mode": "dead"}, {"tag": "b"}]).reports
    assert a.ok and b.ok
    assert (dead.status, dead.exit_code) == ("dead_kernel", 138)
    assert "processus du rapport s'est arrêté" in dead.error
    import matplotlib

    assert a.figures["state"] == b.figures["state"]  # b saw nothing of what a changed
    state = b.figures["state"]
    assert state["linewidth"] == matplotlib.rcParamsDefault["lines.linewidth"]
    assert state["max_rows"] == 60 and state["mark"] is None
    assert state["cwd"] == str((toy / "ok").resolve())
    assert a.peak_rss_mb > 0 and a.engine == "fork"
    index = (toy / "site" / "index.html").read_text("utf-8")
    assert "processus arrêté" in index


def test_engines_give_the_same_pngs_and_figures(report_site, sample_processed, tmp_path):
    """The kernel path and the fork path: byte-identical PNGs and figures.json."""
    config = {"reports": [{"kind": "territoire", "params": {"level": "region", "code": "03"}},
                          {"kind": "convention", "params": {"convention_id": "CC-R00001"}}]}
    kernel = reports.run_batch(config, tmp_path / "noyau", jobs=2, engine="kernel",
                               processed_dir=sample_processed, notebooks_dir=NOTEBOOKS)
    assert all(r.ok and r.engine == "kernel" for r in kernel.reports)
    forked = {r.report_id: r for r in report_site.reports}
    compared = 0
    for r in kernel.reports:
        assert forked[r.report_id].engine == "fork"
        mine, theirs = tmp_path / "noyau" / r.report_id, report_site.out_dir / r.report_id
        names = sorted(p.name for p in mine.iterdir() if p.suffix in (".png", ".json")
                       and p.name != files.RUN_RECORD)
        assert names == sorted(p.name for p in theirs.iterdir() if p.suffix in (".png", ".json")
                               and p.name != files.RUN_RECORD)
        for name in names:
            assert (mine / name).read_bytes() == (theirs / name).read_bytes(), name
            compared += 1
    assert compared >= 4


# --------------------------------------------------------------------------------------------
# Incremental: only the reports that read an edited row are redone
# --------------------------------------------------------------------------------------------

def _edit_disbursement(processed, convention_ids, delta=1_000):
    """Publish a new version where one disbursement of these conventions is ``delta`` DH
    higher; return the edited disbursement id."""
    version = store.current(processed)
    disb = version.read("disbursements")
    row = disb.index[disb["convention_id"].isin(convention_ids)][0]
    disb.loc[row, "amount_dh"] += delta
    with store.publish(processed) as draft:
        draft.link_from(version, [n for n in version.names() if n != "disbursements"])
        disb.to_parquet(draft.path / "disbursements.parquet")
        draft.manifest = {k: v for k, v in version.manifest.items()
                          if k not in ("version", "published_at", "files", "data_sha256")}
    return disb.loc[row, "disbursement_id"]


def test_after_one_disbursement_edit_only_the_reports_reading_it_are_redone(sample_processed,
                                                                            tmp_path):
    import shutil

    processed = tmp_path / "processed"
    shutil.copytree(sample_processed, processed)
    version = store.current(processed)
    conv = version.read("conventions")
    project = conv.loc[conv["convention_id"] == "CC-R00001", "project_id"].iloc[0]
    index = DataIndex(version)
    touched = {c for c, ids in index.codes.items() if project in ids and len(c) == 2}
    region_a = sorted(touched)[0]
    region_b = sorted(set(index.known["region"]) - touched)[0]
    other = conv[(conv["kind"] == "cadre") & ~conv["project_id"].isin(
        index.codes[region_a] | {project})]["convention_id"].iloc[0]
    config = {"reports": [
        {"kind": "territoire", "params": {"level": "region", "code": region_a}},
        {"kind": "territoire", "params": {"level": "region", "code": region_b}},
        {"kind": "convention", "params": {"convention_id": "CC-R00001"}},
        {"kind": "convention", "params": {"convention_id": other}}]}
    site = tmp_path / "site"
    first = reports.run_batch(config, site, jobs=2, processed_dir=processed,
                              notebooks_dir=NOTEBOOKS)
    assert all(r.ok for r in first.reports), [r.error for r in first.reports]

    before = DataIndex(store.current(processed))
    _edit_disbursement(processed, list(conv.loc[conv["project_id"] == project,
                                                "convention_id"]))
    after = DataIndex(store.current(processed))
    assert before.inputs("bilan", {}) != after.inputs("bilan", {})  # national: redone too
    assert before.inputs("qualite", {}) == after.inputs("qualite", {})  # counts unchanged

    lines = []
    again = reports.run_batch(config, site, jobs=2, processed_dir=processed,
                              notebooks_dir=NOTEBOOKS,
                              progress=lambda d, t, r: lines.append((r.report_id, r.reason)))
    redone = {r.report_id for r in again.reports if not r.skipped}
    assert redone == {f"territoire/territoire-region-{region_a}", "convention/convention-cc-r00001"}
    assert all(r.ok for r in again.reports)
    reasons = dict(lines)
    assert reasons[f"territoire/territoire-region-{region_a}"] == (
        "données lues modifiées : déblocages")
    assert reasons["convention/convention-cc-r00001"] == "données lues modifiées : déblocages"
    assert reasons[f"territoire/territoire-region-{region_b}"] == "inchangé"
    old = {r.report_id: r for r in first.reports}
    new = {r.report_id: r for r in again.reports}
    rid = "convention/convention-cc-r00001"
    assert new[rid].figures["released_dh"] == old[rid].figures["released_dh"] + 1_000


def test_a_new_cut_off_redoes_every_sheet(sample_processed, tmp_path):
    """Every page opens with « Données arrêtées au … »: a cut-off that moves (a later release
    anywhere) changes what each territory sheet and dashboard reads."""
    import shutil

    processed = tmp_path / "processed"
    shutil.copytree(sample_processed, processed)
    version = store.current(processed)
    before = DataIndex(version)
    with store.publish(processed) as draft:
        draft.link_from(version, version.names())
        draft.manifest = {k: v for k, v in version.manifest.items()
                          if k not in ("version", "published_at", "files", "data_sha256")} \
            | {"cutoff_date": "2030-01-01"}
    after = DataIndex(store.current(processed))
    region = {"level": "region", "code": sorted(before.known["region"])[0]}
    assert changed(before.inputs("territoire", region), after.inputs("territoire", region)) \
        == ["date d'arrêt ou sources absentes"]
    dashboard = {"convention_id": "CC-R00001"}
    assert changed(before.inputs("convention", dashboard),
                   after.inputs("convention", dashboard)) == ["date d'arrêt ou sources absentes"]


# --------------------------------------------------------------------------------------------
# Country configuration, short sheets, Dask
# --------------------------------------------------------------------------------------------

def test_the_country_batch_lists_every_territory_and_convention(sample_processed):
    pairs = reports.expand_config(reports.load_config("pays"), sample_processed)
    version = store.current(sample_processed)
    levels = pd.Series([p.get("level", k) for k, p in pairs]).value_counts().to_dict()
    assert levels == {"commune": len(version.read("communes", ["code"])),
                      "province": len(version.read("provinces", ["code"])),
                      "region": 12, "convention": len(reports.framework_conventions(
                          sample_processed)), "bilan": 1, "qualite": 1}


def test_a_commune_without_project_gets_a_short_sheet(sample_processed, tmp_path):
    index = DataIndex(store.current(sample_processed))
    code = sorted(c for c in index.known["commune"] if index.project_count(c) == 0)[0]
    config = {"reports": [{"kind": "territoire", "params": {"level": "commune", "code": code}}]}
    result = reports.run_batch(config, tmp_path, processed_dir=sample_processed,
                               notebooks_dir=NOTEBOOKS).reports[0]
    assert result.ok and result.engine == "fiche courte" and result.figures["projects"] == 0
    page = (tmp_path / result.report_id / "rapport.html").read_text("utf-8")
    assert "Aucun projet de politique de la ville ne touche cette commune" in page
    assert result.figures["name"] in page and "<script" not in page
    again = reports.run_batch(config, tmp_path, processed_dir=sample_processed,
                              notebooks_dir=NOTEBOOKS).reports[0]
    assert again.skipped


def test_the_dask_path_on_a_local_cluster(toy):
    pytest.importorskip("distributed")
    first = _batch(toy, [{"tag": "a"}, {"tag": "x", "mode": "dead"}], dask="local", jobs=1)
    ok, dead = first.reports
    assert ok.ok and ok.figures["title"] == "Essai a" and ok.engine == "fork"
    assert (dead.status, dead.exit_code) == ("dead_kernel", 138)
    manifest = json.loads(first.manifest.read_text("utf-8"))
    assert manifest["executor"] == "dask local" and len(manifest["reports"]) == 2
    assert 'href="qualite/qualite-a/rapport.html"' in first.index.read_text("utf-8")
    again = _batch(toy, [{"tag": "a"}, {"tag": "x", "mode": "dead"}], dask="local", jobs=1)
    assert again.reports[0].skipped and again.reports[1].exit_code == 138


def test_a_batch_split_by_region_is_gathered_into_one_site(toy, sample_processed):
    part = reports.run_batch({"reports": [{"kind": "qualite", "params": {"tag": "a"}}]},
                             toy / "parties" / "national", processed_dir=toy / "processed",
                             notebooks_dir=toy / "ok", region="national")
    assert [r.report_id for r in part.reports] == ["qualite/qualite-a"]
    merged = reports.merge_sites(toy / "parties", toy / "processed")
    assert [r.report_id for r in merged.reports] == ["national/qualite/qualite-a"]
    index = merged.index.read_text("utf-8")
    assert 'href="national/qualite/qualite-a/rapport.html"' in index
    result = CliRunner().invoke(cli, ["site", "--processed", str(toy / "processed"),
                                      "--out", str(toy / "parties")])
    assert result.exit_code == 0 and "1 rapport réuni ; site" in result.output
    index = DataIndex(store.current(sample_processed))
    conv = store.current(sample_processed).read("conventions")
    project = conv.loc[conv["convention_id"] == "CC-R00001", "project_id"].iloc[0]
    region = index.project_region[project]
    assert index.region_of("convention", {"convention_id": "CC-R00001"}) == region
    assert index.region_of("territoire", {"level": "commune", "code": "03.231.01.0"}) == "03"
    assert index.region_of("bilan", {}) == "national"
