"""Template: the empty workbook of the raw input contract, for evaluators to fill in.

``write_template`` writes one sheet per table of ``contract.SHEETS`` with the canonical
headers, a frozen header row, column formats, drop-down lists and an ``Instructions`` sheet
in French. ``contract_table`` and ``contract_markdown`` describe the same contract (the
workbook, the disbursement CSV and the geometry files) for the documentation
(``docs/entrees.md``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from .config import AXES, CONVENTION_KINDS, PARTNER_CATEGORIES, PHASES, SCALES, TARGET_TYPES
from .contract import (
    DISBURSEMENT_COLUMNS,
    DISBURSEMENTS_FILE,
    GEOMETRY_COLUMNS,
    SHEETS,
    WORKBOOK,
    Column,
)

#: Sheet of the template holding the French instructions (first sheet).
INSTRUCTIONS_SHEET = "Instructions"
#: Hidden sheet holding the drop-down lists.
LISTS_SHEET = "Listes"
#: Rows of each sheet that carry the drop-down lists (header excluded).
TEMPLATE_ROWS = 5_000

_STEP_LABELS = {s: label for _, steps in PHASES.values() for s, label in steps.items()}
#: Choice columns → code → French label (the drop-down shows the labels).
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "scale": SCALES,
    "phase": {code: label for code, (label, _) in PHASES.items()},
    "step": _STEP_LABELS,
    "target_type": TARGET_TYPES,
    "kind": CONVENTION_KINDS,
    "category": PARTNER_CATEGORIES,
    "axis": AXES,
}

#: How each kind of column is written, in French, and its Excel number format.
_KINDS = {
    "id": ("identifiant (texte)", "@"),
    "text": ("texte libre", "@"),
    "code": ("code HCP, zéros initiaux compris (région 01, province 01.511, commune "
             "01.511.05.07) ou nom du territoire", "@"),
    "amount": ("montant en dirhams (DH) ; ajouter « (KDH) » ou « (MDH) » à l'en-tête pour "
               "saisir en milliers ou en millions de dirhams", "#,##0"),
    "date": ("date (jj/mm/aaaa)", "DD/MM/YYYY"),
    "year": ("année (aaaa)", "0"),
    "percent": ("pourcentage de 0 à 100", "0"),
    "choice": ("valeur choisie dans la liste déroulante", "@"),
    "int": ("nombre entier", "#,##0"),
}
_TABLE_SCHEMAS = {"projects": "Projects", "project_targets": "ProjectTargets",
                  "conventions": "Conventions", "partners": "Partners",
                  "commitments": "Commitments", "schedule": "Schedule", "actions": "Actions",
                  "disbursements": "Disbursements", "quartiers": "Quartiers",
                  "centres": "Centres"}
_SHEET_PURPOSE = {
    "Projets": "un projet par ligne : échelle d'intervention, territoire, phase et étape, dates",
    "Cibles": "les quartiers, centres, communes ou médinas couverts par chaque projet",
    "Conventions": "conventions cadres et conventions de financement (rattachées à leur cadre)",
    "Partenaires": "les partenaires financeurs et leur catégorie",
    "Engagements": "le montant engagé par chaque partenaire sur chaque convention cadre",
    "Échéancier": "les déblocages prévus par convention cadre, partenaire et année",
    "Actions": "les actions du programme d'intervention : axe, coût, avancement physique",
}


def _description(table: str, field: str) -> str:
    """French description of a field, taken from the processed table's schema."""
    from . import schemas

    model = getattr(schemas, _TABLE_SCHEMAS[table], None)
    if model is None:
        return ""
    column = model.to_schema().columns.get(field)
    return (column.description or "") if column is not None else ""


def _allowed(col: Column) -> str:
    if col.kind != "choice":
        return ""
    labels = CHOICE_LABELS.get(col.field, {})
    return " ; ".join(f"{label} ({code})" for code, label in labels.items())


def contract_table() -> pd.DataFrame:
    """The raw input contract, one row per column of every input.

    Returns
    -------
    DataFrame
        Columns ``file``, ``sheet`` (None for the CSV and geometry files), ``table``
        (processed table), ``header`` (canonical French header), ``field`` (English
        identifier), ``kind``, ``required`` (bool), ``how`` (French: how to write it, unit),
        ``description`` (French), ``allowed`` (French labels and codes of a choice column),
        ``variants`` (other accepted headers, ``" ; "``-separated).
    """
    rows = []
    groups = [(WORKBOOK, sheet, table, cols) for sheet, (table, cols) in SHEETS.items()]
    groups.append((DISBURSEMENTS_FILE, None, "disbursements", DISBURSEMENT_COLUMNS))
    groups += [(f"{kind}.geojson / .gpkg / .shp", None, kind, cols)
               for kind, cols in GEOMETRY_COLUMNS.items()]
    for file, sheet, table, cols in groups:
        for col in cols:
            rows.append({"file": file, "sheet": sheet, "table": table, "header": col.header,
                         "field": col.field, "kind": col.kind, "required": col.required,
                         "how": _KINDS[col.kind][0], "description": _description(table, col.field),
                         "allowed": _allowed(col), "variants": " ; ".join(col.variants)})
    return pd.DataFrame(rows)


