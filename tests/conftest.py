"""Shared pytest fixtures. Each owner keeps fixtures in a clearly named section."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

# ---------------------------------------------------------------------------------------------
# Indicators, charts and maps: tiny hand-made territories and programme tables
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def tiny_regions() -> gpd.GeoDataFrame:
    """Three square 'regions' side by side (1° each); the third has no 2024 population."""
    return gpd.GeoDataFrame(
        {
            "code": ["01", "02", "03"],
            "name_fr": ["Nord", "Centre", "Sud"],
            "name_ar": ["الشمال", "الوسط", "الجنوب"],
            "population_2014": pd.array([900_000, 1_800_000, 250_000], dtype="Int64"),
            "population_2024": pd.array([1_000_000, 2_345_678, None], dtype="Int64"),
        },
        geometry=[box(-6, 34, -5, 35), box(-6, 33, -5, 34), box(-6, 32, -5, 33)],
        crs="EPSG:4326",
    )


@pytest.fixture
def fake_layers(monkeypatch):
    """Route ``territories.load_layer`` to in-memory layers: ``fake_layers({"region": gdf})``."""

    def install(layers: dict[str, gpd.GeoDataFrame]) -> None:
        def load_layer(level, processed_dir=None, display=False):
            return layers[level].copy()

        try:
            import pvanalysis.territories as territories
        except ImportError:
            territories = types.ModuleType("pvanalysis.territories")
            monkeypatch.setitem(sys.modules, "pvanalysis.territories", territories)
            import pvanalysis

            monkeypatch.setattr(pvanalysis, "territories", territories, raising=False)
        monkeypatch.setattr(territories, "load_layer", load_layer, raising=False)

    return install


def _ts(values):
    return pd.to_datetime(pd.Series(values, dtype="object"))


@pytest.fixture
def programme() -> dict[str, pd.DataFrame]:
    """Three projects, three cadre conventions (+ one financing), two partners.

    P1 royal, cadre C1 signed 2018-03-01 (+ financing F1), region 01, commune 01.511.01.01:
        MIN commits 600 000, COM 400 000; releases MIN 200 000 (on F1, 2018-09-01) and
        100 000 (C1, 2019-07-01), COM 400 000 (C1, 2019-12-01).
    P2 quartiers, cadre C2 signed 2020-05-10, region 02, targets Q1 (02.111.01.01, 3 000 hab.)
        and Q2 (02.222.01.01, 1 000 hab.): MIN commits 300 000, COM 100 001 (never releases);
        MIN releases 150 000 (2021-03-01) and 90 000 (2022-06-01, after 2021-12-31).
    P3 medina, cadre C3 signed 2022-01-15 (outside 2017–2021), MIN 50 000, COM 450 000.
    """
    projects = pd.DataFrame({
        "project_id": ["P1", "P2", "P3"],
        "title": ["Projet royal <script>alert(1)</script>", "Quartiers Nord", "Médina"],
        "scale": ["royal", "quartiers", "medina"],
        "region_code": ["01", "02", "01"],
        "province_code": ["01.511", "02.111", "01.511"],
        "commune_code": ["01.511.01.01", None, "01.511.01.01"],
        "phase": ["mise_en_oeuvre", "mise_en_oeuvre", "contractualisation"],
        "step": ["evaluation", "deblocage", "engagements"],
        "presented_on": _ts(["2017-11-01", None, None]),
        "planned_end": _ts(["2021-06-30", "2022-12-31", "2025-12-31"]),
        "actual_end": _ts(["2021-09-30", None, None]),
        "forecast_end": _ts([None, "2022-10-31", None]),
    }).astype({c: "string" for c in ["project_id", "title", "scale", "region_code",
                                     "province_code", "commune_code", "phase", "step"]})
    targets = pd.DataFrame({
        "project_id": ["P1", "P2", "P2", "P3"],
        "target_type": ["commune", "quartier", "quartier", "medina"],
        "target_id": ["01.511.01.01", "Q1", "Q2", "MED-TNG"],
        "target_name": ["Tanger", "Hay Nord", "Hay Sud", "Médina de Tanger"],
        "commune_code": ["01.511.01.01", "02.111.01.01", "02.222.01.01", "01.511.01.01"],
    }, dtype="string")
    conventions = pd.DataFrame({
        "convention_id": ["C1", "F1", "C2", "C3"],
        "project_id": ["P1", "P1", "P2", "P3"],
        "kind": ["cadre", "financement", "cadre", "cadre"],
        "parent_id": [None, "C1", None, None],
        "signed_on": _ts(["2018-03-01", "2018-06-01", "2020-05-10", "2022-01-15"]),
        "planned_end": _ts(["2021-06-30", None, "2022-12-31", "2025-12-31"]),
        "amount_dh": pd.array([1_000_000, 600_000, 400_001, 500_000], dtype="Int64"),
        "operator": ["Agence", "Agence", None, None],
    }).astype({c: "string" for c in ["convention_id", "project_id", "kind", "parent_id",
                                     "operator"]})
    partners = pd.DataFrame({"partner_id": ["MIN", "COM"],
                             "name": ["Ministère", "Commune"],
                             "category": ["ministry", "local_authority"]}, dtype="string")
    commitments = pd.DataFrame({
        "convention_id": ["C1", "C1", "C2", "C2", "C3", "C3"],
        "partner_id": ["MIN", "COM", "MIN", "COM", "MIN", "COM"],
        "committed_dh": pd.array([600_000, 400_000, 300_000, 100_001, 50_000, 450_000],
                                 dtype="Int64"),
    }).astype({"convention_id": "string", "partner_id": "string"})
    schedule = pd.DataFrame({
        "convention_id": ["C1", "C1", "C1", "C2", "C2", "C3"],
        "partner_id": ["MIN", "MIN", "COM", "MIN", "COM", "MIN"],
        "year": pd.array([2018, 2019, 2019, 2021, 2021, 2023], dtype="Int64"),
        "planned_dh": pd.array([300_000, 300_000, 400_000, 300_000, 100_001, 50_000],
                               dtype="Int64"),
    }).astype({"convention_id": "string", "partner_id": "string"})
    disbursements = pd.DataFrame({
        "disbursement_id": ["D1", "D2", "D3", "D4", "D5"],
        "convention_id": ["F1", "C1", "C1", "C2", "C2"],
        "partner_id": ["MIN", "MIN", "COM", "MIN", "MIN"],
        "released_on": _ts(["2018-09-01", "2019-07-01", "2019-12-01", "2021-03-01",
                            "2022-06-01"]),
        "amount_dh": pd.array([200_000, 100_000, 400_000, 150_000, 90_000], dtype="Int64"),
        "beneficiary": ["Agence", None, None, None, None],
        "over_commitment": [False] * 5,
    }).astype({c: "string" for c in ["disbursement_id", "convention_id", "partner_id",
                                     "beneficiary"]})
    actions = pd.DataFrame({
        "action_id": ["A1", "A2", "A3", "A4"],
        "project_id": ["P1", "P1", "P2", "P3"],
        "axis": ["vrd", "equipements", "vrd", "patrimoine"],
        "title": ["Voirie", "Centre culturel", "Assainissement", "Remparts"],
        "cost_dh": pd.array([600_000, 400_000, 400_000, 500_000], dtype="Int64"),
        "progress_rate": [1.0, 0.5, 0.25, 0.0],
        "planned_end": _ts(["2020-12-31", "2021-06-30", "2022-06-30", "2025-06-30"]),
        "actual_end": _ts(["2020-06-30", None, None, None]),
    }).astype({c: "string" for c in ["action_id", "project_id", "axis", "title"]})
    quartiers = gpd.GeoDataFrame({
        "quartier_id": ["Q1", "Q2", "Q3"], "name": ["Hay Nord", "Hay Sud", "Hay Est"],
        "commune_code": ["02.111.01.01", "02.222.01.01", "02.111.01.01"],
        "population": pd.array([3_000, 1_000, 6_000], dtype="Int64"),
        "commune_mismatch": [False] * 3,
    }, geometry=[box(-5.9, 33.6, -5.8, 33.7), box(-5.3, 33.2, -5.2, 33.3),
                 box(-5.7, 33.6, -5.6, 33.7)], crs="EPSG:4326").astype(
        {"quartier_id": "string", "name": "string", "commune_code": "string"})
    centres = gpd.GeoDataFrame({
        "centre_id": ["CE1"], "name": ["Centre Ouled Ali"], "commune_code": ["01.511.01.01"],
        "population": pd.array([500], dtype="Int64"), "commune_mismatch": [False],
    }, geometry=[Point(-5.3, 34.3)], crs="EPSG:4326").astype(
        {"centre_id": "string", "name": "string", "commune_code": "string"})
    return {"projects": projects, "project_targets": targets, "conventions": conventions,
            "partners": partners, "commitments": commitments, "schedule": schedule,
            "disbursements": disbursements, "actions": actions, "quartiers": quartiers,
            "centres": centres}


@pytest.fixture
def tiny_communes() -> gpd.GeoDataFrame:
    """Five communes with 2024 population and two census indicators (see test_indicators)."""
    codes = ["01.511.01.01", "02.111.01.01", "02.222.01.01", "03.333.01.01", "03.333.01.03"]
    return gpd.GeoDataFrame({
        "code": codes,
        "name_fr": ["Tanger", "Nordville", "Sudville", "Oasis", "Palmeraie"],
        "name_ar": ["طنجة", "الشمال", "الجنوب", "الواحة", "النخيل"],
        "region_code": [c[:2] for c in codes],
        "province_code": [c[:6] for c in codes],
        "type": ["urban", "urban", "urban", "rural", "rural"],
        "population_2014": pd.array([450_000, 550_000, 380_000, 290_000, 210_000], dtype="Int64"),
        "population_2024": pd.array([500_000, 600_000, 400_000, 300_000, 200_000], dtype="Int64"),
        "running_water_share": [0.9, 0.5, 0.7, 0.8, 0.6],
        "illiteracy_rate": [0.2, 0.4, 0.3, 0.25, 0.35],
    }, geometry=[box(-6, 34, -5, 35), box(-6, 33.5, -5.5, 34), box(-5.5, 33, -5, 33.5),
                 box(-5, 31, -4, 32), box(-4, 31, -3, 32)], crs="EPSG:4326").astype(
        {"code": "string", "name_fr": "string", "region_code": "string",
         "province_code": "string"})


@pytest.fixture(scope="session")
def sample_processed(tmp_path_factory):
    """The scale-1 sample written and built once per session; returns the processed folder."""
    from pvanalysis.build import build_processed
    from pvanalysis.sample import write_sample

    root = tmp_path_factory.mktemp("sample")
    write_sample(root / "raw")
    build_processed(root / "raw", root / "processed")
    return root / "processed"


@pytest.fixture(scope="session")
def sample_tables(sample_processed):
    """``pvanalysis.load`` of the built sample (do not modify: shared by the session)."""
    from pvanalysis import load

    return load(sample_processed)


# ---------------------------------------------------------------------------------------------
# Reports: one batch over the built sample per session (notebooks, site, offline browser)
# ---------------------------------------------------------------------------------------------

#: The project's notebooks (tests may locate the repository from their own path).
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: The bad report of the session batch: a region code that does not exist.
BAD_REGION = "99"


@pytest.fixture(scope="session")
def report_site(sample_processed, tmp_path_factory):
    """Every notebook run once on the sample through ``run_batch`` (two workers), plus one
    report with an unknown territory code; returns the ``BatchResult``."""
    from pvanalysis.reports import run_batch

    pdf = ["html", "svg", "pdf"]  # the editions tests (test_editions.py) read these three PDFs
    config = {"reports": [
        {"kind": "bilan", "params": {"period_start": 2017, "period_end": 2021}, "editions": pdf},
        {"kind": "territoire", "params": {"level": "region", "code": "03"}, "editions": pdf},
        {"kind": "territoire", "params": {"level": "commune", "code": "01.511.05.07"}},
        {"kind": "territoire", "params": {"level": "region", "code": BAD_REGION}},
        {"kind": "convention", "params": {"convention_id": "CC-R00001"}, "editions": pdf},
        {"kind": "qualite"},
        {"kind": "exploration"},
    ]}
    out = tmp_path_factory.mktemp("site")
    return run_batch(config, out, jobs=2, processed_dir=sample_processed,
                     notebooks_dir=NOTEBOOKS)
