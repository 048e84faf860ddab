"""Changes since the previous edition: two builds of the tiny data, one new release, one
back-dated correction, one project finished (values worked out from tests/tiny.py)."""

from __future__ import annotations

import html
import json

import pandas as pd
import pytest
from tiny import CSV, with_cell, with_row, write_tiny

from pvanalysis import history, store
from pvanalysis.build import build_processed
from pvanalysis.errors import ParameterError
from pvanalysis.indicators import Slice
from pvanalysis.indicators.changes import changes, project_status

#: The second edition: D3 (REG on C1) corrected from 5 000 000 to 5 500 000 DH, a new
#: release D5 of 7 000 000 DH by Holding Al Omrane on C2 (project P2), P1 finished, a
#: financing convention C2F signed for P2 and P2's planned end moved from 2024 to 2025.
CORRECTED = (CSV.replace("D3;C1;REG;2020-02-01;5000000;", "D3;C1;REG;2020-02-01;5500000;")
             + "D5;C2;HAO;01/03/2021;7 000 000;\n")


def _second_sheets() -> dict:
    projects = with_cell("Projets", "P1", "Achèvement effectif", "30/06/2024")["Projets"]
    projects[[r[0] for r in projects].index("P2")][9] = "31/12/2025"
    return {"Projets": projects, **with_row("Conventions", [
        "C2F", "P2", "financement", "C2", "10/01/2021", None, 5, None])}


SECOND = _second_sheets()


@pytest.fixture(scope="module")
def two_editions(tmp_path_factory):
    """A store with two versions: the tiny data, then the corrected data."""
    root = tmp_path_factory.mktemp("history")
    write_tiny(root / "raw")
    build_processed(root / "raw", root / "processed")
    write_tiny(root / "raw", csv=CORRECTED, sheets=SECOND)
    build_processed(root / "raw", root / "processed")
    return root / "processed"


def test_the_new_release_is_reported_with_its_amount_and_partner(two_editions):
    found = changes(two_editions)
    assert not found.first_edition and not found.unchanged
    assert found.releases[["disbursement_id", "partner_id", "amount_dh"]].values.tolist() == [
        ["D5", "HAO", 7_000_000]]
    assert found.by_partner[["partner", "releases", "amount_dh"]].values.tolist() == [
        ["Holding Al Omrane", 1, 7_000_000]]
    released = found.figures.set_index("figure").loc["released_dh"]
    # 52 000 000 before; now + 500 000 (correction) + 7 000 000 (D5)
    assert (released["before"], released["now"], released["change"]) == (
        52_000_000, 59_500_000, 7_500_000)


def test_a_back_dated_correction_is_a_revision_not_a_release(two_editions):
    found = changes(two_editions)
    assert "D3" not in found.releases["disbursement_id"].tolist()
    rows = found.revisions[["record", "record_id", "field", "before", "after"]].values.tolist()
    assert rows == [["Déblocage", "D3", "amount_dh", 5_000_000, 5_500_000],
                    ["Projet", "P2", "planned_end", pd.Timestamp("2024-12-31"),
                     pd.Timestamp("2025-12-31")]]
    text = html.unescape(str(history.section(found)))
    assert "Révisions des données" in text and "5,000\u00a0MDH" in text and "5,500\u00a0MDH" in text


def test_the_signed_convention(two_editions):
    found = changes(two_editions)
    assert found.conventions[["convention_id", "project_id", "amount_dh"]].values.tolist() == [
        ["C2F", "P2", 5_000_000]]
    conventions = found.figures.set_index("figure").loc["conventions"]
    assert (conventions["before"], conventions["now"], conventions["change"]) == (4, 5, 1)
    assert "Convention de financement" in html.unescape(str(history.section(found)))


def test_the_finished_project_and_the_rule_of_statuses(two_editions):
    found = changes(two_editions)
    assert found.status.values.tolist() == [["P1", "Mise à niveau urbaine de Tanger",
                                             "finished"]]
    before = store.versions(two_editions)[0]
    from pvanalysis.indicators.changes import read_tables

    status = project_status(read_tables(before), cutoff="2021-12-31").set_index("project_id")
    # P1: planned end 31/12/2022 not passed; P2 signed March 2020, no release → stalled;
    # P3 (C3 signed 15/03/2019) received D4 in June 2020
    assert status.loc["P2", "stalled"] and not status.loc["P3", "stalled"]
    assert not status.loc["P1", "late"]
    late = project_status(read_tables(before), cutoff="2023-01-01").set_index("project_id")
    assert late.loc["P1", "late"] and not late.loc["P1", "finished"]


