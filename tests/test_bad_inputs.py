"""Bad-input corpus: every case ends in a clean build, a quarantined value with the expected
French reason, or exit 2 with one line naming the file (sheet, row, column) — never a traceback.

Cases are mutations of the tiny dataset of ``tiny.py`` (Excel rows: title 1, blank 2, header 3,
first data row 4; CSV: header line 1, first data row 2; geometry files: feature number).
"""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner
from tiny import (
    CENTRES,
    CSV,
    QUARTIERS,
    SHEETS,
    reference_dir,
    snapshot,
    with_cell,
    with_row,
    write_tiny,
)

from pvanalysis.build import build_processed
from pvanalysis.cli import cli
from pvanalysis.store import current


class Built(dict):
    """The tables of a store's current version, with its manifest as ``.manifest``."""

    def __init__(self, out):
        from pvanalysis import load

        super().__init__(load(out))
        self.manifest = current(out).manifest


def _geo(features, **changes):
    out = [dict(f) for f in features]
    out[0].update(changes)
    return out


def _csv(old: str, new: str) -> str:
    assert old in CSV
    return CSV.replace(old, new)


def _without_sheet(name):
    def mutate(raw):
        from tiny import write_workbook

        sheets = {k: v for k, v in SHEETS.items() if k != name}
        write_workbook(raw / "conventions.xlsx", sheets)
    return mutate


def _without_column(sheet, header):
    def mutate(raw):
        from tiny import write_workbook

        col = SHEETS[sheet][0].index(header)
        sheets = dict(SHEETS)
        sheets[sheet] = [r[:col] + r[col + 1:] for r in SHEETS[sheet]]
        write_workbook(raw / "conventions.xlsx", sheets)
    return mutate


def _write(name, data: bytes):
    def mutate(raw):
        (raw / name).write_bytes(data)
    return mutate


def _remove(name):
    def mutate(raw):
        (raw / name).unlink()
    return mutate


def _shapefile_without_prj(raw):
    import geopandas as gpd

    gdf = gpd.read_file(raw / "quartiers.geojson")
    (raw / "quartiers.geojson").unlink()
    gdf.to_file(raw / "quartiers.shp")
    (raw / "quartiers.prj").unlink()


BOWTIE = {"type": "Polygon", "coordinates": [[[-5.831, 35.944], [-5.827, 35.948],
                                               [-5.827, 35.944], [-5.831, 35.948],
                                               [-5.831, 35.944]]]}

Q, XLSX, CSV_FILE = "quarantine", "conventions.xlsx", "deblocages.csv"

