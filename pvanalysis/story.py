"""The words of a report: its title and cut-off line, key messages written from its
figures, the sentence that explains each equity statistic, and the glossary section.

Every sentence is built from figures the report also shows, formatted by :mod:`fmt` at the
one precision of each quantity, so a sentence and a table never disagree. Unknown figures
(absent source, empty slice) are said « non renseigné », never written as a zero.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

from . import fmt, i18n
from .i18n import N_, _, ngettext
from .present import Html

#: Anchor of the glossary section in every report page.
GLOSSARY_ANCHOR = "glossaire"

#: Words the sentences receive as arguments (marked for the catalogue).
_WORDS = (N_("le Ministère"), N_("projet"), N_("projets"), N_("régions"), N_("provinces"),
          N_("communes"), N_("convention"), N_("conventions"))


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
        return _("Données arrêtées à une date non renseignée")
    return _("Données arrêtées au {date}").format(date=fmt.date(cutoff))


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
    e = _esc
    glossary_title, key_messages = _("Glossaire des indicateurs"), _("Messages clés")
    # data-pv-title: the running title of print, its numbers still isolated (string-set
    # takes an element's text, which would lose the <bdi> around them)
    parts = [f'<h1 class="pv-title" data-pv-title="{html.escape(title)}">{e(title)}</h1>',
             f'<p class="pv-cutoff"><strong>{e(cutoff_line(cutoff))}</strong> · '
             f'<a href="#{GLOSSARY_ANCHOR}">{e(glossary_title)}</a></p>']
    if intro:
        parts.append(f'<p class="pv-intro">{e(_(intro))}</p>')
    items = "".join(f"<li>{e(m)}</li>" for m in messages if m)
    if items:
        parts.append(f'<div class="pv-messages"><h2>{e(key_messages)}</h2>'
                     f'<ul>{items}</ul></div>')
    return Header("".join(parts), title)


def _esc(text) -> str:
    """Escaped text, its isolated numbers as ``<bdi>`` (Arabic edition)."""
    from .i18n import bdi

    return bdi(html.escape(str(text)))


def glossary() -> Html:
    """The glossary section (from :data:`pvanalysis.indicators.glossary.GLOSSARY`)."""
    from .indicators.glossary import GLOSSARY

    e = html.escape
    rows = "".join(f'<tr id="g-{e(a)}"><th>{e(_(n))}</th><td>{e(_(f))}</td>'
                   f"<td>{e(_(u))}</td><td>{e(_(m))}</td></tr>" for a, n, f, u, m in GLOSSARY)
    head = "".join(f"<th>{e(h)}</th>" for h in (_("Indicateur"), _("Formule"), _("Unité"),
                                                  _("Lecture")))
    title = _("Glossaire des indicateurs")
    return Html(f'<section id="{GLOSSARY_ANCHOR}"><h2>{e(title)}</h2>'
                f'<table class="pv-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>'
                "</table></section>")


def _plural(n: int, one: str, many: str) -> str:
    """``n`` and its noun: ``one`` and ``many`` are message ids with a ``{n}`` field."""
    return ngettext(one, many, n).format(n=fmt.number(n))


def _n(value) -> int:
    return 0 if fmt._missing(value) else int(value)


def release_sentence(subject: str, released_dh, committed_dh, absent: Iterable[str]) -> str:
    """« <subject> a débloqué 35,3 % de sa contribution, soit 424,565 MDH sur 1 202,000 MDH. »"""
    subject = _(subject)
    if "disbursements" in set(absent):
        return _("Les déblocages ne sont pas renseignés : ce que {subject} a versé de sa "
                 "contribution est non renseigné.").format(subject=subject)
    committed = _n(committed_dh)
    if committed == 0:
        return _("Aucune contribution de {subject} n'est engagée dans la sélection.").format(
            subject=subject)
    released = _n(released_dh)
    return _("{Subject} a débloqué {share} de sa contribution, soit {released} sur "
             "{committed}.").format(Subject=subject[0].upper() + subject[1:],
                                    share=fmt.percent(released / committed),
                                    released=fmt.mdh(released), committed=fmt.mdh(committed))


def status_sentence(counts: Mapping[str, int], total: int, what: str = "projets") -> str:
    """« À la date d'arrêt, 11 des 12 projets sont en retard, 0 à l'arrêt et 1 achevé. »"""
    from .indicators import STATUS_LABELS

    if total == 0:
        return _("Aucun {what} à suivre dans la sélection.").format(what=_(what[:-1]))
    if total == 1:
        code = next((k for k in STATUS_LABELS if _n(counts.get(k))), "unknown")
        return _("À la date d'arrêt, le seul {what} est {status}.").format(
            what=_(what[:-1]), status=_(STATUS_LABELS[code]).lower())
    late, stalled, closed = (_n(counts.get(k)) for k in ("late", "stalled", "closed"))
    return _("À la date d'arrêt, {late} des {total} {what} {is_late} en retard, {stalled} à "
             "l'arrêt et {closed} {closed_word}.").format(
        late=fmt.number(late), total=fmt.number(total), what=_(what),
        is_late=_("est") if late <= 1 else _("sont"), stalled=fmt.number(stalled),
        closed=fmt.number(closed), closed_word=_("achevé") if closed <= 1 else _("achevés"))


def targeting_sentence(targeting, territory: bool = False) -> str:
    """Targeting share against the poorest quintile's population share, in words.

    With ``territory`` the sentence speaks of the territory's communes (the quintile stays
    national).
    """
    row = targeting.iloc[0] if len(targeting) else None
    if row is None or _n(row["cost_dh"]) == 0:
        return _("Aucun investissement attribué aux communes : la part ciblée est non "
                 "renseignée.")
    q5 = row["q5_population_share"]
    if not fmt._missing(q5) and float(q5) == 0:
        return (_("Aucune commune du territoire n'est dans le quintile national le plus "
                  "défavorisé.") if territory else
                _("Aucune commune n'est dans le quintile national le plus défavorisé."))
    more = fmt.shown(row["targeting_share"], "percent") > fmt.shown(
        row["q5_population_share"], "percent")
    if territory:
        text = (_("Parmi les communes du territoire, celles du quintile national le plus "
                  "défavorisé reçoivent {share} de l'investissement pour {population} de la "
                  "population : l'investissement va davantage aux plus défavorisées.") if more
                else _("Parmi les communes du territoire, celles du quintile national le plus "
                       "défavorisé reçoivent {share} de l'investissement pour {population} de "
                       "la population : l'investissement ne va pas davantage aux plus "
                       "défavorisées."))
    else:
        text = (_("Les communes du quintile national le plus défavorisé reçoivent {share} de "
                  "l'investissement pour {population} de la population : l'investissement va "
                  "davantage aux plus défavorisées.") if more
                else _("Les communes du quintile national le plus défavorisé reçoivent {share} "
                       "de l'investissement pour {population} de la population : "
                       "l'investissement ne va pas davantage aux plus défavorisées."))
    return text.format(share=fmt.percent(row["targeting_share"]),
                       population=fmt.percent(row["q5_population_share"]))


def alignment_sentence(alignment) -> str:
    """Spearman ρ and its p-value, in words."""
    row = alignment.iloc[0]
    if fmt._missing(row["rho"]):
        return _("Trop peu de communes ou de différences entre elles pour mesurer "
                 "l'alignement de l'investissement sur les besoins.")
    rho = fmt.shown(row["rho"], "rho")
    strength = (_("un lien quasi nul") if abs(rho) < 0.1 else _("un lien faible")
                if abs(rho) < 0.3 else _("un lien modéré") if abs(rho) < 0.5
                else _("un lien fort"))
    sig = (_("significatif") if row["p_value"] < 0.05 else _("non significatif"))
    if abs(rho) < 0.3:
        tail = (_("un peu plus d'argent par habitant là où la privation est forte") if rho > 0
                else _("un peu moins d'argent par habitant là où la privation est forte"))
    else:
        tail = (_("plus d'argent par habitant là où la privation est forte") if rho > 0
                else _("moins d'argent par habitant là où la privation est forte"))
    return _("Entre investissement par habitant et privation des communes, ρ = {rho} "
             "(p = {p}, {sig}, {communes}) : {strength}, {tail}.").format(
        rho=fmt.number(rho, fmt.PRECISION["rho"]), p=fmt.p_value(row["p_value"]), sig=sig,
        communes=_plural(_n(row["communes"]), "{n} communes", "{n} communes"),
        strength=strength, tail=tail)


def concentration_sentence(conc, level_plural: str = N_("régions")) -> str:
    """Herfindahl index and top-3 share, in words."""
    row = conc.iloc[0]
    if fmt._missing(row["herfindahl"]):
        return _("Aucun investissement : la concentration est non renseignée.")
    return _("Les trois premières {level_plural} concentrent {share} de l'investissement "
             "(indice de Herfindahl {herfindahl} sur {territories} ; {one} signifierait un "
             "seul territoire).").format(
        level_plural=_(level_plural), share=fmt.percent(row["top3_share"]),
        herfindahl=fmt.number(row["herfindahl"], 2),
        territories=_plural(_n(row["territories"]), "{n} territoire financé",
                            "{n} territoires financés"), one=fmt.number(1))


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
    start, end = _year(start), _year(end)
    if n == 0:
        return [_("Aucun projet contractualisé de {start} à {end} dans les échelles "
                  "retenues.").format(start=start, end=end)]
    f = financial_total.iloc[0]
    done = _plural(n, "{n} projet a été contractualisé", "{n} projets ont été contractualisés")
    out = [_("De {start} à {end}, {done} pour un investissement total de {cost} ; le Ministère "
             "y contribue pour {ministry}, soit {share}.").format(
               start=start, end=end, done=done, cost=fmt.mdh(f["cost_dh"]),
               ministry=fmt.mdh(f["ministry_dh"]), share=fmt.percent(f["ministry_share"])),
           release_sentence("le Ministère", f["ministry_released_dh"], f["ministry_dh"], absent)]
    royal = bilan.set_index("scale").loc["royal"] if "royal" in set(bilan["scale"]) else None
    if royal is not None and _n(royal["projects"]) and "disbursements" not in set(absent):
        m_dh, d_dh = _n(royal["ministry_dh"]), _n(royal["ministry_released_dh"])
        if m_dh:
            out[-1] = out[-1][:-1] + _(" ; pour les projets présentés à Sa Majesté, "
                                       "{share}, soit {released} sur {committed}.").format(
                share=fmt.percent(d_dh / m_dh), released=fmt.mdh(d_dh),
                committed=fmt.mdh(m_dh))
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
    start, end = _year(period[0]), _year(period[1])
    if len(projects) == 0:
        return [_("Aucun projet contractualisé de {start} à {end} ne concerne {name}.").format(
                    start=start, end=end, name=name),
                _("Les montants, taux et retards de la période sont donc non renseignés pour "
                  "ce territoire."), *([note] if note else [])]
    f = financial_total.iloc[0]
    out = [_("{name} : {projects} de {start} à {end}, pour {cost} d'investissement attribué "
             "au territoire, dont {ministry} du Ministère.").format(
               name=name, projects=_plural(len(projects), "{n} projet contractualisé",
                                           "{n} projets contractualisés"),
               start=start, end=end, cost=fmt.mdh(f["cost_dh"]),
               ministry=fmt.mdh(f["ministry_dh"]))]
    if context is not None and len(context):
        r = context.iloc[0]
        out.append(_("Cela représente {value} par habitant, contre {parent_value} pour "
                     "{parent} (écart {gap}).").format(
            value=fmt.per_capita(r["value"]), parent_value=fmt.per_capita(r["parent_value"]),
            parent=r["parent_name"], gap=fmt.gap(r["value"], r["parent_value"], "per_capita")))
    out.append(release_sentence("le Ministère", f["ministry_released_dh"], f["ministry_dh"],
                                absent))
    c = counts.iloc[0]
    out.append(status_sentence(c.to_dict(), _n(c["projects"])))
    own = communes[communes["is_territory"]] if communes is not None and \
        "is_territory" in communes and not communes["is_territory"].all() else None
    if own is not None and len(own) and not fmt._missing(own["quintile"].iloc[0]):
        out.append(_("{name} est dans le quintile national {quintile} de privation ({one} = "
                     "les communes les moins défavorisées du pays, {five} = les plus "
                     "défavorisées).").format(name=name,
                                              quintile=fmt.number(int(own["quintile"].iloc[0])),
                                              one=fmt.number(1), five=fmt.number(5)))
    elif targeting is not None:
        out.append(targeting_sentence(targeting, territory=True))
    return out[:5]


def convention_messages(scope: Mapping, status: Mapping, progress=None,
                        absent: Iterable[str] = ()) -> list[str]:
    """Three to five key messages of a convention dashboard (its own scope first)."""
    text = (_("La convention cadre {id}, signée le {signed}, porte sur {amount} pour le projet "
              "« {title} » ({cost} d'investissement total).") if scope["kind"] == "cadre" else
            _("La convention de financement {id}, signée le {signed}, porte sur {amount} pour "
              "le projet « {title} » ({cost} d'investissement total)."))
    out = [text.format(id=i18n.isolate(scope["convention_id"]), signed=fmt.date(scope["signed_on"]),
                       amount=fmt.mdh(scope["amount_dh"]),
                       title=i18n.isolate(scope["project_title"]),
                       cost=fmt.mdh(scope["project_cost_dh"]))]
    if "disbursements" in set(absent):
        out.append(_("Les déblocages ne sont pas renseignés : ce qui a été versé sur cette "
                     "convention est non renseigné."))
    elif _n(scope["amount_dh"]):
        rest = _n(scope["remaining_dh"])
        tail = (_("reste {rest} à débloquer.").format(rest=fmt.mdh(rest)) if rest >= 0 else
                _("les déblocages dépassent son montant de {over}.").format(
                    over=fmt.mdh(-rest)))
        out.append(_("{released} ont été débloqués sur cette convention, soit {share} de son "
                     "montant ; {tail}").format(
            released=fmt.mdh(scope["released_dh"]),
            share=fmt.percent(_n(scope["released_dh"]) / _n(scope["amount_dh"])), tail=tail))
    label = _(status["status_label"]).lower()
    out.append(_("Statut à la date d'arrêt : {status} — {reasons}.").format(
        status=label, reasons=status["reasons"]) if status.get("reasons") else
        _("Statut à la date d'arrêt : {status}.").format(status=label))
    if progress is not None and len(progress) and "actions" not in set(absent):
        p = progress.iloc[0]
        if _n(round(float(p["actions"]))):
            out.append(_("{finished} des {actions} actions sont achevées ; avancement physique "
                         "pondéré {rate}.").format(
                finished=fmt.number(p["actions_finished"]), actions=fmt.number(p["actions"]),
                rate=fmt.percent(p["weighted_progress_rate"])))
    return out[:5]


def explain(text: str) -> Html:
    """One sentence that says what a statistic means, under its table."""
    return Html(f'<p class="pv-explain">{_esc(text)}</p>')


def _year(year) -> str:
    """A year in a sentence (isolated in Arabic)."""
    return fmt.isolate_digits(str(year))


def data_messages(tables, absent: Iterable[str] = (), quarantined: int | None = None,
                  rows_in: int | None = None) -> list[str]:
    """Three to four messages about the data themselves (quality and exploration reports)."""
    names = {"disbursements": N_("déblocages"), "schedule": N_("échéancier"),
             "actions": N_("actions"), "commitments": N_("engagements"),
             "quartiers": N_("quartiers"), "centres": N_("centres")}
    out = [_("Les tables traitées comptent {projects}, {conventions} et {disbursements}.").format(
        projects=_plural(len(tables["projects"]), "{n} projet", "{n} projets"),
        conventions=_plural(len(tables["conventions"]), "{n} convention", "{n} conventions"),
        disbursements=_plural(len(tables["disbursements"]), "{n} déblocage",
                              "{n} déblocages"))]
    if rows_in is not None and quarantined is not None:
        share = fmt.percent(quarantined / rows_in) if rows_in else fmt.UNKNOWN
        out.append(_("La construction a lu {rows} et en a mis {quarantined} en quarantaine "
                     "({share}), chacune avec sa raison.").format(
            rows=_plural(rows_in, "{n} ligne", "{n} lignes"),
            quarantined=fmt.number(quarantined), share=share))
    gone = [_(names[a]) for a in absent if a in names]
    out.append(_("Sources absentes ou vides : {sources} ; leurs chiffres sont « non "
                 "renseigné ».").format(sources=", ".join(gone)) if gone else
               _("Toutes les sources attendues sont présentes."))
    return out
