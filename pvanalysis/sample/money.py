"""Money: the clean conventions, commitments, schedule, disbursements, actions, project
dates and partners of the sample (integer dirhams, timestamps), used by ``tables.generate``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    a["progress_rate"] = np.round(prog * 100).astype(int) / 100
    base = a.signed_on.fillna(pd.Timestamp("2025-06-30"))
    a["planned_end"] = _dates(rng, base, 365, 1600)
    done = a.progress_rate >= 1
    a["actual_end"] = _dates(rng, a.planned_end, -120, 500).where(done)
    a.loc[a.actual_end > LAST_RELEASE, "actual_end"] = LAST_RELEASE
    a["action_id"] = "A-" + pd.Series(np.arange(1, len(a) + 1)).map("{:06d}".format)
    return a[["action_id", "project_id", "axis", "title", "cost_dh", "progress_rate",
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