# (id, changes to write_tiny or a function mutating the raw folder, expected)
# expected: ("quarantine", file, sheet, row, column, reason) | ("ok", check) | ("exit2", [texts])
CASES = [
    ("negative-amount", {"sheets": with_cell("Conventions", "C1", "Montant (MDH)", "-5")},
     (Q, XLSX, "Conventions", 4, "Montant (MDH)", "montant négatif")),
    ("impossible-date",
     {"sheets": with_cell("Conventions", "C2", "Date de signature", "31/02/2019")},
     (Q, XLSX, "Conventions", 6, "Date de signature", "date impossible")),
    ("unreadable-date", {"sheets": with_cell("Conventions", "C3", "Date de signature", "demain")},
     (Q, XLSX, "Conventions", 7, "Date de signature", "date illisible")),
    ("unreadable-amount",
     {"sheets": with_cell("Engagements", "C2", "Montant engagé (MDH)", "1.684,OO")},
     (Q, XLSX, "Engagements", 6, "Montant engagé (MDH)", "montant illisible")),
    ("duplicate-project", {"sheets": with_row("Projets", ["P1", "Doublon", "royal", "01", "01.511",
                                                          None, "montage", "vision"] + [None] * 4)},
     (Q, XLSX, "Projets", 7, "Identifiant projet", "identifiant en double")),
    ("unknown-commune", {"sheets": with_cell("Projets", "P1", "Commune", "Atlantis")},
     (Q, XLSX, "Projets", 4, "Commune", "commune inconnue")),
    ("unknown-region", {"sheets": with_cell("Projets", "P3", "Région", "Narnia")},
     (Q, XLSX, "Projets", 6, "Région", "région inconnue")),
    ("unknown-province", {"sheets": with_cell("Projets", "P3", "Province", "Utopia")},
     (Q, XLSX, "Projets", 6, "Province", "province inconnue")),
    ("release-unknown-convention", {"csv": _csv("D3;C1;", "D3;C9;")},
     (Q, CSV_FILE, None, 4, "Convention", "convention inconnue")),
    ("release-unknown-partner", {"csv": _csv("D3;C1;REG", "D3;C1;XYZ")},
     (Q, CSV_FILE, None, 4, "Partenaire", "partenaire inconnu")),
    ("release-zero", {"csv": _csv("5000000;", "0;")},
     (Q, CSV_FILE, None, 4, "Montant", "montant nul ou négatif")),
    ("release-before-signature", {"csv": _csv("01/04/2019", "01/01/2019")},
     (Q, CSV_FILE, None, 2, "Date de déblocage",
      "déblocage antérieur à la signature de la convention")),
    ("commitment-on-financing", {"sheets": with_row("Engagements", ["C1F", "MIN", 5])},
     (Q, XLSX, "Engagements", 9, "Identifiant convention",
      "convention cadre inconnue")),
    ("commitment-unknown-partner", {"sheets": with_row("Engagements", ["C3", "XYZ", 5])},
     (Q, XLSX, "Engagements", 9, "Identifiant partenaire",
      "partenaire inconnu")),
    ("year-unreadable", {"sheets": with_row("Échéancier", ["C3", "MIN", "deux mille", 1])},
     (Q, XLSX, "Échéancier", 9, "Année", "année illisible")),
    ("year-out-of-range", {"sheets": with_row("Échéancier", ["C3", "MIN", 1990, 1])},
     (Q, XLSX, "Échéancier", 9, "Année", "année hors de 2000–2100")),
    ("progress-150", {"sheets": with_cell("Actions", "A1", "Avancement physique (%)", 150)},
     (Q, XLSX, "Actions", 4, "Avancement physique (%)",
      "avancement hors de 0–100 %")),
    ("unknown-axis", {"sheets": with_cell("Actions", "A3", "Axe d'intervention", "piscines")},
     (Q, XLSX, "Actions", 6, "Axe d'intervention", "valeur non reconnue")),
    ("unknown-scale", {"sheets": with_cell("Projets", "P3", "Échelle d'intervention", "régional")},
     (Q, XLSX, "Projets", 6, "Échelle d'intervention",
      "valeur non reconnue")),
    ("step-outside-phase", {"sheets": with_cell("Projets", "P3", "Étape", "deblocage")},
     (Q, XLSX, "Projets", 6, "Étape", "étape hors de sa phase")),
    ("missing-partner-name", {"sheets": with_cell("Partenaires", "HAO", "Nom du partenaire", " ")},
     (Q, XLSX, "Partenaires", 6, "Nom du partenaire", "valeur manquante")),
    ("unknown-quartier-target",
     {"sheets": with_row("Cibles", ["P3", "quartier", "Q9", "X", "Tanger"])},
     (Q, XLSX, "Cibles", 9, "Identifiant cible", "quartier inconnu")),
    ("unknown-centre-target", {"sheets": with_row("Cibles", ["P3", "centre", "K9", "X", "Tanger"])},
     (Q, XLSX, "Cibles", 9, "Identifiant cible", "centre inconnu")),
    ("orphan-financing", {"sheets": with_cell("Conventions", "C1F", "Convention cadre", "C9")},
     (Q, XLSX, "Conventions", 5, "Convention cadre",
      "convention cadre inconnue")),
    ("convention-unknown-project",
     {"sheets": with_cell("Conventions", "C3", "Identifiant projet", "P9")},
     (Q, XLSX, "Conventions", 7, "Identifiant projet", "projet inconnu")),
    ("null-geometry", {"quartiers": _geo(QUARTIERS, geometry=None)},
     (Q, "quartiers.geojson", None, 1, "geometry", "géométrie manquante")),
    ("quartier-unknown-commune", {"quartiers": _geo(QUARTIERS, commune="Atlantis")},
     (Q, "quartiers.geojson", None, 1, "commune", "commune inconnue")),
    ("no-title-rows", {"title": None}, ("ok", lambda t: len(t["projects"]) == 3)),
    ("totals-row", {"sheets": with_row("Engagements", ["TOTAL GÉNÉRAL", None, 160])},
     ("conventions.xlsx", "Engagements", 9, "Identifiant convention",
      "ligne de total (non importée)")),
    ("csv-cp1252-title-blank-lines",
     {"csv": ("Export des déblocages\n\n" + CSV + "\n").encode("cp1252")},
     ("ok", lambda t: t["disbursements"]["beneficiary"].iloc[0] == "Al Omrane Tanger")),
    ("header-variants", {"sheets": {"Engagements": [
        ["CONVENTION", "PARTENAIRE", "montant en KDH"], ["C1", "MIN", "60 000"],
        ["C1", "REG", 40000], ["C2", "MIN", 30000], ["C2", "HAO", "20\u202f000"],
        ["C3", "MIN", 10000]]}},
     ("ok", lambda t: t["commitments"]["committed_dh"].tolist()
      == [60_000_000, 40_000_000, 30_000_000, 20_000_000, 10_000_000])),
    ("commune-mismatch", {"quartiers": _geo(QUARTIERS, commune="Assilah")},
     ("ok", lambda t: t["quartiers"]["commune_mismatch"].tolist() == [True, False]
      and t["quartiers"]["commune_code"].iloc[0] == "01.511.01.01")),
    ("invalid-geometry-repaired", {"quartiers": _geo(QUARTIERS, geometry=BOWTIE)},
     ("ok", lambda t: t["quartiers"].geometry.is_valid.all() and len(t["quartiers"]) == 2)),
    ("missing-workbook", _remove("conventions.xlsx"),
     ("exit2", ["conventions.xlsx", "fichier absent"])),
    ("missing-optional-sheet", _without_sheet("Actions"),
     ("ok", lambda t: t["actions"].empty and t.manifest["absent"] == ["actions"])),
    ("missing-sheet", _without_sheet("Partenaires"),
     ("exit2", ["conventions.xlsx", "feuille « Partenaires »", "feuille absente"])),
    ("missing-column", _without_column("Conventions", "Montant (MDH)"),
     ("exit2", ["feuille « Conventions »", "ligne 3", "colonne « Montant »",
                "colonne obligatoire absente"])),
    ("workbook-not-excel", _write("conventions.xlsx", b"ceci n'est pas un classeur"),
     ("exit2", ["conventions.xlsx", "classeur illisible"])),
    ("missing-csv", _remove("deblocages.csv"),
     ("ok", lambda t: t["disbursements"].empty
      and t.manifest["absent"] == ["disbursements"])),
    ("csv-undecodable", _write("deblocages.csv", CSV.encode("cp1252") + b"\x81\x8d\x90"),
     ("exit2", ["deblocages.csv", "ligne 6", "encodage illisible", "UTF-8"])),
    ("csv-binary", _write("deblocages.csv", b"PK\x03\x04\x00\x00binary"),
     ("exit2", ["deblocages.csv", "fichier illisible"])),
    ("csv-comma-separated", _write("deblocages.csv", CSV.replace(";", ",").encode()),
     ("exit2", ["deblocages.csv", "séparateur"])),
    ("missing-quartiers", _remove("quartiers.geojson"),
     ("ok", lambda t: t["quartiers"].empty and t.manifest["absent"] == ["quartiers"]
      and set(t["project_targets"]["target_id"]) >= {"Q1", "Q2"})),
    ("shapefile-without-crs", _shapefile_without_prj, ("exit2", ["quartiers.shp",
                                                                 "système de coordonnées absent"])),
    ("geometry-empty", {"quartiers": []},
     ("quarantine", "conventions.xlsx", "Cibles", 6, "Identifiant cible", "quartier inconnu")),
    ("csv-empty", _write("deblocages.csv", b""),
     ("ok", lambda t: t["disbursements"].empty
      and t.manifest["absent"] == ["disbursements"])),
    ("csv-header-only", {"csv": CSV.splitlines()[0] + "\n"},
     ("ok", lambda t: t["disbursements"].empty)),
    ("sheet-header-only", {"sheets": {"Actions": [SHEETS["Actions"][0]]}},
     ("ok", lambda t: t["actions"].empty and len(t["projects"]) == 3)),
    ("geometry-garbage", _write("centres.geojson", b"{not json"),
     ("exit2", ["centres.geojson", "illisible"])),
    ("geometry-missing-column", {"centres": [{k: v for k, v in f.items() if k != "commune"}
                                            for f in CENTRES]},
     ("exit2", ["centres.geojson", "colonne « commune »"])),
]


