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


_RULES_FR = [
    "- **Sources facultatives.** Seuls le classeur et ses feuilles Projets, Conventions, "
    "Partenaires et Engagements sont obligatoires. Les feuilles Cibles, Échéancier et "
    "Actions, l'export des déblocages et les fichiers de géométries peuvent manquer : la "
    "construction aboutit, la table est vide et le manifeste de la version la liste sous "
    "`absent` ; les rapports affichent alors « non renseigné », jamais 0. Un export des "
    "déblocages vide (0 octet) compte comme absent ; un export réduit à sa ligne d'en-tête "
    "est présent et ne contient aucun déblocage.",
    "- **Rien n'est perdu.** Chaque ligne non vide de chaque feuille et de chaque fichier est "
    "comptée à part, puis gardée ou mise en quarantaine avec sa raison (lignes lues = gardées "
    "+ en quarantaine, vérifié pour chaque source). Les lignes de titre au-dessus de "
    "l'en-tête et les lignes vides ne sont pas des données.",
    "- **Lignes « Total ».** Une ligne dont la première cellule non vide commence par "
    "« Total » ou « Sous-total » est une ligne de total, mise en quarantaine (*ligne de total "
    "(non importée)*), sauf si tous ses identifiants obligatoires et au moins une autre "
    "colonne obligatoire sont remplis : un partenaire d'identifiant `TOTAL` est une donnée.",
    "- **Cellules en erreur.** Une valeur d'erreur Excel (`#N/A`, `#REF!`, `#VALEUR!`…) "
    "n'est jamais lue comme vide : sa ligne va en quarantaine (*cellule en erreur dans "
    "Excel*). Une formule sans résultat enregistré rend le classeur inutilisable (arrêt, "
    "code 2) : le recalculer et l'enregistrer dans Excel.",
    "- **Jamais de choix silencieux.** Deux feuilles qui répondent au même nom (« Projets » "
    "et « PROJETS »), deux colonnes qui répondent au même champ (« Montant » et « Montant "
    "total »), deux fichiers de géométries pour le même objet (`quartiers.geojson` et "
    "`quartiers.gpkg`) ou un GeoPackage à plusieurs couches dont aucune ne porte le nom du "
    "fichier : la construction s'arrête (code 2) et nomme les candidats.",
    "- **Montants.** Exprimés dans l'unité de l'en-tête (`(DH)`, `(KDH)`, `(MDH)`, `en "
    "MDH` ; dirhams sans unité), convertis exactement en dirhams entiers (arrondi au dirham, "
    "demi vers le haut). Les espaces (insécables comprises) groupent les chiffres ; si le "
    "point et la virgule figurent tous deux, le dernier est le séparateur décimal "
    "(`1.684,00` = `1 684,00`) ; un séparateur répété groupe les milliers (`1.684.000`) ; "
    "une virgule seule est décimale (`424,565`) ; un point seul suivi d'exactement trois "
    "chiffres (`5.000`) est ambigu (5 ou 5 000) et mis en quarantaine (*nombre ambigu*).",
    "- **Dates.** Dates Excel, numéros de série Excel, `15/03/2019`, `2019-03-15`, "
    "`mars 2019` (le 1er du mois). Une année seule (`2019`, nombre ou texte) est une année, "
    "jamais un numéro de série : le 1er janvier, ou le 31 décembre pour une date de fin "
    "(achèvements, échéances). Fenêtre plausible : du 01/01/1990 au 31/12/2100 ; hors "
    "fenêtre, quarantaine.",
    "- **Date d'arrêt des données.** `pvanalysis build --cutoff JJ/MM/AAAA`, sinon la plus "
    "récente des dates constatées des fichiers (déblocages, signatures, présentations, "
    "achèvements effectifs) qui n'est pas dans le futur. Elle est écrite dans le manifeste "
    "(`cutoff_date`, `cutoff_rule`) ; une date constatée postérieure est mise en quarantaine "
    "(un déblocage n'est jamais postérieur à la date d'arrêt). Les dates prévues peuvent la "
    "dépasser.",
    "- **Avancement physique**, cellule par cellule : `45 %` est un pourcentage ; un nombre "
    "nu supérieur à 1 est un pourcentage (`45` = 45 %) ; un nombre nu de 0 à moins de 1 est "
    "une fraction, comme la stocke une cellule Excel au format pourcentage (`0,45` = 45 %) ; "
    "un `1` nu (1 % ou 100 %) est ambigu et mis en quarantaine : écrire `1 %` ou `100 %`.",
    "- **CSV.** Un seul encodage par fichier, UTF-8 (avec ou sans BOM) ou Windows-1252 ; un "
    "fichier qui mélange deux encodages est refusé à sa première ligne fautive.",
    "- **Identifiants** comparés comme une personne les lit : sans tenir compte de la casse, "
    "des espaces autour ni des caractères invisibles (espaces de largeur nulle, BOM) ; une "
    "référence prend l'écriture de la ligne qu'elle désigne (`c1` → `C1`) ; deux lignes "
    "dont les clés ne diffèrent que par la casse sont en double.",
    "- **Territoires.** Code HCP (`01.511.05.07`, zéros initiaux rétablis) ou nom (avec ou "
    "sans accents, anciennes graphies, code 2014 via la table de passage). Un code doit "
    "appartenir au territoire parent écrit à côté (une commune sous une autre province est "
    "mise en quarantaine : *territoire hors de son territoire parent déclaré*) ; la commune "
    "d'une cible doit appartenir à la région (et à la province si elle est donnée) de son "
    "projet. Un territoire inconnu est mis en quarantaine avec les unités les plus proches "
    "et leurs codes (« commune inconnue — proches : Afourar (05.081.11.01) »).",
    "- **Projets régionaux.** La province d'un projet peut rester vide quand il s'étend sur "
    "plusieurs provinces de sa région ; ses cibles portent alors les communes.",
    "- **Géométries.** Polygones pour les quartiers, points ou polygones pour les centres ; "
    "tout autre type est mis en quarantaine. Elles doivent tomber dans l'emprise du Maroc "
    "(coordonnées inversées ou projetées lues comme des degrés : *géométrie hors du "
    "territoire national*). Une géométrie invalide est réparée et signalée. Sans fichier de "
    "géométries, les cibles quartier ou centre sont gardées sur leur commune.",
    "- **Raisons.** Chaque raison de quarantaine a un code stable (colonne `reason_code`, "
    "clés de `pvanalysis.schemas.REASONS`) et un texte français, suivi de son détail après "
    "« — » ; le rapport qualité regroupe par code.",
    "- **Fichier inutilisable.** Fichier, feuille ou colonne obligatoire absents, fichier "
    "illisible : arrêt avec le code 2 et une ligne en français nommant fichier, feuille, "
    "ligne et colonne ; la version courante des données traitées reste intacte.",
]

