"""Report runner: parameters, safe folders, execution failures, batch, index, manifest, CLI."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys

import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import BAD_REGION, NOTEBOOKS
from toys import toy_site

import pvanalysis
from pvanalysis import present, reports, sections, store
from pvanalysis.cli import cli
from pvanalysis.errors import ParameterError, PvInputError, UnknownTerritoryError

# --------------------------------------------------------------------------------------------
# Tiny notebooks for the execution paths (one kernel each, about a second)
# --------------------------------------------------------------------------------------------

_PARAMS = ('processed_dir: str = "."  # dossier des tables\n'
           'output_dir: str = "."  # dossier de sortie\n'
           'mode: str = "ok"  # ok, error, timeout ou dead')
_BODY = """import os, time
import pvanalysis.present as pp
from pvanalysis.errors import ParameterError
if mode == "error":
    raise ParameterError("période vide : essai")
if mode == "timeout":
    time.sleep(30)
if mode == "dead":
    os._exit(1)
pp.write_figures({"title": "Essai <b>", "n": 3}, output_dir, processed_dir)"""


@pytest.fixture
def toy(tmp_path):
    """A notebooks folder whose ``qualite_donnees`` notebook misbehaves on demand, and an
    empty 'processed' folder holding one table file."""
    return toy_site(tmp_path, _PARAMS, _BODY)


def _run(toy, mode, timeout_s=60):
    return reports.run_report("qualite", {"mode": mode}, toy / "out", toy / "processed",
                              notebooks_dir=toy / "nb", timeout_s=timeout_s)


@pytest.mark.slow
def test_a_report_writes_its_record_html_and_figures(toy):
    result = _run(toy, "ok")
    assert (result.status, result.exit_code, result.error) == ("ok", 0, None)
    folder = toy / "out" / result.report_id
    assert result.report_id == "qualite/qualite-ok"
    assert sorted(p.name for p in folder.iterdir()) == [
        "execution.json", "figures.json", "qualite_donnees.ipynb", "rapport.html"]
    assert json.loads((folder / "execution.json").read_text("utf-8"))["status"] == "ok"
    assert not (toy / "out" / ".staging").exists() or not any((toy / "out" / ".staging").iterdir())
    assert result.figures == {"title": "Essai <b>", "n": 3,
                              "data_version": store.current(toy / "processed").id}
    page = (folder / "rapport.html").read_text("utf-8")
    assert "pp.write_figures" not in page  # no code cell
    assert "<script" not in page and "https://cdn" not in page and "require.js" not in page


@pytest.mark.slow
def test_cell_error_is_recorded_with_its_french_message(toy):
    result = _run(toy, "error")
    assert (result.status, result.exit_code) == ("error", 1)
    assert result.error == "période vide : essai"
    page = (toy / "out" / result.report_id / "rapport.html").read_text("utf-8")
    assert "période vide : essai" in page and "Traceback" not in page


@pytest.mark.slow
def test_dead_kernel_exits_138(toy):
    result = _run(toy, "dead")
    assert (result.status, result.exit_code) == ("dead_kernel", 138)
    assert "processus du rapport s'est arrêté (code 1)" in result.error


@pytest.mark.slow
def test_cell_time_limit(toy):
    result = _run(toy, "timeout", timeout_s=2)
    assert (result.status, result.exit_code) == ("timeout", 124)
    assert "plus de 2 s" in result.error


# --------------------------------------------------------------------------------------------
# Parameters and folders
# --------------------------------------------------------------------------------------------

def test_parameters_are_converted_to_the_notebook_types():
    params = reports.coerce_params("bilan", {"period_end": "2019", "scales": "royal,medina"},
                                   NOTEBOOKS)
    assert params == {"period_end": 2019, "scales": ["royal", "medina"]}


def test_unknown_and_reserved_parameters_are_refused():
    with pytest.raises(ParameterError, match="paramètre inconnu.*« cod ».*Suggestion : code"):
        reports.coerce_params("territoire", {"cod": "03"}, NOTEBOOKS)
    with pytest.raises(ParameterError, match="fixé par l'exécution"):
        reports.coerce_params("territoire", {"output_dir": "/etc"}, NOTEBOOKS)
    with pytest.raises(ParameterError, match="valeur de type int attendue.*deux mille"):
        reports.coerce_params("bilan", {"period_start": "deux mille"}, NOTEBOOKS)
    with pytest.raises(ParameterError, match="type de rapport inconnu.*Suggestion : bilan"):
        reports.notebook_path("bilna")


@pytest.mark.parametrize("params, expected", [
    ({"level": "region", "code": "03"}, "territoire/territoire-region-03"),
    ({"level": "commune", "code": "01.511.05.07"}, "territoire/territoire-commune-01.511.05.07"),
])
def test_report_folders_are_named_from_parameters(params, expected):
    assert reports.report_id("territoire", params) == expected


@pytest.mark.parametrize("evil", ["../../etc/passwd", "/etc/passwd", "..", "a/../../b",
                                  "..\\..\\x", "\u2025/x", ""])
def test_no_parameter_can_leave_the_output_folder(tmp_path, evil):
    rid = reports.report_id("convention", {"convention_id": evil})
    folder = reports.kinds._report_folder(tmp_path, rid)
    assert folder.is_relative_to(tmp_path.resolve()) and folder != tmp_path.resolve()
    assert ".." not in rid and rid.count("/") == 1
    other = reports.report_id("convention", {"convention_id": evil + "x"})
    assert other != rid


def test_empty_period_is_refused():
    with pytest.raises(ParameterError, match="période vide : début 2021 après fin 2017"):
        reports.check_period(2021, 2017)


def test_checks_on_the_sample(sample_processed):
    with pytest.raises(UnknownTerritoryError, match="Suggestion"):
        reports.check_territoire("region", BAD_REGION, 2017, 2021, sample_processed)
    with pytest.raises(ParameterError, match="niveau territorial inconnu.*Suggestion : region"):
        reports.check_territoire("regoin", "03", 2017, 2021, sample_processed)
    with pytest.raises(ParameterError,
                       match="convention ou projet inconnu : « CC-R0001 ». Suggestion : CC-R000"):
        reports.check_convention("CC-R0001", sample_processed)
    assert reports.check_convention("PR-00001", sample_processed) == "CC-R00001"
    with pytest.raises(ParameterError, match="aucun projet contractualisé entre 1995 et 1996"):
        reports.check_bilan(1995, 1996, processed_dir=sample_processed)
    with pytest.raises(ParameterError, match="échelle d'intervention inconnue.*medina"):
        reports.check_bilan(2017, 2021, ["medinas"], processed_dir=sample_processed)


def test_missing_processed_tables_name_the_command(tmp_path):
    with pytest.raises(PvInputError, match="pvanalysis build"):
        reports.check_processed(tmp_path)


def test_default_batch_expands_to_bilan_regions_and_royal_conventions(sample_processed):
    pairs = reports.expand_config(reports.load_config(), sample_processed)
    kinds = [k for k, _ in pairs]
    assert kinds.count("bilan") == 1 and kinds.count("territoire") == 12
    conventions = [p["convention_id"] for k, p in pairs if k == "convention"]
    assert len(conventions) == 12 and all(c.startswith("CC-R") for c in conventions)


# --------------------------------------------------------------------------------------------
# Presentation helpers
# --------------------------------------------------------------------------------------------

def test_tables_escape_data_and_speak_french():
    frame = pd.DataFrame({"title": ["<script>alert(1)</script>"], "scale": ["royal"],
                          "committed_dh": pd.array([424_565_000], dtype="Int64"),
                          "release_rate": [0.353], "name_ar": ["فاس"]})
    text = str(present.table(frame))
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "424,565\u00a0MDH" in text and "35,3\u00a0%" in text
    assert "Projets présentés à Sa Majesté" in text and 'dir="rtl"' in text
    assert '<th class="pv-num">Engagé</th>' in text and "<th>Échelle</th>" in text


def test_published_ratios_show_the_october_2017_gap():
    text = str(sections.published_ratios(NOTEBOOKS.parent / "data/raw/published_figures.yaml"))
    assert "23\u00a0%" in text and "22,2\u00a0%" in text and "\u22120,8\u00a0pts" in text
    # the published parts at the one precision of amounts
    assert "14\u00a0180,000 / 63\u00a0950,000\u00a0MDH" in html.unescape(text)


def test_write_figures_converts_numpy_and_missing(tmp_path, sample_processed):
    import numpy as np

    present.write_figures({"n": np.int64(3), "x": np.float64("nan"), "na": pd.NA}, tmp_path,
                          sample_processed)
    assert json.loads((tmp_path / "figures.json").read_text()) == {
        "n": 3, "x": None, "na": None, "data_version": store.current(sample_processed).id}


def test_presentation_never_loads_the_runner():
    code = ("import sys, pvanalysis.present, pvanalysis.sections; print(sorted(m for m in "
            "sys.modules if m.split('.')[0] in {'papermill', 'nbclient', 'jupyter_client', "
            "'nbconvert'} or m.startswith('pvanalysis.reports')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_a_folium_map_is_shown_offline():
    import folium

    fmap = folium.Map(location=[34.0, -5.0], zoom_start=6, tiles=None)
    page = present._map_html(fmap)
    assert "cdn.jsdelivr" not in page and "https://cdn" not in page
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"(https?:)?//", page)
    assert "L.map(" in page and html.escape(page, quote=True) in str(present.map_frame(fmap))


def _scripts(page: str) -> list[str]:
    """Opening script tags of a page (the site index has exactly its two inline ones)."""
    return re.findall(r"<script[^>]*>", page)


def test_site_index_escapes_titles_and_groups_by_region(tmp_path):
    from pvanalysis.reports.site import write_index

    evil = '<script>alert("pv")</script>'
    done = reports.ReportResult("territoire", {"level": "region", "code": "03"},
                                "territoire/territoire-region-03", "ok", 0, duration_s=1.25,
                                figures={"title": evil, "region_name": "Fès-Meknès",
                                         "summary": {"Projets": "3 <b>"}}, skipped=True)
    failed = reports.ReportResult("territoire", {"level": "region", "code": "99"},
                                  "territoire/territoire-region-99", "error", 2,
                                  error="territoire inconnu : « <99> »")
    other = reports.ReportResult("territoire", {"level": "region", "code": "01"},
                                 "territoire/territoire-region-01", "ok", 0,
                                 figures={"region_name": "Fès-Meknès"})
    (tmp_path / "territoire/territoire-region-03").mkdir(parents=True)
    (tmp_path / "territoire/territoire-region-03/rapport.html").write_text("x")
    batch = reports.BatchResult([done, failed, other], tmp_path, tmp_path / "index.html",
                                tmp_path / "manifest.json", 2.0, "sha", "v-1")
    page = write_index(batch).read_text("utf-8")
    assert _scripts(page) == ['<script type="application/json" id="rapports">', "<script>"]
    assert '<script>alert("pv")' not in page and "&lt;script&gt;alert(" in page
    assert "&lt;99&gt;" in page and "3 &lt;b&gt;" in page
    assert 'href="territoire/territoire-region-03/rapport.html"' in page
    assert page.count('class="badge st-ok"') == 2 and 'class="badge st-error"' in page
    assert "repris (inchangé)" in page and "code 2 : territoire inconnu" in page
    assert '<tr class="group"><th colspan="4">Fès-Meknès</th></tr>' in page
    assert "Région non déterminée" in page and "<code>v-1</code>" in page
    assert "2 réussis, 1 en échec" in page and "http" not in page.split("</style>")[1]


def test_notebooks_with_outputs_are_reported(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"},
                                           execution_count=1)]
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "sale.ipynb")
    problems = reports.notebooks_with_outputs(tmp_path)
    assert len(problems) == 1 and "sale.ipynb" in problems[0] and "cellules 1" in problems[0]
    result = CliRunner().invoke(cli, ["check-notebooks", str(tmp_path)])
    assert result.exit_code == 1 and "sorties" in result.output
    assert CliRunner().invoke(cli, ["check-notebooks", str(NOTEBOOKS)]).exit_code == 0


# --------------------------------------------------------------------------------------------
# Batch: skip, index, manifest, CLI (reusing the session batch)
# --------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_index_lists_every_report_with_status_and_error(report_site):
    page = report_site.index.read_text("utf-8")
    pages = [page] + [p.read_text("utf-8")
                      for p in sorted((report_site.out_dir / "territoires").glob("*.html"))]
    # a commune sheet makes the site deep: region and province pages list the sheets, and
    # the province page lists its commune: every report shows once on the pages of its level
    every = "".join(pages)
    assert every.count('class="badge st-ok"') >= len(report_site.reports) - 1
    assert 'class="badge st-error"' in every and "territoire inconnu" in every
    assert "Bilan national de la politique de la ville 2017–2021" in page and "Fès-Meknès" in page
    assert 'href="territoires/region-03.html"' in page
    for r in report_site.reports:
        if r.ok:
            assert (f'href="{r.report_id}/rapport.html"' in page
                    or f'href="../{r.report_id}/rapport.html"' in every), r.report_id
    assert _scripts(page) == ['<script type="application/json" id="rapports">', "<script>"]
    assert all(_scripts(p) == [] for p in pages[1:])
    assert "http" not in page.split("</style>")[1]


@pytest.mark.slow
def test_manifest_records_parameters_hash_version_and_status(report_site):
    manifest = json.loads(report_site.manifest.read_text("utf-8"))
    assert manifest["package_version"] == pvanalysis.__version__
    version = store.current(manifest["processed_dir"])
    assert manifest["data_hash"] == version.data_sha256
    assert manifest["data_version"] == version.id
    assert {e["data_version"] for e in manifest["reports"] if e["exit_code"] != 2} == {
        version.id}
    assert manifest["status"] == "error"
    entries = {e["report_id"]: e for e in manifest["reports"]}
    bad = entries[f"territoire/territoire-region-{BAD_REGION}"]
    assert (bad["status"], bad["exit_code"]) == ("error", 2)
    assert entries["bilan/bilan-2017-2021"]["params"] == {"period_start": 2017,
                                                          "period_end": 2021}
    assert all(e["duration_s"] > 0 for e in entries.values())


@pytest.mark.slow
def test_unchanged_reports_are_skipped_unless_forced(report_site, sample_processed, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(report_site.out_dir, site)
    config = {"reports": [{"kind": "qualite"}, {"kind": "territoire",
                                                "params": {"level": "region",
                                                           "code": BAD_REGION}}]}
    again = reports.run_batch(config, site, processed_dir=sample_processed,
                              notebooks_dir=NOTEBOOKS)
    quality, bad = again.reports
    assert quality.skipped and quality.ok and not bad.skipped and bad.exit_code == 2
    assert "repris (inchangé)" in again.index.read_text("utf-8")
    forced = reports.run_batch({"reports": [{"kind": "qualite"}]}, site, force=True,
                               processed_dir=sample_processed, notebooks_dir=NOTEBOOKS)
    assert not forced.reports[0].skipped and forced.reports[0].ok


def test_cli_report_with_unknown_code_exits_2(sample_processed, tmp_path, monkeypatch):
    monkeypatch.chdir(NOTEBOOKS.parent)
    result = CliRunner().invoke(cli, ["report", "territoire", "-p", "level=region", "-p",
                                      f"code={BAD_REGION}", "--processed",
                                      str(sample_processed), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("Erreur : territoire inconnu")
    assert not any(tmp_path.iterdir())


def test_cli_batch_exits_non_zero_when_a_report_fails(sample_processed, tmp_path,
                                                      monkeypatch):
    monkeypatch.chdir(NOTEBOOKS.parent)
    config = tmp_path / "lot.yml"
    config.write_text("reports:\n  - kind: convention\n    params: {convention_id: XX-1}\n")
    result = CliRunner().invoke(cli, ["batch", "--config", str(config), "--processed",
                                      str(sample_processed), "--out", str(tmp_path / "site")])
    assert result.exit_code == 1
    assert "convention ou projet inconnu" in result.output
    # the progress line is French: a decimal comma before the unit
    assert re.search(r"\[1/1\] convention/\S+ : échec \(\d+,\d\u00a0s\) — motif", result.output)
    assert "convention ou projet inconnu" in (tmp_path / "site" / "index.html").read_text()


def test_report_tables_are_the_loaded_tables_with_layer_attributes_only(sample_processed,
                                                                        sample_tables):
    import pandas as pd

    from pvanalysis import indicators
    from pvanalysis.build import LAYERS, TABLES

    got = sections.load_tables(sample_processed)
    assert isinstance(got, indicators.SharedTables)
    assert list(got) == [*TABLES, *LAYERS]
    for name in got:
        table = sample_tables[name]
        if name in ("regions", "provinces", "communes"):
            assert "geometry" not in got[name].columns
            table = pd.DataFrame(table.drop(columns="geometry"))
        pd.testing.assert_frame_equal(pd.DataFrame(got[name]), pd.DataFrame(table))
    assert "geometry" in got["quartiers"].columns


def test_report_tables_read_once_per_version_stay_intact_when_a_report_edits_them(
        sample_processed):
    first = sections.load_tables(sample_processed)
    kept = int(first["commitments"]["committed_dh"].sum())
    first["commitments"].loc[first["commitments"].index[0], "committed_dh"] += 1_000_000
    first["projects"] = first["projects"].iloc[0:0]
    again = sections.load_tables(sample_processed)
    assert again is not first
    assert int(again["commitments"]["committed_dh"].sum()) == kept
    assert len(again["projects"]) > 0