def test_a_region_sheet_shows_the_release(two_editions):
    found = changes(two_editions, Slice(region="01", period=(2017, 2021)))
    assert found.releases["amount_dh"].tolist() == [7_000_000]
    text = html.unescape(str(history.section(found)))
    assert "Depuis l'édition du" in text and "Holding Al Omrane" in text
    assert "7,000\u00a0MDH" in text


def test_an_untouched_report_says_nothing_changed(two_editions):
    found = changes(two_editions, Slice(project="P3"))
    assert found.unchanged
    assert "Aucun changement depuis l'édition du" in html.unescape(str(history.section(found)))


def test_the_first_edition_has_nothing_to_compare(two_editions):
    first = store.versions(two_editions)[0]
    found = changes(first.path)
    assert found.first_edition and found.to_dict()["first_edition"] is True
    assert "rien à comparer" in html.unescape(str(history.section(found)))


def test_since_a_version_or_a_date(two_editions):
    first, second = store.versions(two_editions)
    assert changes(two_editions, since=first.id).base_id == first.id
    assert changes(two_editions, since="2100-01-01").base_id == first.id
    with pytest.raises(ParameterError, match="aucune version des données au 01/01/1990"):
        history.check_since("1990-01-01", two_editions)
    with pytest.raises(ParameterError, match="ni une date .* ni une version connue"):
        history.check_since("hier", two_editions)


def test_figures_json_and_the_news_page(two_editions, tmp_path):
    national, sheet = tmp_path / "bilan" / "bilan-x", tmp_path / "convention" / "convention-p3"
    for folder, title, kind in ((national, "Bilan national", "bilan"),
                                (sheet, "Suivi P3", "convention")):
        folder.mkdir(parents=True)
        (folder / "figures.json").write_text(json.dumps({"title": title, "kind": kind}))
    history.since_edition(two_editions, "", Slice(), national)
    history.since_edition(two_editions, "", Slice(project="P3"), sheet)
    figures = json.loads((national / "figures.json").read_text("utf-8"))
    assert figures["title"] == "Bilan national"
    assert figures["changes"]["previous"]["released_dh"] == 52_000_000
    assert figures["changes"]["key_figures"]["released_dh"]["change"] == 7_500_000
    assert figures["changes"]["releases"][0]["amount_dh"] == 7_000_000
    assert figures["data_version"] == store.current(two_editions).id
    page = html.unescape(history.write_news(tmp_path).read_text("utf-8"))
    assert "Nouveautés" in page and "Holding Al Omrane" in page
    assert "Suivi P3</a></td><td>aucun changement" in page


@pytest.mark.slow
def test_the_region_sheet_shows_since_the_last_edition(two_editions, tmp_path):
    from conftest import NOTEBOOKS

    from pvanalysis.reports import run_report

    result = run_report("territoire", {"level": "region", "code": "01"}, tmp_path,
                        two_editions, notebooks_dir=NOTEBOOKS)
    assert result.status == "ok", result.error
    folder = tmp_path / result.report_id
    figures = json.loads((folder / "figures.json").read_text("utf-8"))
    assert figures["projects"] == 3  # the sheet's own figures are kept
    assert figures["changes"]["releases"] == [{
        "disbursement_id": "D5", "convention_id": "C2", "project_id": "P2", "partner_id": "HAO",
        "partner": "Holding Al Omrane", "released_on": "2021-03-01", "amount_dh": 7_000_000}]
    assert figures["changes"]["revisions"][0]["record_id"] == "D3"
    page = html.unescape((folder / "rapport.html").read_text("utf-8"))
    assert "Depuis l'édition du" in page and "Holding Al Omrane" in page


@pytest.mark.slow
def test_a_wrong_since_stops_the_report_with_a_french_message(two_editions, tmp_path):
    from conftest import NOTEBOOKS

    from pvanalysis.reports import run_report

    result = run_report("convention", {"convention_id": "C1", "since": "hier"}, tmp_path,
                        two_editions, notebooks_dir=NOTEBOOKS)
    assert result.status == "error" and result.exit_code == 2
    assert "« hier » n'est ni une date" in result.error and "Suggestion" in result.error


@pytest.mark.slow
def test_the_batch_writes_the_news_page(report_site):
    page = html.unescape((report_site.out_dir / "nouveautes.html").read_text("utf-8"))
    # the sample store has one version: every report is a first edition
    assert "Nouveautés" in page and "première édition : rien à comparer" in page
    assert "Bilan national de la politique de la ville 2017–2021" in page