def _instructions(ws, contract: pd.DataFrame) -> None:
    """Fill the French instructions sheet."""
    from openpyxl.styles import Alignment, Font

    intro = [
        "Modèle de saisie pvanalysis — conventions de politique de la ville",
        "",
        "Remplir une ligne par enregistrement dans chaque feuille, sous la ligne d'en-tête (ne "
        "pas renommer les en-têtes ; une unité peut être ajoutée à un en-tête de montant : "
        "« Montant (MDH) », « Montant (KDH) »).",
        "Les montants sont en dirhams (DH) sauf unité indiquée dans l'en-tête ; les dates au "
        "format jj/mm/aaaa ; les codes de territoire sont les codes HCP (ex. 01.511.05.07, "
        "garder les zéros initiaux) ou, à défaut, les noms.",
        "Une convention de financement indique sa convention cadre (colonne « Convention "
        "cadre ») ; les engagements et l'échéancier portent sur les conventions cadres.",
        "L'étape choisie doit appartenir à la phase du projet. Les lignes incomplètes ou "
        "invalides ne bloquent pas la construction : elles sont mises en quarantaine avec "
        "leur raison (fichier, feuille, ligne, colonne).",
        f"Fichiers joints au classeur : {DISBURSEMENTS_FILE} (déblocages, CSV séparé par "
        "« ; », UTF-8 ou Windows-1252), quartiers et centres (GeoJSON, GeoPackage ou "
        "Shapefile, en EPSG:4326 ou EPSG:26191).",
        "",
    ]
    for i, text in enumerate(intro, start=1):
        ws.cell(row=i, column=1, value=text)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    headers = ["Fichier", "Feuille", "Colonne", "Obligatoire", "Saisie et unité",
               "Description", "Valeurs admises", "Autres en-têtes acceptés"]
    start = len(intro) + 1
    for j, h in enumerate(headers, start=1):
        ws.cell(row=start, column=j, value=h).font = Font(bold=True)
    for i, r in enumerate(contract.itertuples(index=False), start=start + 1):
        values = [r.file, r.sheet or "", r.header, "oui" if r.required else "non", r.how,
                  r.description, r.allowed, r.variants]
        for j, v in enumerate(values, start=1):
            ws.cell(row=i, column=j, value=v).alignment = Alignment(wrap_text=True,
                                                                    vertical="top")
    for letter, width in zip("ABCDEFGH", (18, 14, 28, 11, 40, 40, 50, 40), strict=True):
        ws.column_dimensions[letter].width = width
    sheets = [f"{s} : {p}" for s, p in _SHEET_PURPOSE.items()]
    row = start + len(contract) + 2
    ws.cell(row=row, column=1, value="Feuilles du classeur").font = Font(bold=True)
    for k, text in enumerate(sheets, start=1):
        ws.cell(row=row + k, column=1, value=text)


def _lists(ws) -> dict[str, str]:
    """Write the drop-down values (French labels) in columns; return field → range formula."""
    from openpyxl.utils import get_column_letter

    ranges = {}
    for j, (field_, labels) in enumerate(CHOICE_LABELS.items(), start=1):
        letter = get_column_letter(j)
        ws.cell(row=1, column=j, value=field_)
        for i, label in enumerate(labels.values(), start=2):
            ws.cell(row=i, column=j, value=label)
        ranges[field_] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(labels) + 1}"
    return ranges