# ---------------------------------------------------------------- more mutations


def _openpyxl(sheet: str, ident: str, header: str, value, *, extra_header: str | None = None):
    """Set one cell with openpyxl (which saves formulas without a result, and ``#N/A`` as an
    error cell); ``extra_header`` writes into a new column with that header instead."""
    def mutate(raw):
        import openpyxl

        book = openpyxl.load_workbook(raw / "conventions.xlsx")
        ws = book[sheet]
        headers = [c.value for c in ws[3]]
        if extra_header is not None:
            col = len(headers) + 1
            ws.cell(row=3, column=col, value=extra_header)
        else:
            col = headers.index(header) + 1
        row = next(r for r in range(4, ws.max_row + 1) if ws.cell(row=r, column=1).value == ident)
        ws.cell(row=row, column=col, value=value)
        book.save(raw / "conventions.xlsx")
    return mutate


def _sheets(extra: dict | None = None, drop: tuple = (), rename: dict | None = None):
    """The tiny workbook with sheets added, dropped or renamed."""
    def mutate(raw):
        from tiny import write_workbook

        sheets = {(rename or {}).get(k, k): v for k, v in SHEETS.items() if k not in drop}
        sheets.update(extra or {})
        write_workbook(raw / "conventions.xlsx", sheets)
    return mutate


def _both(*mutations):
    def mutate(raw):
        for m in mutations:
            m(raw)
    return mutate


def _geo_file(name: str, features: list[dict] | None = None, crs: str | None = None,
              layers: dict | None = None):
    """Write geometries as another file (GPKG, other CRS, several layers)."""
    def mutate(raw):
        import geopandas as gpd
        from tiny import geojson

        def frame(feats):
            return gpd.read_file(geojson(feats))
        stem = name.split(".")[0]
        (raw / f"{stem}.geojson").unlink(missing_ok=True)
        for layer, feats in (layers or {stem: features}).items():
            gdf = frame(feats).set_crs("EPSG:4326", allow_override=True)
            if crs:
                gdf = gdf.to_crs(crs)
            gdf.to_file(raw / name, layer=layer)
    return mutate


def _cells(sheet: str, updates: dict) -> dict:
    """SHEETS[sheet] with several cells set: {(ident, header): value}."""
    import copy

    rows = copy.deepcopy(SHEETS[sheet])
    for (ident, header), value in updates.items():
        col = rows[0].index(header)
        next(r for r in rows[1:] if r[0] == ident)[col] = value
    return {sheet: rows}


def _header_only(sheet: str) -> dict:
    return {sheet: [SHEETS[sheet][0]]}


def _line(geom_kind: str) -> dict:
    x, y = -5.8294, 35.9458
    if geom_kind == "LineString":
        return {"type": "LineString", "coordinates": [[x, y], [x + 0.01, y]]}
    if geom_kind == "Point":
        return {"type": "Point", "coordinates": [x, y]}
    return {"type": "GeometryCollection", "geometries": [
        {"type": "Point", "coordinates": [x, y]}]}


def _square(x, y, d=0.002):
    return {"type": "Polygon", "coordinates": [[[x - d, y - d], [x + d, y - d], [x + d, y + d],
                                                [x - d, y + d], [x - d, y - d]]]}


def _csv_field(ident: str, position: int, value: str) -> str:
    """The tiny CSV with field ``position`` (0-based) of release ``ident`` set."""
    lines = CSV.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(ident + ";"):
            parts = line.split(";")
            parts[position] = value
            lines[i] = ";".join(parts)
    return "\n".join(lines) + "\n"


def _amount(ident: str, text: str) -> dict:
    return {"csv": _csv_field(ident, 4, text)}


def _release_csv(ident: str, date: str) -> str:
    return _csv_field(ident, 3, date)


def _signed(ident: str, value) -> dict:
    return {"sheets": with_cell("Conventions", ident, "Date de signature", value)}


TOTAL_PARTNER = ["TOTAL", "Total Maroc", "Autre"]
AFOURER = _cells("Projets", {("P3", "Région"): "05", ("P3", "Province"): "05.081",
                             ("P3", "Commune"): "Afourer"})
SWAPPED = [dict(QUARTIERS[0], geometry=_square(35.9458, -5.8294)), QUARTIERS[1]]
PROJECTED = [dict(QUARTIERS[0], geometry=_square(470000, 570000, 200)), QUARTIERS[1]]
MIXED_ENCODING = CSV.encode("utf-8") + "D5;C3;MIN;01/07/2020;1 000;Société générale\n" \
    .encode("cp1252")

