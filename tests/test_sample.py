"""The synthetic sample: deterministic, labelled, calibrated, with its documented bad rows.

The invariants are computed by reading back the RAW files with pandas (not from the
generator's variables, and not through the build), with a deliberately small reader below.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from pvanalysis.cli import cli
from pvanalysis.config import PHASES, SCALES, TARGET_TYPES
from pvanalysis.sample import (
    CALIBRATION,
    INVALID_QUARTIERS,
    QUARANTINE_ROWS,
    SYNTHETIC_LABEL,
    generate,
    write_sample,
)

COMMITTED = Path(__file__).resolve().parents[1] / "data" / "raw"
FILES = ("conventions.xlsx", "deblocages.csv", "quartiers.geojson", "LISEZMOI.txt")


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("raw")
    write_sample(out, seed=2021)
    return out


# ---- a small, independent reader of the raw files --------------------------------------

def _sheet(raw: Path, name: str) -> pd.DataFrame:
    """Data rows of a sheet (header on Excel row 3), index = Excel row number."""
    df = pd.read_excel(raw / "conventions.xlsx", sheet_name=name, header=2, dtype=object,
                       engine="calamine")
    df.index = df.index + 4
    df = df[df.notna().any(axis=1)]
    return df[df.iloc[:, 0].astype(str) != "Total"]


def _csv(raw: Path) -> pd.DataFrame:
    df = pd.read_csv(raw / "deblocages.csv", sep=";", encoding="cp1252", skiprows=1, dtype=str)
    df.index = df.index + 3  # title line 1, header line 2
    return df


def _without_bad_rows(df: pd.DataFrame, file: str, sheet: str | None) -> pd.DataFrame:
    bad = [r["row"] for r in QUARANTINE_ROWS if r["file"] == file and r["sheet"] == sheet]
    return df.drop(index=bad)


def _dh(value, factor: int) -> int:
    """Integer dirhams from a number or French text in the unit of ``factor`` DH."""
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value)).replace(",", ".")
    return int(Decimal(text) * factor)


def _year(value) -> int:
    if isinstance(value, str):
        return int(value[-4:])
    if isinstance(value, (int, float)):
        return (pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(value))).year
    return pd.Timestamp(value).year


@pytest.fixture(scope="module")
def period(raw):
    """Projects, conventions and flows restricted to cadres signed in 2017–2021."""
    projects = _sheet(raw, "Projets")
    conv = _without_bad_rows(_sheet(raw, "Conventions"), "conventions.xlsx", "Conventions")
    conv["year"] = conv["Date de signature"].map(_year)
    cadre = conv[conv["Type de convention"] == "Convention cadre"]
    years = cadre.groupby("Identifiant projet")["year"].min()
    projects["year"] = projects["Code projet"].map(years)
    scale_code = {label: code for code, label in SCALES.items()}
    projects["scale"] = projects["Echelle"].map(scale_code)
    inside = projects[projects.year.between(2017, 2021)]
    eng = _sheet(raw, "Engagements")
    eng["dh"] = eng["Montant engagé (KDH)"].map(lambda v: _dh(v, 1_000))
    partners = _sheet(raw, "Partenaires").set_index("Identifiant partenaire")["Catégorie"]
    eng["ministry"] = eng["Identifiant partenaire"].map(partners).str.startswith("Ministère")
    eng = eng.merge(cadre[["N° convention", "Identifiant projet"]],
                    left_on="Identifiant convention", right_on="N° convention")
    eng = eng.merge(inside[["Code projet", "scale"]], left_on="Identifiant projet",
                    right_on="Code projet")
    csv = _without_bad_rows(_csv(raw), "deblocages.csv", None)
    csv["dh"] = csv["Montant (DH)"].map(lambda v: _dh(v, 1))
    csv = csv.merge(conv[["N° convention", "Identifiant projet"]], left_on="Convention",
                    right_on="N° convention", validate="m:1")
    csv = csv.merge(inside[["Code projet", "scale"]], left_on="Identifiant projet",
                    right_on="Code projet")
    csv["ministry"] = csv["Partenaire"].map(partners).str.startswith("Ministère")
    targets = _without_bad_rows(_sheet(raw, "Cibles"), "conventions.xlsx", "Cibles")
    targets = targets.merge(inside[["Code projet", "scale"]], left_on="Identifiant projet",
                            right_on="Code projet")
    return {"projects": projects, "inside": inside, "eng": eng, "csv": csv,
            "targets": targets}


# ---- determinism -------------------------------------------------------------------------

def test_same_seed_gives_the_same_files(raw, tmp_path):
    write_sample(tmp_path, seed=2021)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (raw / name).read_bytes(), name
    a = gpd.read_file(raw / "centres.gpkg")
    b = gpd.read_file(tmp_path / "centres.gpkg")
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=0).all()


def test_another_seed_gives_other_content():
    one, two = generate(seed=2021), generate(seed=7)
    assert not one.disbursements.equals(two.disbursements)
    # the calibrated totals do not depend on the seed
    for t in (one, two):
        royal = t.projects[t.projects.core & (t.projects.scale == "royal")]
        cadre = t.conventions[t.conventions.project_id.isin(royal.project_id)
                              & (t.conventions.kind == "cadre")]
        assert int(cadre.amount_dh.sum()) == 1_684_000_000


def test_committed_sample_is_the_seed_2021_sample(raw):
    """Same content (not bytes: GDAL or xlsxwriter versions may write them differently)."""
    for name in ("deblocages.csv", "LISEZMOI.txt"):
        assert (COMMITTED / name).read_bytes() == (raw / name).read_bytes(), name
    for sheet in ("Projets", "Cibles", "Conventions", "Partenaires", "Engagements",
                  "Échéancier", "Actions"):
        pd.testing.assert_frame_equal(_sheet(COMMITTED, sheet), _sheet(raw, sheet))
    for name in ("quartiers.geojson", "centres.gpkg"):
        a, b = gpd.read_file(COMMITTED / name), gpd.read_file(raw / name)
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
        assert a.geometry.geom_equals_exact(b.geometry, tolerance=1e-9).all(), name


# ---- labelled synthetic ------------------------------------------------------------------

def test_files_say_they_are_synthetic(raw):
    book = openpyxl.load_workbook(raw / "conventions.xlsx", read_only=True)
    assert book.properties.title == SYNTHETIC_LABEL
    for ws in book.worksheets:
        assert next(ws.iter_rows(max_row=1, values_only=True))[0] == SYNTHETIC_LABEL
    assert (raw / "deblocages.csv").read_bytes().decode("cp1252").startswith(SYNTHETIC_LABEL)
    assert SYNTHETIC_LABEL in (raw / "quartiers.geojson").read_text(encoding="utf-8")
    assert "FICTIFS" in (raw / "LISEZMOI.txt").read_text(encoding="utf-8")


def test_files_carry_the_dirt_of_real_files(raw):
    csv = (raw / "deblocages.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        csv.decode("utf-8")  # cp1252, not UTF-8
    assert b"\r\n" in csv and "\u00a0".encode("cp1252") in csv
    centres = gpd.read_file(raw / "centres.gpkg")
    assert centres.crs.to_epsg() == 26191
    assert set(centres.geom_type) == {"Point", "Polygon"}
    quartiers = gpd.read_file(raw / "quartiers.geojson")
    invalid = quartiers.loc[~quartiers.is_valid, "identifiant"]
    assert sorted(invalid) == sorted(INVALID_QUARTIERS)
    grid = pd.read_excel(raw / "conventions.xlsx", sheet_name="Conventions", header=None,
                         dtype=object, engine="calamine")
    kinds = {type(v).__name__ for v in grid.iloc[3:, 4]}
    assert {"str", "datetime"} <= kinds and ({"int", "float"} & kinds)  # text, date, serial
    projects = _sheet(raw, "Projets")
    assert projects["Date de présentation"].astype(str).str.match(r"^mars \d{4}$").any()
    assert not projects["Commune"].dropna().str.match(r"^\d\d\.").all()  # some names


# ---- quarantine rows ---------------------------------------------------------------------

@pytest.mark.parametrize("bad", QUARANTINE_ROWS, ids=lambda r: f"{r['file']}-{r['row']}")
def test_documented_bad_rows_are_where_the_list_says(raw, bad):
    if bad["sheet"] is None:
        lines = (raw / bad["file"]).read_bytes().decode("cp1252").split("\r\n")
        header = lines[1].split(";")
        cells = lines[bad["row"] - 1].split(";")
        assert cells[header.index(bad["column"])] == bad["value"]
    else:
        grid = pd.read_excel(raw / bad["file"], sheet_name=bad["sheet"], header=None,
                             dtype=object, engine="calamine")
        header = list(grid.iloc[2])
        assert grid.iloc[bad["row"] - 1, header.index(bad["column"])] == bad["value"]


def test_duplicate_line_repeats_the_line_above(raw):
    lines = (raw / "deblocages.csv").read_bytes().decode("cp1252").split("\r\n")
    assert lines[3] == lines[2]


# ---- calibration, read back from the raw files -------------------------------------------

def test_royal_projects(period):
    royal = CALIBRATION["royal"]
    assert (period["inside"].scale == "royal").sum() == royal["projects"] == 12
    eng = period["eng"][period["eng"].scale == "royal"]
    assert eng.dh.sum() == 1_684_000_000
    assert eng.loc[eng.ministry, "dh"].sum() == 1_202_000_000
    csv = period["csv"][period["csv"].scale == "royal"]
    assert csv.loc[csv.ministry, "dh"].sum() == 424_565_000


def test_medina_projects(period):
    inside = period["inside"]
    assert (inside.scale == "medina").sum() == 6
    eng = period["eng"][period["eng"].scale == "medina"]
    assert eng.dh.sum() == 4_287_000_000
    assert eng.loc[eng.ministry, "dh"].sum() == 657_000_000
    t = period["targets"]
    med = t[t["Type de cible"] == TARGET_TYPES["medina"]]
    assert sorted(med["Nom de la cible"].unique()) == sorted(
        f"Médina de {c}" for c in ("Tanger", "Marrakech", "Salé", "Fès", "Meknès"))
    assert dict(zip(med["Nom de la cible"], med["Commune"], strict=True)) == {
        "Médina de Tanger": "01.511.01.0", "Médina de Marrakech": "07.351.01.0",
        "Médina de Salé": "04.441.01.0", "Médina de Fès": "03.231.01.0",
        "Médina de Meknès": "03.061.01.01"}


def test_quartiers_and_centres_covered(period):
    t = period["targets"]
    quartiers = t[(t.scale == "quartiers") & (t["Type de cible"] == TARGET_TYPES["quartier"])]
    centres = t[(t.scale == "centre") & (t["Type de cible"] == TARGET_TYPES["centre"])]
    assert quartiers["Identifiant cible"].nunique() == 860 > 800
    assert centres["Identifiant cible"].nunique() == 760 > 700
    regions = period["projects"].set_index("Code projet")["Région"]
    assert quartiers["Identifiant projet"].map(regions).nunique() >= 10  # across the regions


def test_period_filter_matters_and_every_step_is_there(period):
    projects = period["projects"]
    for scale_code in SCALES:
        years = projects.loc[projects.scale == scale_code, "year"]
        assert (years < 2017).any() or (years > 2021).any(), scale_code
        assert years.isna().any(), scale_code  # projects without a convention yet
    assert set(projects["Phase"]) == {label for label, _ in PHASES.values()}
    assert set(projects["Étape"]) == {s for _, steps in PHASES.values() for s in steps.values()}


# ---- scale and command line --------------------------------------------------------------

def test_scale_multiplies_volume_and_keeps_references():
    one, two = generate(scale=1), generate(scale=2)
    assert len(two.quartiers) > 1.8 * len(one.quartiers)
    assert len(two.disbursements) > 1.8 * len(one.disbursements)
    assert two.disbursements.convention_id.isin(two.conventions.convention_id).all()
    assert two.commitments.partner_id.isin(two.partners.partner_id).all()
    assert (two.projects.core & (two.projects.scale == "royal")).sum() == 12


def test_scale_must_be_positive():
    with pytest.raises(ValueError, match="scale must be an integer >= 1, got 0"):
        generate(scale=0)


def test_cli_sample(tmp_path):
    result = CliRunner().invoke(cli, ["sample", "--out", str(tmp_path), "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "graine 3, échelle 1" in result.output
    assert (tmp_path / "conventions.xlsx").is_file()


def test_a_project_with_two_cadres_belongs_to_its_first_signature_year(raw, period):
    conv = _sheet(raw, "Conventions")
    cadres = conv[(conv["Identifiant projet"] == "PQ-00001")
                  & (conv["Type de convention"] == "Convention cadre")]
    assert sorted(cadres["Date de signature"].map(_year)) == [2016, 2018]
    assert "PQ-00001" not in set(period["inside"]["Code projet"])
