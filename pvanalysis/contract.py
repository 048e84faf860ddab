"""Contract: the raw input files evaluators supply, sheet by sheet and column by column.

The raw input contract (``SHEETS``, ``DISBURSEMENT_COLUMNS``, ``GEOMETRY_COLUMNS``) is what
``template`` writes, what ``sample`` produces, what ``ingest`` reads and what ``build``
accepts; ``docs/entrees.md`` is generated from it (``template.contract_markdown``). Headers are
matched after normalisation (case, accents, spacing, punctuation); a unit written in an amount
header — ``(DH)``, ``(KDH)``, ``(MDH)`` — sets the unit of that column (``UNIT_FACTORS``).
"""

# The raw input contract is a table: one column per line reads best.
# ruff: noqa: E501

from __future__ import annotations

from dataclasses import dataclass, field

from .config import DH_PER_KDH, DH_PER_MDH


@dataclass(frozen=True)
class Column:
    """One column of the raw contract.

    Attributes
    ----------
    field : str
        Canonical (English) field name in the processed table.
    header : str
        Canonical French header, as the template writes it.
    kind : {"text", "id", "code", "amount", "date", "year", "percent", "choice", "int"}
        How the cell is converted (``convert``). ``amount`` cells are in the unit of the header
        (DH when none is given); ``code`` accepts an HCP code or a territory name.
    required : bool
        A missing required column makes the whole sheet unusable (exit 2); a blank cell in it
        sends the row to the quarantine.
    variants : tuple of str
        Other headers accepted (compared after normalisation, units stripped).
    choices : tuple of str
        For ``choice`` columns: accepted codes (French labels are accepted too).
    """

    field: str
    header: str
    kind: str
    required: bool = True
    variants: tuple[str, ...] = ()
    choices: tuple[str, ...] = field(default=())


def _c(*args, **kwargs) -> Column:
    return Column(*args, **kwargs)


#: Workbook file name and its sheets: sheet name → (processed table, columns).
WORKBOOK = "conventions.xlsx"
SHEETS: dict[str, tuple[str, tuple[Column, ...]]] = {
    "Projets": ("projects", (
        _c("project_id", "Identifiant projet", "id", variants=("Projet", "ID projet", "Code projet")),
        _c("title", "Intitulé du projet", "text", variants=("Intitulé", "Intitule", "Libellé")),
        _c("scale", "Échelle d'intervention", "choice", variants=("Échelle", "Echelle"),
           choices=("royal", "quartiers", "medina", "centre")),
        _c("region_code", "Région", "code", variants=("Code région", "Region")),
        _c("province_code", "Province", "code", required=False, variants=("Province / préfecture", "Préfecture ou province", "Code province")),
        _c("commune_code", "Commune", "code", required=False, variants=("Commune principale", "Code commune")),
        _c("phase", "Phase", "choice", choices=("preparatoire", "montage", "contractualisation", "mise_en_oeuvre")),
        _c("step", "Étape", "choice", variants=("Etape",)),
        _c("presented_on", "Date de présentation", "date", required=False, variants=("Présenté le",)),
        _c("planned_end", "Achèvement prévu", "date", required=False, variants=("Date d'achèvement prévue", "Fin prévue")),
        _c("actual_end", "Achèvement effectif", "date", required=False, variants=("Date d'achèvement", "Fin effective")),
        _c("forecast_end", "Achèvement prévisionnel", "date", required=False, variants=("Fin prévisionnelle", "Achèvement actualisé")),
    )),
    "Cibles": ("project_targets", (
        _c("project_id", "Identifiant projet", "id", variants=("Projet",)),
        _c("target_type", "Type de cible", "choice", variants=("Type",), choices=("quartier", "centre", "commune", "medina")),
        _c("target_id", "Identifiant cible", "id", variants=("Cible", "Code cible")),
        _c("target_name", "Nom de la cible", "text", variants=("Nom", "Libellé cible")),
        _c("commune_code", "Commune", "code", variants=("Code commune",)),
    )),
    "Conventions": ("conventions", (
        _c("convention_id", "Identifiant convention", "id", variants=("Convention", "N° convention", "Numéro convention")),
        _c("project_id", "Identifiant projet", "id", variants=("Projet",)),
        _c("kind", "Type de convention", "choice", variants=("Type",), choices=("cadre", "financement")),
        _c("parent_id", "Convention cadre", "id", required=False, variants=("Convention cadre de rattachement",)),
        _c("signed_on", "Date de signature", "date", variants=("Signée le", "Signature")),
        _c("planned_end", "Échéance prévue", "date", required=False, variants=("Date d'échéance", "Échéance")),
        _c("amount_dh", "Montant", "amount", variants=("Montant de la convention", "Montant total")),
        _c("operator", "Opérateur", "text", required=False, variants=("Maître d'ouvrage", "Operateur")),
    )),
    "Partenaires": ("partners", (
        _c("partner_id", "Identifiant partenaire", "id", variants=("Partenaire", "Code partenaire")),
        _c("name", "Nom du partenaire", "text", variants=("Nom", "Raison sociale")),
        _c("category", "Catégorie", "choice", variants=("Categorie", "Type de partenaire"),
           choices=("ministry", "state", "local_authority", "public_establishment", "fund", "other")),
    )),
    "Engagements": ("commitments", (
        _c("convention_id", "Identifiant convention", "id", variants=("Convention",)),
        _c("partner_id", "Identifiant partenaire", "id", variants=("Partenaire",)),
        _c("committed_dh", "Montant engagé", "amount", variants=("Montant", "Contribution", "Engagement")),
    )),
    "Échéancier": ("schedule", (
        _c("convention_id", "Identifiant convention", "id", variants=("Convention",)),
        _c("partner_id", "Identifiant partenaire", "id", variants=("Partenaire",)),
        _c("year", "Année", "year", variants=("Annee", "Exercice")),
        _c("planned_dh", "Montant prévu", "amount", variants=("Montant", "Déblocage prévu")),
    )),
    "Actions": ("actions", (
        _c("action_id", "Identifiant action", "id", variants=("Action", "Code action")),
        _c("project_id", "Identifiant projet", "id", variants=("Projet",)),
        _c("axis", "Axe d'intervention", "choice", variants=("Axe",)),
        _c("title", "Intitulé de l'action", "text", variants=("Intitulé", "Libellé")),
        _c("cost_dh", "Coût", "amount", variants=("Coût de l'action", "Montant")),
        _c("progress_rate", "Avancement physique (%)", "percent", variants=("Avancement", "Taux d'avancement")),
        _c("planned_end", "Achèvement prévu", "date", required=False, variants=("Fin prévue",)),
        _c("actual_end", "Achèvement effectif", "date", required=False, variants=("Fin effective",)),
    )),
}

