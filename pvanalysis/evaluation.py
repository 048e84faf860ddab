"""What the impact notebook shows: the matched comparison, the difference-in-differences
estimates with their intervals, the dose–response, the composite index, the caveats in
words and the key figures (``figures.json``).

The computations are in :mod:`pvanalysis.indicators.impact`; this module only presents
them (escaped HTML and one figure, in the active language: :mod:`pvanalysis.i18n`).
"""

from __future__ import annotations

import html

from . import fmt, i18n
from .errors import ParameterError
from .i18n import N_, _
from .present import Html, esc, key_figures, note, table

#: Exposure bands the notebook accepts.
BANDS = (2, 3, 4)


def check_impact(census_date: str = "2024-09-01", neighbours: int = 3, bands: int = 3,
                 indicators: list[str] | None = None) -> None:
    """Check the impact notebook's parameters.

    Raises
    ------
    ParameterError
        A census date that is not a date, a number of neighbours outside 1–10, a number of
        bands other than 2, 3 or 4, or an indicator that is not comparable between the two
        censuses (the message suggests the closest ones).
    """
    import pandas as pd

    from .indicators import impact
    from .text import suggestion

    try:
        pd.Timestamp(str(census_date))
    except ValueError:
        raise ParameterError(f"paramètre « census_date » : « {census_date} » n'est pas une "
                             "date (AAAA-MM-JJ). Suggestion : 2024-09-01") from None
    if not isinstance(neighbours, int) or not 1 <= neighbours <= 10:
        raise ParameterError(f"paramètre « neighbours » : « {neighbours} » ; un entier de 1 "
                             "à 10 est attendu (communes de comparaison par commune traitée)")
    if bands not in BANDS:
        raise ParameterError(f"paramètre « bands » : « {bands} » ; 2, 3 ou 4 bandes "
                             "d'exposition sont possibles")
    comparable = impact.comparable_fields()["column"].tolist()
    for name in indicators or []:
        if name not in comparable:
            raise ParameterError(f"paramètre « indicators » : « {name} » n'est pas un "
                                 "indicateur comparable entre les recensements de 2014 et de "
                                 "2024" + suggestion(name, comparable))


def panel(tables, census_date: str = "2024-09-01", bands: int = 3,
          indicators: list[str] | None = None):
    """The commune panel (:func:`pvanalysis.indicators.impact.commune_panel`), with the
    comparable ``indicators`` asked besides the index components."""
    from .indicators import impact

    extra = [i for i in indicators or [] if i not in impact.OUTCOMES]
    return impact.commune_panel(tables, census_date=census_date, bands=bands, extra=extra)


def matched(commune_panel, neighbours: int = 3):
    """Treated communes and their matched comparison communes (``match_controls``)."""
    from .indicators import impact

    return impact.match_controls(commune_panel, neighbours=neighbours)


def estimates(matched_panel, indicators: list[str] | None = None):
    """Difference-in-differences of the index, its components and the ``indicators`` asked,
    with q-values over all of them."""
    from .indicators import impact

    extra = [i for i in indicators or [] if i not in impact.OUTCOMES]
    return impact.estimates(matched_panel, [*impact.OUTCOMES, *extra])


def dose_response(matched_panel):
    """Difference-in-differences of the index by exposure band."""
    from .indicators import impact

    return impact.dose_response(matched_panel)


def by_contract_year(matched_panel):
    """Difference-in-differences of the index by contracting period of the first project."""
    from .indicators import impact

    return impact.by_contract_year(matched_panel)


def _n(value) -> str:
    return fmt.number(value)


def _plain(value, decimals: int) -> str:
    """A French number rounded to ``decimals``, never ``-0,00``, not isolated (a part of a
    longer isolated run)."""
    import math

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return fmt._number(value, decimals)
    return fmt._number(round(float(value), decimals) + 0.0, decimals)


def _num(value, decimals: int) -> str:
    """:func:`_plain`, isolated in Arabic."""
    return i18n.isolate(_plain(value, decimals))


