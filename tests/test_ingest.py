"""Ingest: header variants and units, header under title rows, blank and totals rows skipped,
Excel row numbers kept, CSV encodings, geometry CRS and repair, unusable inputs."""

from __future__ import annotations

import json

import pytest
from tiny import CSV, QUARTIERS, SHEETS, geojson, write_tiny, write_workbook

from pvanalysis.errors import InputFileError
from pvanalysis.ingest import (
    header_unit,
    normalise,
    read_disbursements,
    read_geometry,
    read_workbook,
)


@pytest.mark.parametrize("header, expected", [
    ("Montant (MDH)", ("montant", 1_000_000)),
    ("montant en MDH", ("montant", 1_000_000)),
    ("Montant MDH ", ("montant", 1_000_000)),
    ("MONTANT ENGAGE (KDH)", ("montant engage", 1_000)),
    ("Coût (DH)", ("cout", 1)),
    ("Montant", ("montant", 1)),
    ("Échéance prévue", ("echeance prevue", 1)),
])
def test_header_unit(header, expected):
    assert header_unit(header) == expected


def test_normalise():
    assert normalise("  Mise en Œuvre  et suivi ") == "mise en oeuvre et suivi"
    assert normalise("Axe d'intervention") == "axe d intervention"


def test_workbook_header_below_title_and_totals_skipped(tmp_path):
    sheets = dict(SHEETS)
    sheets["Engagements"] = SHEETS["Engagements"] + [[None, None, None],
                                                     ["TOTAL GÉNÉRAL", None, 160]]
    write_workbook(tmp_path / "conventions.xlsx", sheets)
    tables = read_workbook(tmp_path / "conventions.xlsx")
    eng = tables["Engagements"]
    assert list(eng.frame.index) == [4, 5, 6, 7, 8]  # header on Excel row 3
    assert eng.units == {"convention_id": 1, "partner_id": 1, "committed_dh": 1_000_000}
    assert eng.headers["committed_dh"] == "Montant engagé (MDH)"
    assert "commune_code" in tables["Projets"].frame and tables["Projets"].sheet == "Projets"


def test_workbook_sheet_names_without_accents(tmp_path):
    sheets = {("Echeancier" if k == "Échéancier" else k): v for k, v in SHEETS.items()}
    write_workbook(tmp_path / "conventions.xlsx", sheets)
    assert read_workbook(tmp_path / "conventions.xlsx")["Échéancier"].sheet == "Echeancier"


def test_missing_column_names_sheet_row_and_column(tmp_path):
    sheets = dict(SHEETS)
    sheets["Partenaires"] = [r[:2] for r in SHEETS["Partenaires"]]
    write_workbook(tmp_path / "conventions.xlsx", sheets)
    with pytest.raises(InputFileError, match="feuille « Partenaires », ligne 3, "
                                             "colonne « Catégorie » : colonne obligatoire"):
        read_workbook(tmp_path / "conventions.xlsx")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_encodings(tmp_path, encoding):
    (tmp_path / "deblocages.csv").write_bytes(CSV.encode(encoding))
    raw = read_disbursements(tmp_path / "deblocages.csv")
    assert raw.headers["disbursement_id"] == "N° déblocage"
    assert list(raw.frame.index) == [2, 3, 4, 5]
    assert raw.frame["beneficiary"].iloc[0] == "Al Omrane Tanger"


def test_csv_undecodable_gives_hint(tmp_path):
    (tmp_path / "deblocages.csv").write_bytes(b"N\xb0;\x81\x8d")
    with pytest.raises(InputFileError, match="encodage illisible.*Suggestion : enregistrer "
                                             "le fichier en UTF-8"):
        read_disbursements(tmp_path / "deblocages.csv")


def test_geometry_lambert_is_reprojected(tmp_path):
    import geopandas as gpd

    write_tiny(tmp_path)
    gdf = gpd.read_file(tmp_path / "quartiers.geojson")
    gdf.to_crs("EPSG:26191").to_file(tmp_path / "quartiers.gpkg")
    raw = read_geometry(tmp_path / "quartiers.gpkg", "quartiers")
    assert raw.geometry.crs == "EPSG:4326"
    assert raw.geometry.geom_equals_exact(gdf.geometry.set_axis(raw.geometry.index),
                                          tolerance=1e-7).all()
    assert list(raw.frame.index) == [1, 2]


def test_invalid_geometry_repaired_and_flagged(tmp_path):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    features = [dict(QUARTIERS[0], geometry=bowtie), QUARTIERS[1]]
    (tmp_path / "q.geojson").write_text(geojson(features))
    raw = read_geometry(tmp_path / "q.geojson", "quartiers")
    assert raw.repaired.tolist() == [True, False]
    assert raw.geometry.is_valid.all() and raw.geometry.iloc[0].area == pytest.approx(0.5)


def test_geojson_declaring_lambert_is_reprojected(tmp_path):
    data = json.loads(geojson(QUARTIERS))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::26191"}}
    (tmp_path / "q.geojson").write_text(json.dumps(data))
    assert read_geometry(tmp_path / "q.geojson", "quartiers").geometry.crs == "EPSG:4326"