MORE_CASES = [
    # ---- amounts
    ("amount-point-three-digits",
     {"sheets": with_cell("Conventions", "C3", "Montant (MDH)", "5.000")},
     (Q, XLSX, "Conventions", 7, "Montant (MDH)",
      "nombre ambigu : point suivi de trois chiffres (milliers ou décimales ?)")),
    ("amount-points-group-thousands", _amount("D3", "5.000.000"),
     ("ok", lambda t: t["disbursements"].set_index("disbursement_id").at["D3", "amount_dh"]
      == 5_000_000)),
    ("amount-point-groups-comma-decimal", _amount("D3", "5.000.000,00"),
     ("ok", lambda t: t["disbursements"].set_index("disbursement_id").at["D3", "amount_dh"]
      == 5_000_000)),
    ("amount-english-grouping", _amount("D3", "5,000,000.00"),
     ("ok", lambda t: t["disbursements"].set_index("disbursement_id").at["D3", "amount_dh"]
      == 5_000_000)),
    ("amount-decimal-comma-mdh",
     {"sheets": with_cell("Conventions", "C3", "Montant (MDH)", "10,5")},
     ("ok", lambda t: t["conventions"].set_index("convention_id").at["C3", "amount_dh"]
      == 10_500_000)),
    ("amount-decimal-point-two-digits",
     {"sheets": with_cell("Conventions", "C3", "Montant (MDH)", "10.50")},
     ("ok", lambda t: t["conventions"].set_index("convention_id").at["C3", "amount_dh"]
      == 10_500_000)),
    ("amount-half-dirham-rounds-up", _amount("D3", "5000000,5"),
     ("ok", lambda t: t["disbursements"].set_index("disbursement_id").at["D3", "amount_dh"]
      == 5_000_001)),
    ("amount-nan-text", _amount("D3", "NaN"),
     (Q, CSV_FILE, None, 4, "Montant", "montant illisible")),
    ("amount-infinity-text", _amount("D3", "inf"),
     (Q, CSV_FILE, None, 4, "Montant", "montant illisible")),
    ("amount-scientific", _amount("D3", "5e6"),
     (Q, CSV_FILE, None, 4, "Montant", "montant illisible")),
    ("amount-with-unit-in-cell", _amount("D3", "5 000 000 DH"),
     (Q, CSV_FILE, None, 4, "Montant", "montant illisible")),
    ("amount-excel-error-text", _amount("D3", "#DIV/0!"),
     (Q, CSV_FILE, None, 4, "Montant", "cellule en erreur dans Excel")),
    ("amount-missing", _amount("D3", ""),
     (Q, CSV_FILE, None, 4, "Montant", "valeur manquante")),
    ("amount-unicode-minus",
     {"sheets": with_cell("Conventions", "C1", "Montant (MDH)", "\u22125")},
     (Q, XLSX, "Conventions", 4, "Montant (MDH)", "montant négatif")),
    ("amount-two-decimal-separators", _amount("D3", "5,000,000,00"),
     (Q, CSV_FILE, None, 4, "Montant", "montant illisible")),
    ("amount-kdh-header-in-csv",
     {"csv": CSV.replace(";Montant;", ";Montant (KDH);").replace("5000000;", "5000;")
      .replace("20 000 000;", "20 000;").replace("15 000 000,00;", "15 000,00;")
      .replace("12 000 000;", "12 000;")},
     ("ok", lambda t: t["disbursements"]["amount_dh"].sum() == 52_000_000)),
    # ---- dates
    ("date-bare-year-number", _signed("C3", 2019),
     ("ok", lambda t: t["conventions"].set_index("convention_id").at["C3", "signed_on"]
      == pd.Timestamp("2019-01-01"))),
    ("date-bare-year-text", _signed("C3", "2019"),
     ("ok", lambda t: t["conventions"].set_index("convention_id").at["C3", "signed_on"]
      == pd.Timestamp("2019-01-01"))),
    ("date-bare-year-end-date",
     {"sheets": with_cell("Projets", "P2", "Achèvement prévu", 2024)},
     ("ok", lambda t: t["projects"].set_index("project_id").at["P2", "planned_end"]
      == pd.Timestamp("2024-12-31"))),
    ("date-before-1990", _signed("C3", "01/01/1985"),
     (Q, XLSX, "Conventions", 7, "Date de signature", "date antérieure au 01/01/1990")),
    ("date-serial-before-1990", _signed("C3", 20000),
     (Q, XLSX, "Conventions", 7, "Date de signature", "date antérieure au 01/01/1990")),
    ("date-after-2100",
     {"sheets": with_cell("Projets", "P2", "Achèvement prévu", "01/01/2150")},
     (Q, XLSX, "Projets", 5, "Achèvement prévu", "date postérieure au 31/12/2100")),
    ("date-excel-datetime", _signed("C3", dt.datetime(2020, 3, 15, 14, 30)),
     ("ok", lambda t: t["conventions"].set_index("convention_id").at["C3", "signed_on"]
      == pd.Timestamp("2020-03-15"))),
    ("date-leap-day", _signed("C3", "29/02/2020"),
     ("ok", lambda t: t["conventions"].set_index("convention_id").at["C3", "signed_on"]
      == pd.Timestamp("2020-02-29"))),
    ("date-month-13", _signed("C3", "2020-13-01"),
     (Q, XLSX, "Conventions", 7, "Date de signature", "date impossible")),
    ("date-abbreviated-month", _signed("C3", "sept. 2019"),
     ("ok", lambda t: t["conventions"].set_index("convention_id").at["C3", "signed_on"]
      == pd.Timestamp("2019-09-01"))),
    ("date-day-month-words", _signed("C3", "15 mars 2019"),
     (Q, XLSX, "Conventions", 7, "Date de signature", "date illisible")),
    ("release-in-the-future", {"csv": _release_csv("D4", "01/06/2099")},
     (Q, CSV_FILE, None, 5, "Date de déblocage",
      "date postérieure à la date d'arrêt des données")),
    ("actual-end-in-the-future",
     {"sheets": with_cell("Actions", "A2", "Achèvement effectif", "30/11/2099")},
     (Q, XLSX, "Actions", 5, "Achèvement effectif",
      "date postérieure à la date d'arrêt des données")),
    ("cutoff-default-latest-observed", {},
     ("ok", lambda t: t.manifest["cutoff_date"] == "2021-11-30"
      and t.manifest["cutoff_rule"] == "dernière date observée")),
    ("cutoff-option-quarantines-later-observed-dates", {"args": ["--cutoff", "30/06/2021"]},
     (Q, XLSX, "Actions", 5, "Achèvement effectif",
      "date postérieure à la date d'arrêt des données")),
    ("cutoff-option-recorded", {"args": ["--cutoff", "2021-12-31"]},
     ("ok", lambda t: t.manifest["cutoff_date"] == "2021-12-31"
      and t.manifest["cutoff_rule"] == "option")),
    ("cutoff-option-unreadable", {"args": ["--cutoff", "demain"]},
     ("exit2", ["--cutoff", "date illisible", "JJ/MM/AAAA"])),
    # ---- percents
    ("progress-bare-one", {"sheets": with_cell("Actions", "A1", "Avancement physique (%)", 1)},
     (Q, XLSX, "Actions", 4, "Avancement physique (%)", "avancement ambigu : 1 (1 % ou 100 % ?)")),
    ("progress-one-percent",
     {"sheets": with_cell("Actions", "A1", "Avancement physique (%)", "1 %")},
     ("ok", lambda t: t["actions"].set_index("action_id").at["A1", "progress_rate"] == 0.01)),
    ("progress-fraction", {"sheets": with_cell("Actions", "A1", "Avancement physique (%)", 0.45)},
     ("ok", lambda t: t["actions"].set_index("action_id").at["A1", "progress_rate"] == 0.45)),
    ("progress-french-decimal-percent",
     {"sheets": with_cell("Actions", "A1", "Avancement physique (%)", "45,5 %")},
     ("ok", lambda t: abs(t["actions"].set_index("action_id").at["A1", "progress_rate"]
                          - 0.455) < 1e-12)),
    ("progress-negative", {"sheets": with_cell("Actions", "A1", "Avancement physique (%)", -5)},
     (Q, XLSX, "Actions", 4, "Avancement physique (%)", "valeur négative")),
    ("progress-words",
     {"sheets": with_cell("Actions", "A1", "Avancement physique (%)", "beaucoup")},
     (Q, XLSX, "Actions", 4, "Avancement physique (%)", "nombre illisible")),
    ("progress-mixed-scales-cell-by-cell",
     {"sheets": _cells("Actions", {("A1", "Avancement physique (%)"): 0.4,
                                   ("A2", "Avancement physique (%)"): 100})},
     ("ok", lambda t: t["actions"].set_index("action_id")["progress_rate"].tolist()
      == [0.4, 1.0, 0.0])),
    # ---- encodings
    ("csv-mixed-encodings", _write("deblocages.csv", MIXED_ENCODING),
     ("exit2", ["deblocages.csv", "ligne 6", "encodages mélangés"])),
    ("csv-utf8-bom", _write("deblocages.csv", b"\xef\xbb\xbf" + CSV.encode()),
     ("ok", lambda t: len(t["disbursements"]) == 4)),
    ("csv-cp1252-accents", _write("deblocages.csv", CSV.replace("Al Omrane", "Société")
                                  .encode("cp1252")),
     ("ok", lambda t: (t["disbursements"]["beneficiary"] == "Société Tanger").sum() == 2)),
    ("csv-tab-separated", _write("deblocages.csv", CSV.replace(";", "\t").encode()),
     ("exit2", ["deblocages.csv", "séparateur"])),
    ("csv-duplicate-header", {"csv": CSV.replace("Bénéficiaire", "Montant versé")},
     ("exit2", ["deblocages.csv", "plusieurs colonnes pour « Montant »"])),
    ("csv-short-line", {"csv": CSV.replace("D4;C3;MIN;01/06/2020;12 000 000;", "D4;C3;MIN")},
     (Q, CSV_FILE, None, 5, "Date de déblocage", "valeur manquante")),
    ("csv-quoted-semicolon", {"csv": CSV.replace(";Al Omrane Tanger\nD2",
                                                 ';"Al Omrane; Tanger"\nD2')},
     ("ok", lambda t: t["disbursements"].set_index("disbursement_id").at["D1", "beneficiary"]
      == "Al Omrane; Tanger")),
    # ---- identifiers
    ("id-reference-other-case", {"csv": CSV.replace("D3;C1;", "D3;c1;")},
     ("ok", lambda t: t["disbursements"].set_index("disbursement_id").at["D3", "convention_id"]
      == "C1")),
    ("id-invisible-space", {"csv": CSV.replace("D3;C1;REG", "D3;C1\u200b;REG\u00a0")},
     ("ok", lambda t: t["disbursements"].set_index("disbursement_id").loc["D3"].pipe(
         lambda r: (r["convention_id"], r["partner_id"]) == ("C1", "REG")))),
    ("id-duplicate-other-case",
     {"sheets": with_row("Projets", ["p1", "Doublon", "royal", "01", "01.511", None, "montage",
                                     "vision"] + [None] * 4)},
     (Q, XLSX, "Projets", 7, "Identifiant projet", "identifiant en double")),
    ("id-release-duplicate-other-case", {"csv": CSV + "d1;C3;MIN;01/07/2020;1 000;\n"},
     (Q, CSV_FILE, None, 6, "N° déblocage", "identifiant en double")),
    ("id-financing-parent-other-case",
     {"sheets": with_cell("Conventions", "C1F", "Convention cadre", "c1")},
     ("ok", lambda t: t["conventions"].set_index("convention_id").at["C1F", "parent_id"]
      == "C1")),
    ("id-target-quartier-other-case",
     {"sheets": with_cell("Cibles", "P3", "Identifiant cible", "q1")},
     ("ok", lambda t: "Q1" in set(t["project_targets"]["target_id"]))),
    ("id-partner-called-total", {"sheets": with_row("Partenaires", TOTAL_PARTNER)},
     ("ok", lambda t: "TOTAL" in set(t["partners"]["partner_id"]))),
    # ---- totals rows
    ("totals-row-projects",
     {"sheets": with_row("Projets", ["Total"] + [None] * 11)},
     (Q, XLSX, "Projets", 7, "Identifiant projet", "ligne de total (non importée)")),
    ("subtotal-row-schedule",
     {"sheets": with_row("Échéancier", ["Sous-total 2020", None, None, 80])},
     (Q, XLSX, "Échéancier", 9, "Identifiant convention", "ligne de total (non importée)")),
    ("totals-row-label-in-other-column",
     {"sheets": with_row("Engagements", [None, "Total", 160])},
     (Q, XLSX, "Engagements", 9, "Identifiant partenaire", "ligne de total (non importée)")),
    ("totals-row-in-csv", {"csv": CSV + "Total;;;;52 000 000;\n"},
     (Q, CSV_FILE, None, 6, "N° déblocage", "ligne de total (non importée)")),
    # ---- Excel error cells and formulas
    ("excel-error-cell", {"then": _openpyxl("Engagements", "C2", "Montant engagé (MDH)", "#N/A")},
     (Q, XLSX, "Engagements", 6, "Montant engagé (MDH)", "cellule en erreur dans Excel")),
    ("excel-error-in-text-column",
     {"then": _openpyxl("Partenaires", "HAO", "Nom du partenaire", "#REF!")},
     (Q, XLSX, "Partenaires", 6, "Nom du partenaire", "cellule en erreur dans Excel")),
    ("excel-error-text-typed", {"sheets": with_cell("Partenaires", "HAO", "Nom du partenaire",
                                                   "#VALEUR!")},
     (Q, XLSX, "Partenaires", 6, "Nom du partenaire", "cellule en erreur dans Excel")),
    ("formula-without-result",
     {"then": _openpyxl("Conventions", "C3", "Montant (MDH)", "=G6*2")},
     ("exit2", ["conventions.xlsx", "feuille « Conventions »", "ligne 7",
                "colonne « Montant (MDH) »", "formule sans résultat enregistré",
                "recalculer et enregistrer le classeur dans Excel"])),
    ("formula-without-result-outside-the-contract",
     {"then": _openpyxl("Conventions", "C3", None, "=G6*2", extra_header="Calcul")},
     ("ok", lambda t: len(t["conventions"]) == 4)),
    # ---- refusals rather than choices
    ("two-sheets-for-projects",
     _sheets(extra={"Liste des projets": SHEETS["Projets"]}),
     ("exit2", ["conventions.xlsx", "plusieurs feuilles pour « Projets »",
                "« Liste des projets »"])),
    ("sheet-name-variant", _sheets(rename={"Projets": "Projet"}),
     ("ok", lambda t: len(t["projects"]) == 3)),
    ("sheet-name-with-spaces-and-case", _sheets(rename={"Partenaires": " PARTENAIRES "}),
     ("ok", lambda t: len(t["partners"]) == 3)),
    ("unknown-extra-sheet", _sheets(extra={"Notes": [["Remarque"], ["à vérifier"]]}),
     ("ok", lambda t: len(t["projects"]) == 3)),
    ("two-amount-columns",
     {"sheets": {"Conventions": [r + [v] for r, v in zip(
         SHEETS["Conventions"], ["Montant total", 1, 2, 3, 4], strict=True)]}},
     ("exit2", ["conventions.xlsx", "feuille « Conventions »",
                "plusieurs colonnes pour « Montant »", "« Montant total »"])),
    ("two-quartier-files", _geo_file("quartiers.gpkg", QUARTIERS),
     ("ok", lambda t: len(t["quartiers"]) == 2)),
    ("two-quartier-files-both-present",
     _both(_geo_file("quartiers.gpkg", QUARTIERS),
           lambda raw: (raw / "quartiers.geojson").write_text(
               __import__("tiny").geojson(QUARTIERS))),
     ("exit2", ["plusieurs fichiers pour les quartiers", "quartiers.geojson", "quartiers.gpkg"])),
    ("gpkg-several-layers", _geo_file("quartiers.gpkg", layers={"zone_a": QUARTIERS[:1],
                                                                "zone_b": QUARTIERS[1:]}),
     ("exit2", ["quartiers.gpkg", "plusieurs couches", "« zone_a »", "« zone_b »"])),
    ("gpkg-layer-named-like-the-file",
     _geo_file("quartiers.gpkg", layers={"quartiers": QUARTIERS, "brouillon": QUARTIERS[:1]}),
     ("ok", lambda t: len(t["quartiers"]) == 2)),
    ("gpkg-lambert", _geo_file("centres.gpkg", CENTRES, crs="EPSG:26191"),
     ("ok", lambda t: abs(t["centres"].geometry.iloc[0].x - (-5.7578)) < 1e-6)),
    ("geojson-web-mercator", _geo_file("quartiers.gpkg", QUARTIERS, crs="EPSG:3857"),
     ("ok", lambda t: len(t["quartiers"]) == 2)),
    # ---- optional sources, empty tables
    ("no-targets-sheet", _sheets(drop=("Cibles",)),
     ("ok", lambda t: t["project_targets"].empty
      and t.manifest["absent"] == ["project_targets"])),
    ("no-schedule-sheet", _sheets(drop=("Échéancier",)),
     ("ok", lambda t: t["schedule"].empty and t.manifest["absent"] == ["schedule"])),
    ("no-centres-file", _remove("centres.geojson"),
     ("ok", lambda t: t["centres"].empty and "K1" in set(t["project_targets"]["target_id"]))),
    ("public-figures-only",
     _both(_sheets(drop=("Échéancier", "Actions")), _remove("quartiers.geojson"),
           _remove("centres.geojson"), _write("deblocages.csv", b"")),
     ("ok", lambda t: sorted(t.manifest["absent"]) == sorted(
         ["schedule", "actions", "disbursements", "quartiers", "centres"])
      and len(t["conventions"]) == 4 and len(t["project_targets"]) == 5)),
    ("schedule-header-only", {"sheets": _header_only("Échéancier")},
     ("ok", lambda t: t["schedule"].empty and t.manifest["absent"] == [])),
    ("conventions-header-only", {"sheets": _header_only("Conventions")},
     (Q, XLSX, "Engagements", 4, "Identifiant convention", "convention cadre inconnue")),
    ("no-convention-survives",
     {"sheets": _cells("Conventions", {(c, "Montant (MDH)"): "beaucoup"
                                       for c in ("C1", "C1F", "C2", "C3")})},
     (Q, CSV_FILE, None, 2, "Convention", "convention inconnue")),
    ("every-release-unreadable",
     {"csv": "\n".join(line.rsplit(";", 2)[0] + ";NaN;" if i else line
                       for i, line in enumerate(CSV.splitlines())) + "\n"},
     (Q, CSV_FILE, None, 3, "Montant", "montant illisible")),
    ("no-project-survives",
     {"sheets": _cells("Projets", {(p, "Région"): "Narnia" for p in ("P1", "P2", "P3")})},
     (Q, XLSX, "Conventions", 4, "Identifiant projet", "projet inconnu")),
    ("missing-conventions-sheet", _sheets(drop=("Conventions",)),
     ("exit2", ["conventions.xlsx", "feuille « Conventions »", "feuille absente"])),
    ("missing-projects-sheet", _sheets(drop=("Projets",)),
     ("exit2", ["conventions.xlsx", "feuille « Projets »", "feuille absente"])),
    ("missing-commitments-sheet", _sheets(drop=("Engagements",)),
     ("exit2", ["conventions.xlsx", "feuille « Engagements »", "feuille absente"])),
    ("workbook-corrupt-zip", _write("conventions.xlsx", b"PK\x03\x04" + b"\x00" * 64),
     ("exit2", ["conventions.xlsx", "classeur illisible"])),
    # ---- territories
    ("commune-under-another-province",
     {"sheets": _cells("Projets", {("P1", "Province"): "01.571",
                                   ("P1", "Commune"): "01.511.05.07"})},
     (Q, XLSX, "Projets", 4, "Commune", "territoire hors de son territoire parent déclaré"
      " — province déclarée 01.571, l'unité est dans 01.511")),
    ("province-under-another-region",
     {"sheets": with_cell("Projets", "P3", "Région", "02")},
     (Q, XLSX, "Projets", 6, "Province", "territoire hors de son territoire parent déclaré")),
    ("unknown-commune-names-the-closest", {"sheets": AFOURER},
     (Q, XLSX, "Projets", 6, "Commune", "commune inconnue — proches : Afourar (05.081.11.01)")),
    ("region-level-project",
     {"sheets": with_cell("Projets", "P3", "Province", None)},
     ("ok", lambda t: t["projects"].set_index("project_id")["province_code"].isna()
      .tolist() == [False, False, True])),
    ("region-level-target-in-another-region",
     {"sheets": {**with_cell("Projets", "P3", "Province", None),
                 **with_row("Cibles", ["P3", "commune", "Rabat", "Rabat", "Rabat"])}},
     (Q, XLSX, "Cibles", 9, "Commune", "territoire hors de son territoire parent déclaré")),
    ("target-outside-its-project-province",
     {"sheets": with_row("Cibles", ["P1", "commune", "Tétouan", "Tétouan", "Tétouan"])},
     (Q, XLSX, "Cibles", 9, "Commune", "territoire hors de son territoire parent déclaré"
      " — province du projet 01.511, l'unité est dans 01.571")),
    ("codes-typed-as-numbers",
     {"sheets": _cells("Projets", {("P2", "Région"): 1, ("P2", "Province"): 1.511})},
     ("ok", lambda t: t["projects"].set_index("project_id").at["P2", "province_code"]
      == "01.511")),
    ("commune-name-upper-unaccented",
     {"sheets": with_cell("Cibles", "P3", "Commune", "TANGER")},
     ("ok", lambda t: len(t["project_targets"]) == 5)),
    # ---- geometries
    ("quartier-linestring", {"quartiers": _geo(QUARTIERS, geometry=_line("LineString"))},
     (Q, "quartiers.geojson", None, 1, "geometry", "type de géométrie non prévu par le contrat")),
    ("quartier-point", {"quartiers": _geo(QUARTIERS, geometry=_line("Point"))},
     (Q, "quartiers.geojson", None, 1, "geometry", "type de géométrie non prévu par le contrat")),
    ("centre-collection", {"centres": _geo(CENTRES, geometry=_line("Collection"))},
     (Q, "centres.geojson", None, 1, "geometry", "type de géométrie non prévu par le contrat")),
    ("centre-polygon", {"centres": _geo(CENTRES, geometry=_square(-5.7578, 35.7514))},
     ("ok", lambda t: t["centres"].geometry.iloc[0].geom_type == "Polygon")),
    ("quartier-multipolygon",
     {"quartiers": _geo(QUARTIERS, geometry={"type": "MultiPolygon", "coordinates": [
         _square(-5.8294, 35.9458)["coordinates"]]})},
     ("ok", lambda t: len(t["quartiers"]) == 2)),
    ("quartier-swapped-coordinates", {"quartiers": SWAPPED},
     (Q, "quartiers.geojson", None, 1, "geometry", "géométrie hors du territoire national")),
    ("quartier-projected-coordinates-as-degrees", {"quartiers": PROJECTED},
     (Q, "quartiers.geojson", None, 1, "geometry", "géométrie hors du territoire national")),
    ("quartier-duplicate-id-other-case",
     {"quartiers": QUARTIERS + [dict(QUARTIERS[1], identifiant="q2")]},
     (Q, "quartiers.geojson", None, 3, "identifiant", "identifiant en double")),
    ("quartier-population-ambiguous", {"quartiers": _geo(QUARTIERS, population="1.200")},
     (Q, "quartiers.geojson", None, 1, "population",
      "nombre ambigu : point suivi de trois chiffres (milliers ou décimales ?)")),
    ("quartier-population-negative", {"quartiers": _geo(QUARTIERS, population=-5)},
     (Q, "quartiers.geojson", None, 1, "population", "valeur négative")),
    ("quartier-population-fraction", {"quartiers": _geo(QUARTIERS, population="1 200,5")},
     (Q, "quartiers.geojson", None, 1, "population", "nombre illisible")),
    ("quartier-blank-attributes",
     {"quartiers": _geo(QUARTIERS, identifiant=None, nom=None, commune=None)},
     (Q, "quartiers.geojson", None, 1, "identifiant", "valeur manquante")),
    # ---- years and choices
    ("year-as-float-text", {"sheets": with_row("Échéancier", ["C3", "MIN", "2021.0", 1])},
     ("ok", lambda t: 2021 in set(t["schedule"]["year"]))),
    ("year-2150", {"sheets": with_row("Échéancier", ["C3", "MIN", 2150, 1])},
     (Q, XLSX, "Échéancier", 9, "Année", "année hors de 2000–2100")),
    ("scale-unknown-ville", {"sheets": with_cell("Projets", "P3", "Échelle d'intervention",
                                                "ville")},
     (Q, XLSX, "Projets", 6, "Échelle d'intervention", "valeur non reconnue")),
    ("scale-alias", {"sheets": with_cell("Projets", "P3", "Échelle d'intervention",
                                        "Quartiers sous-équipés")},
     ("ok", lambda t: t["projects"].set_index("project_id").at["P3", "scale"] == "quartiers")),
    ("category-unknown", {"sheets": with_cell("Partenaires", "HAO", "Catégorie", "mécène")},
     (Q, XLSX, "Partenaires", 6, "Catégorie", "valeur non reconnue")),
    ("target-type-capitalised", {"sheets": with_cell("Cibles", "P3", "Type de cible",
                                                    "QUARTIER")},
     ("ok", lambda t: len(t["project_targets"]) == 5)),
    ("blank-looking-row", {"sheets": with_row("Partenaires", [" ", "\u00a0", None])},
     ("ok", lambda t: len(t["partners"]) == 3)),
    ("three-title-rows", {"title": "Titre\nsur deux lignes"},
     ("ok", lambda t: len(t["projects"]) == 3)),
]


