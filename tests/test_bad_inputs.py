"""Bad-input corpus: every case ends in a clean build, a quarantined value with the expected
French reason, or exit 2 with one line naming the file (sheet, row, column) — never a traceback.

Cases are mutations of the tiny dataset of ``tiny.py`` (Excel rows: title 1, blank 2, header 3,
first data row 4; CSV: header line 1, first data row 2; geometry files: feature number).
"""

from __future__ import annotations

import shutil

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
     ("ok", lambda t: t["commitments"]["committed_dh"].sum() == 160_000_000)),
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
    ("missing-sheet", _without_sheet("Actions"),
     ("exit2", ["conventions.xlsx", "feuille « Actions »", "feuille absente"])),
    ("missing-column", _without_column("Conventions", "Montant (MDH)"),
     ("exit2", ["feuille « Conventions »", "ligne 3", "colonne « Montant »",
                "colonne obligatoire absente"])),
    ("workbook-not-excel", _write("conventions.xlsx", b"ceci n'est pas un classeur"),
     ("exit2", ["conventions.xlsx", "classeur illisible"])),
    ("missing-csv", _remove("deblocages.csv"), ("exit2", ["deblocages.csv", "fichier absent"])),
    ("csv-undecodable", _write("deblocages.csv", CSV.encode() + b"\x81\x8d\x90"),
     ("exit2", ["deblocages.csv", "encodage illisible", "UTF-8"])),
    ("csv-binary", _write("deblocages.csv", b"PK\x03\x04\x00\x00binary"),
     ("exit2", ["deblocages.csv", "fichier illisible"])),
    ("csv-comma-separated", _write("deblocages.csv", CSV.replace(";", ",").encode()),
     ("exit2", ["deblocages.csv", "séparateur"])),
    ("missing-quartiers", _remove("quartiers.geojson"),
     ("exit2", ["quartiers.geojson", "fichier absent"])),
    ("shapefile-without-crs", _shapefile_without_prj, ("exit2", ["quartiers.shp",
                                                                 "système de coordonnées absent"])),
    ("geometry-empty", {"quartiers": []}, ("exit2", ["quartiers.geojson", "vide"])),
    ("csv-empty", _write("deblocages.csv", b""), ("exit2", ["deblocages.csv", "fichier vide"])),
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
    if callable(changes):
        write_tiny(raw)
        changes(raw)
    else:
        write_tiny(raw, **changes)
    out = tmp_path / "processed"
    shutil.copytree(previous, out)
    before, raw_before = snapshot(out), snapshot(raw)
    result = CliRunner().invoke(cli, ["build", "--raw", str(raw), "--out", str(out)])
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
    q = current(out).read("quarantine")
    if expected[0] == "ok":
        from pvanalysis import load

        assert q.empty, q.to_string()
        assert expected[1](load(out))
        return
    _, file, sheet, row, column, reason = expected
    hit = q[(q["source_file"] == file) & (q["row"] == row) & (q["column"] == column)
            & (q["reason"] == reason)]
    hit = hit[hit["sheet"].isna()] if sheet is None else hit[hit["sheet"] == sheet]
    assert len(hit) == 1, q.to_string()
    assert f"{reason} : " in result.output


def test_corpus_size():
    assert len(CASES) >= 30