def _data_sheet(ws, cols: tuple[Column, ...], ranges: dict[str, str]) -> None:
    """Headers, frozen header row, column formats and drop-downs of one contract sheet."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    fill = PatternFill("solid", fgColor="DDEBF7")
    for j, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=j, value=col.header)
        cell.font = Font(bold=True, color="000000" if col.required else "595959")
        cell.fill = fill
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(16, len(col.header) + 4)
        ws.column_dimensions[letter].number_format = _KINDS[col.kind][1]
        if col.kind == "choice" and col.field in ranges:
            dv = DataValidation(type="list", formula1=f"={ranges[col.field]}",
                                allow_blank=not col.required, showErrorMessage=True,
                                errorTitle="Valeur non reconnue",
                                error="Choisir une valeur de la liste.")
            dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"


def write_template(path: Path | str) -> Path:
    """Write the empty input workbook of the contract (openpyxl).

    Parameters
    ----------
    path : path
        ``.xlsx`` file to write (parent folders created).

    Returns
    -------
    Path
        The file written: an ``Instructions`` sheet, one sheet per ``contract.SHEETS`` entry
        with the canonical headers in row 1 (frozen), column number formats (amounts in
        DH, dates jj/mm/aaaa, codes as text) and, on the first ``TEMPLATE_ROWS`` rows,
        drop-down lists for the choice columns (scale, phase, step, target type, convention
        type, partner category, axis), and a hidden ``Listes`` sheet feeding them.
    """
    from openpyxl import Workbook

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    instructions = wb.active
    instructions.title = INSTRUCTIONS_SHEET
    lists = wb.create_sheet(LISTS_SHEET)
    ranges = _lists(lists)
    for sheet, (_, cols) in SHEETS.items():
        _data_sheet(wb.create_sheet(sheet), cols, ranges)
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
    lists.sheet_state = "hidden"
    _instructions(instructions, contract_table())
    wb.properties.title = "Modèle de saisie pvanalysis"
    wb.properties.creator = "pvanalysis"
    wb.properties.created = wb.properties.modified = datetime(2021, 12, 31)
    wb.save(path)
    return path


def contract_markdown() -> str:
    """The raw input contract as Markdown, in French then English (``docs/entrees.md``)."""
    table = contract_table()
    out = [
        "# Fichiers d'entrée — Input files",
        "",
        "_Page générée par `pvanalysis.template.contract_markdown()` à partir de "
        "`pvanalysis.contract` (SHEETS, DISBURSEMENT_COLUMNS, GEOMETRY_COLUMNS). "
        "Generated from the contract in `pvanalysis.contract`._",
        "",
        "## Français",
        "",
        "Les évaluateurs fournissent, dans `data/raw/` :",
        "",
        f"- `{WORKBOOK}` : un classeur Excel, une feuille par table "
        f"({', '.join(SHEETS)}). `pvanalysis template` écrit un modèle vide avec listes "
        "déroulantes et consignes ;",
        f"- `{DISBURSEMENTS_FILE}` : l'export des déblocages, CSV séparé par `;`, en UTF-8 "
        "ou Windows-1252 (Latin-1) ;",
        "- `quartiers` et `centres` : les géométries (GeoJSON, GeoPackage ou Shapefile), en "
        "EPSG:4326 ou EPSG:26191 (Lambert Nord Maroc) ; polygones pour les quartiers, points "
        "ou polygones pour les centres.",
        "",
        "Règles de lecture :",
        "",
        "- l'en-tête peut être précédé de lignes de titre (fusionnées ou non) ; les lignes "
        "vides et les lignes « Total » ne sont pas des données ;",
        "- les en-têtes sont reconnus sans tenir compte de la casse, des accents, des espaces "
        "ni de la ponctuation ; les variantes listées ci-dessous sont acceptées ;",
        "- une unité dans l'en-tête d'un montant (`(DH)`, `(KDH)`, `(MDH)`, `en MDH`) fixe "
        "l'unité de la colonne ; sans unité, le montant est en dirhams ;",
        "- les montants peuvent être écrits à la française (`1 684,00`, espaces insécables) ;",
        "- les dates peuvent être des dates Excel, des numéros de série Excel, du texte "
        "`15/03/2019` ou `mars 2019` ;",
        "- les territoires se désignent par leur code HCP (`01.511.05.07`) ou par leur nom "
        "(avec ou sans accents, anciennes graphies) ;",
        "- une colonne obligatoire absente rend le fichier inutilisable (arrêt, code 2) ; une "
        "cellule invalide envoie sa ligne en quarantaine avec la raison.",
        "",
        "## English",
        "",
        "Evaluators hand over, in `data/raw/`: the workbook above (one sheet per table), the "
        "disbursement export (`;`-separated CSV, UTF-8 or cp1252) and the quartier and "
        "centre geometries (GeoJSON, GeoPackage or Shapefile, EPSG:4326 or EPSG:26191). "
        "Headers are matched ignoring case, accents, spacing and punctuation; the variants "
        "listed are accepted; a unit in an amount header (`(DH)`, `(KDH)`, `(MDH)`) sets the "
        "column's unit (DH when absent). Title rows above the header, blank rows and totals "
        "rows are skipped. Amounts may be French-formatted text; dates may be Excel dates, "
        "serials, `15/03/2019` or `mars 2019`; territories are HCP codes or names. A missing "
        "required column makes the file unusable (exit code 2); a bad cell sends its row to "
        "the quarantine with a French reason. Every column is listed below with its English "
        "field name (the column of the processed table).",
        "",
        "## Colonnes — Columns",
        "",
    ]
    for (file, sheet), grp in table.groupby(["file", "sheet"], sort=False, dropna=False):
        title = f"{file} — feuille « {sheet} »" if isinstance(sheet, str) else file
        out += [f"### {title}", "",
                "| En-tête (header) | Champ (field) | Obligatoire | Saisie et unité | "
                "Description | Valeurs admises | Variantes acceptées |",
                "|---|---|---|---|---|---|---|"]
        for r in grp.itertuples(index=False):
            out.append(f"| {r.header} | `{r.field}` | {'oui' if r.required else 'non'} | "
                       f"{r.how} | {r.description} | {r.allowed} | {r.variants} |")
        out.append("")
    return "\n".join(out)