CASES += MORE_CASES


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """A processed folder from a good build, to check that failures leave it untouched."""
    ref = reference_dir(tmp_path_factory)
    raw = write_tiny(tmp_path_factory.mktemp("good") / "raw")
    out = raw.parent / "processed"
    build_processed(raw, out, reference_dir=ref)
    return out


@pytest.mark.parametrize("changes, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(changes, expected, tmp_path, previous):
    raw = tmp_path / "raw"
    args = []
    if callable(changes):
        write_tiny(raw)
        changes(raw)
    else:
        changes = dict(changes)
        args = changes.pop("args", [])
        mutate = changes.pop("then", None)
        write_tiny(raw, **changes)
        if mutate:
            mutate(raw)
    out = tmp_path / "processed"
    shutil.copytree(previous, out)
    before, raw_before = snapshot(out), snapshot(raw)
    result = CliRunner().invoke(cli, ["build", "--raw", str(raw), "--out", str(out), *args])
    assert snapshot(raw) == raw_before
    if expected[0] == "exit2":
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        message = result.output.strip()
        assert message.startswith("Erreur : ") and "\n" not in message
        for text in expected[1]:
            assert text in message
        assert snapshot(out) == before
        return
    assert result.exit_code == 0, result.output
    manifest = current(out).manifest
    for source in manifest["sources"]:
        assert source["rows_in"] == source["rows_kept"] + source["rows_quarantined"]
        for sheet in source["sheets"].values():
            assert sheet["rows_in"] == sheet["rows_kept"] + sheet["rows_quarantined"]
    q = current(out).read("quarantine")
    if expected[0] == "ok":
        assert q.empty, q.to_string()
        assert expected[1](Built(out))
        return
    if expected[0] == "quarantine":
        expected = expected[1:]
    file, sheet, row, column, reason = expected
    base = q["reason"].str.split(" — ").str[0]
    same = (base == reason) if " — " not in reason else q["reason"].str.startswith(reason)
    hit = q[(q["source_file"] == file) & (q["row"] == row) & (q["column"] == column) & same]
    hit = hit[hit["sheet"].isna()] if sheet is None else hit[hit["sheet"] == sheet]
    assert len(hit) == 1, q.to_string()
    assert f"{reason.split(' — ')[0]} : " in result.output


def test_corpus_size():
    assert len(CASES) >= 130
    assert len({c[0] for c in CASES}) == len(CASES)