def comparison(commune_panel, matched_panel, neighbours: int = 3) -> Html:
    """The treated and comparison groups and the balance of their 2014 values."""
    from .indicators import impact

    groups = commune_panel["group"].value_counts()
    treated = matched_panel[matched_panel["treated"] == 1]
    controls = matched_panel[matched_panel["treated"] == 0]
    within = treated["matched_within"].value_counts()
    card = key_figures({
        _("Communes du panel (recensements 2014 et 2024)"): _n(len(commune_panel)),
        _("Communes traitées (déblocage du Ministère avant le recensement)"):
            _n(groups.get("traitée", 0)),
        _("Communes sans aucun projet (réservoir de comparaison)"):
            _n(groups.get("comparaison", 0)),
        _("Communes écartées (projet sans déblocage du Ministère)"):
            _n(groups.get("écartée", 0)),
        _("Communes traitées appariées"): _n(len(treated)),
        _("… dans leur province"): _n(within.get("province", 0)),
        _("… dans leur région (aucune commune de comparaison dans la province)"):
            _n(within.get("région", 0)),
        _("Communes de comparaison retenues"): _n(len(controls)),
    }, caption=_("Communes comparées"))
    text = note(_("Chaque commune traitée est rapprochée des {n} communes sans projet "
                  "les plus proches par leurs valeurs de 2014 (composantes de l'indice et "
                  "population, valeurs centrées réduites), dans sa province, sinon dans sa "
                  "région ; une commune de comparaison peut servir plusieurs fois et pèse "
                  "alors davantage.").format(n=_n(neighbours)))
    bal = impact.balance(matched_panel)
    shown = bal.assign(label=bal["label"].map(_),
                       treated_text=bal["treated_mean"].map(lambda v: _num(v, 2)),
                       control_text=bal["control_mean"].map(lambda v: _num(v, 2)),
                       gap_text=bal["std_gap"].map(lambda v: _num(v, 2)))
    balance = table(shown[["label", "treated_text", "control_text", "gap_text"]],
                    labels={"label": _("Indicateur (2014)"),
                            "treated_text": _("Communes traitées"),
                            "control_text": _("Communes de comparaison (pondérées)"),
                            "gap_text": _("Écart (écarts-types)")},
                    caption=_("Équilibre des groupes en 2014"))
    return Html(card.text + text.text + balance.text)


def index_note() -> Html:
    """How the composite deprivation index is built."""
    from .indicators import impact

    higher, inverse = (_("plus il est élevé, plus la privation est forte"),
                       _("compté en sens inverse"))
    items = "".join(
        "<li>" + _labelled(esc(_(impact.LABELS[c])), esc(higher if s > 0 else inverse))
        + "</li>" for c, s in impact.INDEX_COMPONENTS.items())
    text = _("L'indice composite de privation est la moyenne de neuf indicateurs du "
             "recensement mesurés de la même façon en 2014 et en 2024, chacun orienté pour "
             "qu'une valeur plus élevée signifie plus de privation et centré réduit avec la "
             "moyenne et l'écart-type de 2014 de toutes les communes du panel : sa "
             "variation se lit en écarts-types de 2014 (une baisse est une amélioration). "
             "Une commune à qui manque une composante n'a pas d'indice.")
    return Html(f"<p>{html.escape(text, quote=False)}</p><ul>{items}</ul>")


def _labelled(label_html: str, text_html: str) -> str:
    """« label : text » of a list item (escaped parts), with the colon of the language."""
    return _("{label} : {text}").format(label=label_html, text=text_html)


def _interval(low, high, decimals: int = 2) -> str:
    # one left-to-right run in Arabic: the bounds keep their order, as in a formula
    return i18n.isolate(f"[{_plain(low, decimals)} ; {_plain(high, decimals)}]")


