"""A tiny hand-made raw dataset (three projects on real territories of Tanger-Assilah).

Values are chosen so every expected figure can be worked out by hand:

- conventions (MDH header): C1 cadre of P1 = 100 MDH, its financing convention C1F = 40 MDH,
  C2 cadre of P2 = 50 MDH, C3 cadre of P3 = 10 MDH;
- commitments: C1 → MIN 60 + REG 40 (= 100), C2 → MIN 30 + HAO 20 (= 50), C3 → MIN 10;
- disbursements (DH): D1 20 000 000 MIN on C1, D2 15 000 000 MIN on C1F, D3 5 000 000 REG on
  C1, D4 12 000 000 MIN on C3 (beyond its 10 MDH commitment → over_commitment).

``write_tiny(folder, **changes)`` writes the files; ``changes`` replaces sheets (list of rows,
header first), the CSV text, or the geometry layers, so that tests can mutate one thing.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import xlsxwriter

TANGER = (-5.8294, 35.9458)      # inside the commune of Tanger (01.511.01.0)
DAR_CHAOUI = (-5.7578, 35.7514)  # inside the rural commune of Dar Chaoui (01.511.05.07)

SHEETS = {
    "Projets": [
        ["Identifiant projet", "Intitulé du projet", "Échelle d'intervention", "Région",
         "Province", "Commune", "Phase", "Étape", "Date de présentation", "Achèvement prévu",
         "Achèvement effectif", "Achèvement prévisionnel"],
        ["P1", "Mise à niveau urbaine de Tanger", "royal", "Tanger-Tétouan-Al Hoceima",
         "Tanger-Assilah", "Tanger", "mise_en_oeuvre", "deblocage", "15/01/2019", "31/12/2022",
         None, "30/06/2023"],
        ["P2", "Réhabilitation de la médina de Tanger", "Médinas", "01", "01.511",
         "01.511.01.0", "Mise en œuvre et suivi", "Tableaux de bord", None, "31/12/2024",
         None, None],
        ["P3", "Quartiers de Tanger et centre de Dar Chaoui", "quartiers", "01", "01.511", None,
         "contractualisation", "engagements", None, None, None, None],
    ],
    "Cibles": [
        ["Identifiant projet", "Type de cible", "Identifiant cible", "Nom de la cible",
         "Commune"],
        ["P1", "commune", "Tanger", "Tanger", "01.511.01.0"],
        ["P2", "medina", "Tanger", "Médina de Tanger", "Tanger"],
        ["P3", "quartier", "Q1", "Quartier Un", "01.511.01.0"],
        ["P3", "quartier", "Q2", "Quartier Deux", "01.511.01.0"],
        ["P3", "centre", "K1", "Centre de Dar Chaoui", "01.511.05.07"],
    ],
    "Conventions": [
        ["Identifiant convention", "Identifiant projet", "Type de convention",
         "Convention cadre", "Date de signature", "Échéance prévue", "Montant (MDH)",
         "Opérateur"],
        ["C1", "P1", "cadre", None, "15/03/2019", "31/12/2022", 100, "Al Omrane Tanger"],
        ["C1F", "P1", "financement", "C1", "2019-06-01", None, "40", "Al Omrane Tanger"],
        ["C2", "P2", "Convention cadre", None, "mars 2020", None, "50,000", None],
        ["C3", "P3", "cadre", None, 43539, None, 10.0, None],
    ],
    "Partenaires": [
        ["Identifiant partenaire", "Nom du partenaire", "Catégorie"],
        ["MIN", "Ministère chargé de la politique de la ville", "ministry"],
        ["REG", "Conseil de la région Tanger-Tétouan-Al Hoceima", "Collectivité territoriale"],
        ["HAO", "Holding Al Omrane", "public_establishment"],
    ],
    "Engagements": [
        ["Identifiant convention", "Identifiant partenaire", "Montant engagé (MDH)"],
        ["C1", "MIN", 60], ["C1", "REG", 40], ["C2", "MIN", 30], ["C2", "HAO", 20],
        ["C3", "MIN", 10],
    ],
    "Échéancier": [
        ["Identifiant convention", "Identifiant partenaire", "Année", "Montant prévu (MDH)"],
        ["C1", "MIN", 2019, 30], ["C1", "MIN", 2020, 30], ["C1", "REG", 2020, 40],
        ["C2", "MIN", 2021, 30], ["C3", "MIN", 2020, 10],
    ],
    "Actions": [
        ["Identifiant action", "Identifiant projet", "Axe d'intervention",
         "Intitulé de l'action", "Coût (MDH)", "Avancement physique (%)", "Achèvement prévu",
         "Achèvement effectif"],
        ["A1", "P1", "vrd", "Voirie", 60, 40, "31/12/2021", None],
        ["A2", "P1", "Espaces verts", "Parc urbain", 40, 100, "31/12/2021", "30/11/2021"],
        ["A3", "P2", "patrimoine", "Remparts", 50, 0, None, None],
    ],
}

#: Title rows written above the header, as evaluators' files carry.
TITLE = "Programme de politique de la ville — données de test"

CSV = ("N° déblocage;Convention;Partenaire;Date de déblocage;Montant;Bénéficiaire\n"
       "D1;C1;MIN;01/04/2019;20 000 000;Al Omrane Tanger\n"
       "D2;C1F;MIN;15/07/2019;15 000 000,00;Al Omrane Tanger\n"
       "D3;C1;REG;2020-02-01;5000000;\n"
       "D4;C3;MIN;01/06/2020;12 000 000;\n")


def _square(x: float, y: float, d: float = 0.002) -> dict:
    return {"type": "Polygon", "coordinates": [[[x - d, y - d], [x + d, y - d], [x + d, y + d],
                                                [x - d, y + d], [x - d, y - d]]]}


QUARTIERS = [
    {"identifiant": "Q1", "nom": "Quartier Un", "commune": "01.511.01.0", "population": 1200,
     "geometry": _square(*TANGER)},
    {"identifiant": "Q2", "nom": "Quartier Deux", "commune": "Tanger", "population": None,
     "geometry": _square(TANGER[0] + 0.006, TANGER[1])},
]
CENTRES = [
    {"identifiant": "K1", "nom": "Centre de Dar Chaoui", "commune": "Dar Chaoui",
     "population": 900, "geometry": {"type": "Point", "coordinates": list(DAR_CHAOUI)}},
]


def geojson(features: list[dict]) -> str:
    """A GeoJSON FeatureCollection (EPSG:4326, no ``crs`` member) of attribute dicts."""
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {k: v for k, v in f.items() if k != "geometry"},
         "geometry": f["geometry"]} for f in features]}, ensure_ascii=False)


def write_workbook(path: Path, sheets: dict, title: str | None = TITLE) -> None:
    """Write sheets (rows, header first) with a merged title row and a totals row."""
    book = xlsxwriter.Workbook(path)
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        start = 0
        if title:
            ws.merge_range(0, 0, 0, max(len(rows[0]) - 1, 1), title)
            start = 2
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if isinstance(value, dt.date):
                    ws.write_datetime(start + i, j, value,
                                      book.add_format({"num_format": "dd/mm/yyyy"}))
                elif value is not None:
                    ws.write(start + i, j, value)
    book.close()


def write_tiny(folder: Path, *, sheets: dict | None = None, csv: str | bytes | None = None,
               quartiers: list[dict] | None = None, centres: list[dict] | None = None,
               title: str | None = TITLE) -> Path:
    """Write the tiny dataset into ``folder`` (created), with optional replacements."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    all_sheets = copy.deepcopy(SHEETS)
    all_sheets.update(sheets or {})
    write_workbook(folder / "conventions.xlsx", all_sheets, title)
    data = CSV if csv is None else csv
    (folder / "deblocages.csv").write_bytes(data if isinstance(data, bytes) else data.encode())
    quartiers = QUARTIERS if quartiers is None else quartiers
    (folder / "quartiers.geojson").write_text(geojson(quartiers))
    (folder / "centres.geojson").write_text(geojson(CENTRES if centres is None else centres))
    return folder


_REFERENCE: dict[str, Path] = {}


def reference_dir(tmp_path_factory) -> Path:
    """The territory reference built once per test session (GeoParquet layers)."""
    if "dir" not in _REFERENCE:
        from pvanalysis.territories import build_reference

        folder = tmp_path_factory.mktemp("reference")
        build_reference(folder)
        _REFERENCE["dir"] = folder
    return _REFERENCE["dir"]


def with_cell(sheet: str, ident: str, header: str, value) -> dict:
    """SHEETS[sheet] with the cell under ``header`` of the row starting with ``ident`` set."""
    rows = copy.deepcopy(SHEETS[sheet])
    col = rows[0].index(header)
    for row in rows[1:]:
        if row[0] == ident:
            row[col] = value
            return {sheet: rows}
    raise KeyError(ident)


def with_row(sheet: str, row: list) -> dict:
    """SHEETS[sheet] with one more row at the end."""
    return {sheet: copy.deepcopy(SHEETS[sheet]) + [row]}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a folder (relative path → bytes), to check it was left untouched."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}