#: Other names accepted for a sheet (compared after normalisation). Two sheets of one workbook
#: that both answer to a contract sheet are refused, never picked from.
SHEET_VARIANTS: dict[str, tuple[str, ...]] = {
    "Projets": ("Projet", "Liste des projets"),
    "Cibles": ("Cible", "Cibles des projets"),
    "Conventions": ("Convention", "Liste des conventions"),
    "Partenaires": ("Partenaire",),
    "Engagements": ("Engagement", "Engagements des partenaires"),
    "Échéancier": ("Échéanciers", "Échéancier des déblocages"),
    "Actions": ("Action", "Actions du projet"),
}

#: Sources an evaluator may not have. Absent, they build to empty tables and the version
#: manifest lists them under ``absent``; reports then say « non renseigné ». The other sheets
#: (Projets, Conventions, Partenaires, Engagements) and the workbook itself are required.
OPTIONAL_TABLES = ("project_targets", "schedule", "actions", "disbursements", "quartiers",
                   "centres")

#: Unit words accepted in an amount header, → dirhams per unit.
UNIT_FACTORS = {"dh": 1, "kdh": DH_PER_KDH, "mdh": DH_PER_MDH}

#: Disbursement export (déblocages): CSV, ``;``-separated, UTF-8 or cp1252.
DISBURSEMENTS_FILE = "deblocages.csv"
DISBURSEMENT_COLUMNS: tuple[Column, ...] = (
    _c("disbursement_id", "N° déblocage", "id", variants=("Numéro", "Identifiant déblocage", "Réf")),
    _c("convention_id", "Convention", "id", variants=("Identifiant convention", "N° convention")),
    _c("partner_id", "Partenaire", "id", variants=("Identifiant partenaire",)),
    _c("released_on", "Date de déblocage", "date", variants=("Date", "Date de versement")),
    _c("amount_dh", "Montant", "amount", variants=("Montant débloqué", "Montant versé")),
    _c("beneficiary", "Bénéficiaire", "text", required=False, variants=("Opérateur bénéficiaire", "Operateur")),
)

#: Geometry files: quartier polygons and centre points or polygons (GeoJSON, GPKG or SHP),
#: EPSG:4326 or EPSG:26191. Attribute columns (shapefiles truncate names to 10 characters).
GEOMETRY_FILES = {"quartiers": "quartiers", "centres": "centres"}  # stem; extension free
GEOMETRY_COLUMNS: dict[str, tuple[Column, ...]] = {
    "quartiers": (
        _c("quartier_id", "identifiant", "id", variants=("id", "quartier_id", "code")),
        _c("name", "nom", "text", variants=("name", "nom_quartier")),
        _c("commune_code", "commune", "code", variants=("code_commune", "commune_code")),
        _c("population", "population", "int", required=False, variants=("pop", "habitants")),
    ),
    "centres": (
        _c("centre_id", "identifiant", "id", variants=("id", "centre_id", "code")),
        _c("name", "nom", "text", variants=("name", "nom_centre")),
        _c("commune_code", "commune", "code", variants=("code_commune", "commune_code")),
        _c("population", "population", "int", required=False, variants=("pop", "habitants")),
    ),
}