def estimates_table(found) -> Html:
    """The difference-in-differences of each indicator: estimate, interval, MDE, q-value."""
    from .indicators import impact

    shown = found.assign(
        label=found["label"].map(_),
        estimate_text=[_num(v, 3 if o == impact.INDEX else 2)
                       for o, v in zip(found["outcome"], found["estimate"], strict=True)],
        interval_text=[_interval(lo, hi, 3 if o == impact.INDEX else 2) for o, lo, hi in
                       zip(found["outcome"], found["ci_low"], found["ci_high"], strict=True)],
        mde_text=[_num(v, 3 if o == impact.INDEX else 2)
                  for o, v in zip(found["outcome"], found["mde"], strict=True)],
        p_text=found["p_value"].map(lambda v: fmt.number(v, 3)),
        q_text=found["q_value"].map(lambda v: fmt.number(v, 3)),
        sample_text=[f"{_n(t)} / {_n(c)}" for t, c in zip(found["n_treated"],
                                                          found["n_control"], strict=True)])
    columns = ["label", "estimate_text", "interval_text", "mde_text", "p_text", "q_text",
               "sample_text"]
    return Html(table(shown[columns], labels={
        "label": _("Indicateur (variation 2014 → 2024)"), "estimate_text": _("Estimation"),
        "interval_text": _("Intervalle à 95 %"), "mde_text": _("Effet minimal détectable"),
        "p_text": _("p-valeur"), "q_text": _("q-valeur (FDR)"),
        "sample_text": _("Traitées / comparaison")},
        caption=_("Différence de différences, effets fixes province, erreurs groupées par "
                  "province")).text + note(
        _("Estimation : écart de variation 2014 → 2024 entre communes traitées et communes "
          "de comparaison de la même province (points de pourcentage pour les parts, "
          "écarts-types de 2014 pour l'indice). L'effet minimal détectable est celui qu'on "
          "aurait 80 % de chances de déceler au seuil de 5 % ; la q-valeur corrige les "
          "p-valeurs pour le nombre d'indicateurs testés (Benjamini-Hochberg).")).text)


def estimates_chart(found):
    """Estimates and 95 % intervals of every indicator (matplotlib figure)."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from . import charts

    rows = found.dropna(subset=["estimate"]).iloc[::-1]
    # the Arabic edition draws with the shipped Arabic font; French keeps matplotlib's default
    font = {"font.family": [charts.arabic_font(), "DejaVu Sans"]} if i18n.rtl() else {}
    with mpl.rc_context(font):
        fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(rows), 2) + 1))
        y = range(len(rows))
        ax.errorbar(rows["estimate"], list(y), xerr=[rows["estimate"] - rows["ci_low"],
                                                     rows["ci_high"] - rows["estimate"]],
                    fmt="o", color="#0b6e4f", ecolor="#7fb8a4", capsize=3)
        ax.axvline(0, color="#888", linewidth=1)
        ax.set_yticks(list(y), [_(label) for label in rows["label"]])
        ax.set_xlabel(_("Écart de variation 2014 → 2024 (traitées − comparaison)"))
        ax.set_title(_("Différence de différences et intervalles à 95 %"))
        fig.tight_layout()
    return fig


def dose_table(dose, column: str = "band") -> Html:
    """The index's difference-in-differences by exposure band (or by ``cohort``)."""
    if dose.empty:
        return note(_("Pas assez de communes traitées pour former des groupes."))
    label = {"band": _("Bande d'exposition"), "cohort": _("Première contractualisation")}[column]
    caption = {"band": _("Dose-réponse : indice composite de privation par bande d'exposition"),
               "cohort": _("Indice composite de privation selon l'année de contractualisation"
                           " du premier projet de la commune")}[column]
    shown = dose.assign(
        **{column: dose[column].map(lambda v: fmt.isolate_digits(_(v)))},
        exposure_text=dose["mean_dh_per_capita"].map(fmt.per_capita),
        estimate_text=dose["estimate"].map(lambda v: _num(v, 3)),
        interval_text=[_interval(lo, hi, 3) for lo, hi in zip(dose["ci_low"], dose["ci_high"],
                                                              strict=True)],
        n_text=dose["n_treated"].map(_n))
    return table(shown[[column, "exposure_text", "n_text", "estimate_text", "interval_text"]],
                 labels={column: label,
                         "exposure_text": _("Déblocage moyen du Ministère par habitant"),
                         "n_text": _("Communes traitées"),
                         "estimate_text": _("Estimation (indice)"),
                         "interval_text": _("Intervalle à 95 %")},
                 caption=caption)


