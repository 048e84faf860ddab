"""The words of a report: its title and cut-off line, key messages written from its
figures, the sentence that explains each equity statistic, and the glossary section.

Every sentence is built from figures the report also shows, formatted by :mod:`fmt` at the
one precision of each quantity, so a sentence and a table never disagree. Unknown figures
(absent source, empty slice) are said « non renseigné », never written as a zero.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

from . import fmt
from .present import Html

#: Anchor of the glossary section in every report page.
GLOSSARY_ANCHOR = "glossaire"


class Header(Html):
    """The opening of a report: its ``<h1>`` title, cut-off line and glossary link.

    Its HTML output carries the title in its metadata (``pv_title``): the report template
    writes it in the browser tab.
    """

    def __init__(self, text: str, title: str):
        super().__init__(text)
        self.title = title

    def _repr_html_(self):
        return self.text, {"pv_title": self.title}


def cutoff_line(cutoff) -> str:
    """``'Données arrêtées au 30 septembre 2025'`` (or that the date is not known)."""
    if cutoff is None or fmt._missing(cutoff):
        return "Données arrêtées à une date non renseignée"
    return f"Données arrêtées au {fmt.date(cutoff)}"


def header(title: str, cutoff, intro: str = "", messages: Iterable[str] = ()) -> Header:
    """The top of a report: title, « Données arrêtées au … », intro and key messages.

    Parameters
    ----------
    title : str
        Names the territory or the convention (also the browser tab's title).
    cutoff : date-like or None
        The date the figures are as of.
    intro : str
        One paragraph saying what the report covers.
    messages : list of str
        Three to five key messages (:func:`bilan_messages`, …).
    """
    e = html.escape
    parts = [f'<h1 class="pv-title">{e(title)}</h1>',
             f'<p class="pv-cutoff"><strong>{e(cutoff_line(cutoff))}</strong> · '
             f'<a href="#{GLOSSARY_ANCHOR}">Glossaire des indicateurs</a></p>']
    if intro:
        parts.append(f'<p class="pv-intro">{e(intro)}</p>')
    items = "".join(f"<li>{e(m)}</li>" for m in messages if m)
    if items:
        parts.append(f'<div class="pv-messages"><h2>Messages clés</h2><ul>{items}</ul></div>')
    return Header("".join(parts), title)


def glossary() -> Html:
    """The glossary section (from :data:`pvanalysis.indicators.glossary.GLOSSARY`)."""
    from .indicators.glossary import GLOSSARY

    e = html.escape
    rows = "".join(f'<tr id="g-{e(a)}"><th>{e(n)}</th><td>{e(f)}</td><td>{e(u)}</td>'
                   f"<td>{e(m)}</td></tr>" for a, n, f, u, m in GLOSSARY)
    return Html(f'<section id="{GLOSSARY_ANCHOR}"><h2>Glossaire des indicateurs</h2>'
                '<table class="pv-table"><thead><tr><th>Indicateur</th><th>Formule</th>'
                f"<th>Unité</th><th>Lecture</th></tr></thead><tbody>{rows}</tbody></table>"
                "</section>")


def _plural(n: int, one: str, many: str) -> str:
    return f"{fmt.number(n)} {one if n == 1 else many}"


def _n(value) -> int:
    return 0 if fmt._missing(value) else int(value)


def release_sentence(subject: str, released_dh, committed_dh, absent: Iterable[str]) -> str:
    """« <subject> a débloqué 35,3 % de sa contribution, soit 424,565 MDH sur 1 202 MDH. »"""
    if "disbursements" in set(absent):
        return (f"Les déblocages ne sont pas renseignés : ce que {subject} a versé de sa "
                "contribution est non renseigné.")
    committed = _n(committed_dh)
    if committed == 0:
        return f"Aucune contribution de {subject} n'est engagée dans la sélection."
    released = _n(released_dh)
    return (f"{subject[0].upper()}{subject[1:]} a débloqué {fmt.percent(released / committed)} "
            f"de sa contribution, soit {fmt.mdh(released)} sur {fmt.mdh(committed)}.")


def status_sentence(counts: Mapping[str, int], total: int, what: str = "projets") -> str:
    """« À la date d'arrêt, 11 des 12 projets sont en retard, 0 à l'arrêt et 1 achevé. »"""
    from .indicators import STATUS_LABELS

    if total == 0:
        return f"Aucun {what[:-1]} à suivre dans la sélection."
    if total == 1:
        code = next((k for k in STATUS_LABELS if _n(counts.get(k))), "unknown")
        return f"À la date d'arrêt, le seul {what[:-1]} est {STATUS_LABELS[code].lower()}."
    late, stalled, closed = (_n(counts.get(k)) for k in ("late", "stalled", "closed"))
    return (f"À la date d'arrêt, {fmt.number(late)} des {fmt.number(total)} {what} "
            f"{'est' if late <= 1 else 'sont'} en retard, {fmt.number(stalled)} à l'arrêt et "
            f"{fmt.number(closed)} {'achevé' if closed <= 1 else 'achevés'}.")


def targeting_sentence(targeting, territory: bool = False) -> str:
    """Targeting share against the poorest quintile's population share, in words.

    With ``territory`` the sentence speaks of the territory's communes (the quintile stays
    national).
    """
    row = targeting.iloc[0] if len(targeting) else None
    if row is None or _n(row["cost_dh"]) == 0:
        return "Aucun investissement attribué aux communes : la part ciblée est non renseignée."
    q5 = row["q5_population_share"]
    if not fmt._missing(q5) and float(q5) == 0:
        return ("Aucune commune du territoire n'est" if territory else "Aucune commune n'est") \
            + " dans le quintile national le plus défavorisé."
    who = ("Parmi les communes du territoire, celles du quintile national le plus défavorisé "
           "reçoivent" if territory else
           "Les communes du quintile national le plus défavorisé reçoivent")
    more = fmt.shown(row["targeting_share"], "percent") > fmt.shown(
        row["q5_population_share"], "percent")
    return (f"{who} {fmt.percent(row['targeting_share'])} de l'investissement pour "
            f"{fmt.percent(row['q5_population_share'])} de la population"
            + (" : l'investissement va davantage aux plus défavorisées." if more else
               " : l'investissement ne va pas davantage aux plus défavorisées."))


def alignment_sentence(alignment) -> str:
    """Spearman ρ and its p-value, in words."""
    row = alignment.iloc[0]
    if fmt._missing(row["rho"]):
        return ("Trop peu de communes ou de différences entre elles pour mesurer l'alignement "
                "de l'investissement sur les besoins.")
    rho = fmt.shown(row["rho"], "rho")
    strength = ("un lien quasi nul" if abs(rho) < 0.1 else "un lien faible" if abs(rho) < 0.3
                else "un lien modéré" if abs(rho) < 0.5 else "un lien fort")
    direction = "plus" if rho > 0 else "moins"
    sig = ("significatif" if row["p_value"] < 0.05 else "non significatif")
    return (f"Entre investissement par habitant et privation des communes, ρ = "
            f"{fmt.number(rho, fmt.PRECISION['rho'])} (p = {fmt.p_value(row['p_value'])}, "
            f"{sig}, {fmt.number(row['communes'])} communes) : {strength}, un peu "
            f"{direction} d'argent par habitant là où la privation est forte."
            if abs(rho) < 0.3 else
            f"Entre investissement par habitant et privation des communes, ρ = "
            f"{fmt.number(rho, fmt.PRECISION['rho'])} (p = {fmt.p_value(row['p_value'])}, "
            f"{sig}, {fmt.number(row['communes'])} communes) : {strength}, {direction} "
            "d'argent par habitant là où la privation est forte.")


def concentration_sentence(conc, level_plural: str = "régions") -> str:
    """Herfindahl index and top-3 share, in words."""
    row = conc.iloc[0]
    if fmt._missing(row["herfindahl"]):
        return "Aucun investissement : la concentration est non renseignée."
    return (f"Les trois premières {level_plural} concentrent {fmt.percent(row['top3_share'])} "
            f"de l'investissement (indice de Herfindahl {fmt.number(row['herfindahl'], 2)} "
            f"sur {_plural(_n(row['territories']), 'territoire financé', 'territoires financés')}"
            " ; 1 signifierait un seul territoire).")


def bilan_messages(bilan, financial_total, counts, targeting=None, conc=None,
                   absent: Iterable[str] = (), period=(2017, 2021)) -> list[str]:
    """Three to five key messages of the national bilan, from its own figures.

    Parameters
    ----------
    bilan : DataFrame
        ``indicators.bilan``.
    financial_total : DataFrame
        ``indicators.financial`` of the whole slice (one row).
    counts : DataFrame
        ``indicators.status_counts`` of the slice's projects (one row).
    targeting, conc : DataFrame, optional
        ``indicators.targeting_share`` and ``indicators.concentration``.
    """
    start, end = period
    n = _n(bilan["projects"].sum())
    if n == 0:
        return [f"Aucun projet contractualisé de {start} à {end} dans les échelles retenues."]
    f = financial_total.iloc[0]
    done = _plural(n, "projet a été contractualisé", "projets ont été contractualisés")
    out = [f"De {start} à {end}, {done}"
           f" pour un investissement total de {fmt.mdh(f['cost_dh'])} ; le Ministère y "
           f"contribue pour {fmt.mdh(f['ministry_dh'])}, soit "
           f"{fmt.percent(f['ministry_share'])}.",
           release_sentence("le Ministère", f["ministry_released_dh"], f["ministry_dh"], absent)]
    royal = bilan.set_index("scale").loc["royal"] if "royal" in set(bilan["scale"]) else None
    if royal is not None and _n(royal["projects"]) and "disbursements" not in set(absent):
        m_dh, d_dh = _n(royal["ministry_dh"]), _n(royal["ministry_released_dh"])
        if m_dh:
            out[-1] = (out[-1][:-1] + " ; pour les projets présentés à Sa Majesté, "
                       f"{fmt.percent(d_dh / m_dh)}, soit {fmt.mdh(d_dh)} sur "
                       f"{fmt.mdh(m_dh)}.")
    c = counts.iloc[0]
    out.append(status_sentence(c.to_dict(), _n(c["projects"])))
    if targeting is not None:
        out.append(targeting_sentence(targeting))
    if conc is not None:
        out.append(concentration_sentence(conc))
    return out[:5]


def territory_messages(name: str, projects, financial_total, counts, context=None,
                       targeting=None, absent: Iterable[str] = (), period=(2017, 2021),
                       communes=None, note: str | None = None) -> list[str]:
    """Three to five key messages of a territory sheet, from its own figures.

    ``context`` is ``sections.territory_context`` (``value``, ``parent_value``,
    ``parent_name``); ``communes`` (``sections.territory_communes``), when it flags one
    commune (``is_territory``), gives the commune's national quintile instead of the
    targeting sentence. ``note`` (``sections.territory_scope_note``) is added when given.
    """
    start, end = period
    if len(projects) == 0:
        return [f"Aucun projet contractualisé de {start} à {end} ne concerne {name}.",
                "Les montants, taux et retards de la période sont donc non renseignés pour "
                "ce territoire.", *([note] if note else [])]
    f = financial_total.iloc[0]
    out = [f"{name} : {_plural(len(projects), 'projet contractualisé', 'projets contractualisés')}"
           f" de {start} à {end}, pour {fmt.mdh(f['cost_dh'])} d'investissement attribué au "
           f"territoire, dont {fmt.mdh(f['ministry_dh'])} du Ministère."]
    if context is not None and len(context):
        r = context.iloc[0]
        out.append(f"Cela représente {fmt.per_capita(r['value'])} par habitant, contre "
                   f"{fmt.per_capita(r['parent_value'])} pour {r['parent_name']} (écart "
                   f"{fmt.gap(r['value'], r['parent_value'], 'per_capita')}).")
    out.append(release_sentence("le Ministère", f["ministry_released_dh"], f["ministry_dh"],
                                absent))
    c = counts.iloc[0]
    out.append(status_sentence(c.to_dict(), _n(c["projects"])))
    own = communes[communes["is_territory"]] if communes is not None and \
        "is_territory" in communes and not communes["is_territory"].all() else None
    if own is not None and len(own) and not fmt._missing(own["quintile"].iloc[0]):
        out.append(f"{name} est dans le quintile national {int(own['quintile'].iloc[0])} de "
                   "privation (1 = les communes les moins défavorisées du pays, 5 = les plus "
                   "défavorisées).")
    elif targeting is not None:
        out.append(targeting_sentence(targeting, territory=True))
    return out[:5]


def convention_messages(scope: Mapping, status: Mapping, progress=None,
                        absent: Iterable[str] = ()) -> list[str]:
    """Three to five key messages of a convention dashboard (its own scope first)."""
    kind = "convention cadre" if scope["kind"] == "cadre" else "convention de financement"
    out = [f"La {kind} {scope['convention_id']}, signée le {fmt.date(scope['signed_on'])}, "
           f"porte sur {fmt.mdh(scope['amount_dh'])} pour le projet « {scope['project_title']} »"
           f" ({fmt.mdh(scope['project_cost_dh'])} d'investissement total)."]
    if "disbursements" in set(absent):
        out.append("Les déblocages ne sont pas renseignés : ce qui a été versé sur cette "
                   "convention est non renseigné.")
    elif _n(scope["amount_dh"]):
        rest = _n(scope["remaining_dh"])
        tail = (f"reste {fmt.mdh(rest)} à débloquer." if rest >= 0 else
                f"les déblocages dépassent son montant de {fmt.mdh(-rest)}.")
        out.append(f"{fmt.mdh(scope['released_dh'])} ont été débloqués sur cette convention, "
                   f"soit {fmt.percent(_n(scope['released_dh']) / _n(scope['amount_dh']))} de "
                   f"son montant ; {tail}")
    out.append(f"Statut à la date d'arrêt : {status['status_label'].lower()} — "
               f"{status['reasons']}." if status.get("reasons") else
               f"Statut à la date d'arrêt : {status['status_label'].lower()}.")
    if progress is not None and len(progress) and "actions" not in set(absent):
        p = progress.iloc[0]
        if _n(round(float(p["actions"]))):
            out.append(f"{fmt.number(p['actions_finished'])} des "
                       f"{fmt.number(p['actions'])} actions sont achevées ; avancement "
                       f"physique pondéré {fmt.percent(p['weighted_progress_rate'])}.")
    return out[:5]


def explain(text: str) -> Html:
    """One sentence that says what a statistic means, under its table."""
    return Html(f'<p class="pv-explain">{html.escape(str(text))}</p>')


def data_messages(tables, absent: Iterable[str] = (), quarantined: int | None = None,
                  rows_in: int | None = None) -> list[str]:
    """Three to four messages about the data themselves (quality and exploration reports)."""
    names = {"disbursements": "déblocages", "schedule": "échéancier", "actions": "actions",
             "commitments": "engagements", "quartiers": "quartiers", "centres": "centres"}
    out = [f"Les tables traitées comptent "
           f"{_plural(len(tables['projects']), 'projet', 'projets')}, "
           f"{_plural(len(tables['conventions']), 'convention', 'conventions')} et "
           f"{_plural(len(tables['disbursements']), 'déblocage', 'déblocages')}."]
    if rows_in is not None and quarantined is not None:
        share = fmt.percent(quarantined / rows_in) if rows_in else fmt.UNKNOWN
        out.append(f"La construction a lu {_plural(rows_in, 'ligne', 'lignes')} et en a mis "
                   f"{fmt.number(quarantined)} en quarantaine ({share}), chacune avec sa "
                   "raison.")
    gone = [names[a] for a in absent if a in names]
    out.append("Sources absentes ou vides : " + ", ".join(gone) + " ; leurs chiffres sont "
               "« non renseigné »." if gone else "Toutes les sources attendues sont présentes.")
    return out