_RULES_EN = [
    "- **Optional sources.** Only the workbook and its Projets, Conventions, Partenaires and "
    "Engagements sheets are required. The Cibles, Échéancier and Actions sheets, the "
    "disbursement export and the geometry files may be missing: the build succeeds, the "
    "table is empty and the version manifest lists it under `absent`; reports then show "
    "« non renseigné », never 0. A 0-byte export counts as absent; a header-only export is "
    "present with no release.",
    "- **Nothing lost.** Every non-blank row of every sheet and file is counted on its own, "
    "then kept or quarantined with its reason (rows in = kept + quarantined, checked per "
    "source). Title rows above the header and blank rows are not data.",
    "- **Totals rows.** A row whose first non-blank cell starts with « Total » or "
    "« Sous-total » is a totals row and is quarantined, unless all its required identifiers "
    "and at least one other required column are filled (a partner with id `TOTAL` is data).",
    "- **Error cells.** Excel error values (`#N/A`, `#REF!`…) are never read as empty: the "
    "row is quarantined. A formula without a saved result makes the workbook unusable "
    "(exit 2): recalculate and save it in Excel.",
    "- **No silent choice.** Two sheets answering to one contract sheet, two columns "
    "answering to one field, two geometry files for one object, or a GeoPackage with several "
    "layers none named like the file: the build stops (exit 2) naming the candidates.",
    "- **Amounts** are in the header's unit (DH when none), converted exactly to integer "
    "dirhams (half up). Spaces group digits; with both a point and a comma the last one is "
    "the decimal separator; a repeated separator groups thousands; a lone comma is decimal; "
    "a lone point followed by exactly three digits (`5.000`) is ambiguous and quarantined.",
    "- **Dates**: Excel dates and serials, `15/03/2019`, `2019-03-15`, `mars 2019` (1st of "
    "the month). A bare year is a year, never a serial: 1 January, or 31 December for end "
    "dates. Plausible window 1990-01-01 to 2100-12-31; outside, quarantined.",
    "- **Data cut-off**: `pvanalysis build --cutoff`, else the latest observed date of the "
    "inputs (releases, signatures, presentations, actual ends) not in the future; written to "
    "the manifest (`cutoff_date`, `cutoff_rule`). Observed dates after it are quarantined; "
    "planned dates may lie after it.",
    "- **Physical progress**, cell by cell: `45 %` is a percent; a bare number above 1 is a "
    "percent; a bare number from 0 to below 1 is a fraction (an Excel percent cell); a bare "
    "`1` is ambiguous and quarantined.",
    "- **CSV**: one encoding per file (UTF-8 or cp1252); a file mixing two is refused at its "
    "first bad line.",
    "- **Identifiers** are compared as a person reads them: case-insensitive, surrounding "
    "and invisible spaces removed; a reference takes the spelling of the row it refers to; "
    "keys differing only by case are duplicates.",
    "- **Territories**: HCP code or name (accents optional, old spellings, 2014 codes). A code "
    "must lie in the parent written beside it, and a target's commune in its project's "
    "region (and province when given); otherwise quarantined. An unknown territory's reason "
    "names the closest units with their codes.",
    "- **Region-level projects**: the province may be left blank when a project spans "
    "several provinces of its region; its targets carry the communes.",
    "- **Geometries**: polygons for quartiers, points or polygons for centres, inside "
    "Morocco's extent; otherwise quarantined. Invalid geometries are repaired and flagged. "
    "Without a geometry file, quartier and centre targets stand on their commune.",
    "- **Reasons** carry a stable code (`reason_code`, keys of `pvanalysis.schemas.REASONS`) "
    "and a French text, with the row's detail after « — ».",
    "- **Unusable input**: exit 2 with one French line naming file, sheet, row and column; "
    "the current processed version is left untouched.",
    "- **Scales** are declared in `pvanalysis/data/echelles.yaml` (code, French label, "
    "published key, aliases); `PVANALYSIS_ECHELLES` names a replacement file, so a ministry "
    "adds a scale without touching code.",
]