#: The caveats of the impact report (French message ids, translated where shown).
CAVEATS = [
    (N_("Sélection"),
     N_("les projets vont là où sont les besoins ou la visibilité : les communes traitées ne "
        "sont pas tirées au hasard, et l'appariement sur les valeurs de 2014 ne corrige que ce "
        "que le recensement mesure.")),
    (N_("Autres programmes"),
     N_("l'INDH, le programme Villes sans bidonvilles, le programme de réduction des "
        "disparités territoriales et sociales en milieu rural et d'autres investissements "
        "agissent dans les mêmes communes sur la même période ; leur effet se mêle à celui de "
        "la politique de la ville.")),
    (N_("Débordements"),
     N_("un équipement profite aussi aux communes voisines, qui peuvent servir de "
        "comparaison : l'écart mesuré en est réduit.")),
    (N_("Dilution"),
     N_("un quartier ou un centre ciblé ne pèse que sa part dans la moyenne de sa commune ; "
        "un effet réel à l'échelle du quartier peut rester invisible à celle de la commune.")),
    (N_("Découpage de 2015"),
     N_("des communes ont été renumérotées ou redécoupées en 2015 ; les codes de 2014 sont "
        "rapportés à ceux de 2024 par la table de correspondance du HCP, et les six villes "
        "divisées en arrondissements, publiées par arrondissement en 2014, sont laissées de "
        "côté.")),
    (N_("Définitions"),
     N_("seuls les indicateurs que le HCP déclare mesurés de la même façon aux deux "
        "recensements sont comparés ; ceux dont la question a changé entre 2014 et 2024 sont "
        "exclus.")),
    (N_("Calendrier"),
     N_("seuls les déblocages antérieurs à la date du recensement de 2024 comptent ; un "
        "projet contractualisé avant 2014 a pu agir sur la situation de départ.")),
    (N_("Données de démonstration"),
     N_("sur des données synthétiques (l'échantillon), le résultat illustre la méthode, pas "
        "un constat sur le programme.")),
]


def caveats() -> Html:
    """The caveats of the impact lens, in words."""
    items = "".join("<li>" + _labelled(f"<strong>{html.escape(_(k))}</strong>",
                                       html.escape(_(v))) + "</li>" for k, v in CAVEATS)
    return Html(f'<ul class="pv-caveats">{items}</ul>')


def impact_figures(found, dose, commune_panel, matched_panel, census_date: str,
                   neighbours: int, cohorts=None) -> dict:
    """Key figures of the impact report for ``figures.json`` and the site index."""
    from .indicators import impact

    index = found[found["outcome"] == impact.INDEX].iloc[0]
    groups = commune_panel["group"].value_counts()

    def row(r) -> dict:
        return {"label": _(r["label"]), "estimate": r["estimate"], "se": r["se"],
                "ci_low": r["ci_low"], "ci_high": r["ci_high"], "p_value": r["p_value"],
                "q_value": r["q_value"], "mde": r["mde"], "n_obs": int(r["n_obs"]),
                "n_treated": int(r["n_treated"]), "n_control": int(r["n_control"]),
                "n_provinces": int(r["n_provinces"])}

    return {
        "kind": "impact", "title": _("Impact : évolution 2014 → 2024 des communes touchées"),
        "census_date": census_date, "neighbours": neighbours,
        "communes": {"panel": int(len(commune_panel)), "treated": int(groups.get("traitée", 0)),
                     "comparison_pool": int(groups.get("comparaison", 0)),
                     "excluded": int(groups.get("écartée", 0)),
                     "matched_treated": int((matched_panel["treated"] == 1).sum()),
                     "matched_controls": int((matched_panel["treated"] == 0).sum())},
        "index": row(index),
        "estimates": {r["outcome"]: row(r) for r in found.to_dict("records")},
        "dose_response": dose.to_dict("records"),
        "by_contract_year": [] if cohorts is None else cohorts.to_dict("records"),
        "summary": {_("Indice de privation"): f"{_num(index['estimate'], 3)} "
                                              f"{_interval(index['ci_low'], index['ci_high'], 3)}",
                    _("Communes traitées / comparaison"):
                        f"{_n(index['n_treated'])} / {_n(index['n_control'])}"},
    }