def _scales_lines() -> list[str]:
    """The declared intervention scales (``config.SCALES_FILE``) as a Markdown table."""
    from .config import read_scales

    lines = ["Déclarées dans `pvanalysis/data/echelles.yaml` (code, libellé, clé des chiffres "
             "publiés, autres écritures acceptées) ; la variable d'environnement "
             "`PVANALYSIS_ECHELLES` désigne un fichier de remplacement : un ministère y ajoute "
             "« ville » ou « villes nouvelles » sans toucher au code.", "",
             "| Code | Libellé | Chiffres publiés | Autres écritures |", "|---|---|---|---|"]
    for scale in read_scales():
        lines.append(f"| `{scale['code']}` | {scale['label']} | {scale['published'] or ''} | "
                     f"{' ; '.join(scale['aliases'])} |")
    return lines


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
        "### Règles de lecture",
        "",
        *_RULES_FR,
        "",
        "### Échelles d'intervention",
        "",
        *_scales_lines(),
        "",
        "## English",
        "",
        "Evaluators hand over, in `data/raw/`: the workbook above (one sheet per table), the "
        "disbursement export (`;`-separated CSV, UTF-8 or cp1252) and the quartier and "
        "centre geometries (GeoJSON, GeoPackage or Shapefile, EPSG:4326 or EPSG:26191). "
        "Every column is listed below with its English field name (the column of the "
        "processed table).",
        "",
        "### Reading rules",
        "",
        *_RULES_EN,
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
