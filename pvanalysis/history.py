"""The "Depuis l'édition du …" section of the scheduled reports and the site's "Nouveautés"
page.

A notebook calls :func:`since_edition` once, after writing its key figures: the section is
shown and ``figures.json`` gains ``changes`` (previous values, changes, releases, statuses,
revisions; :meth:`pvanalysis.indicators.changes.Changes.to_dict`). :func:`check_since`
validates the ``since`` parameter in the validation cell. After a batch, :func:`write_news`
gathers the ``changes`` of every report's ``figures.json`` into ``nouveautes.html``.

What changed is computed by :mod:`pvanalysis.indicators.changes`; this module only shows it.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from . import fmt, store
from .config import CONVENTION_KINDS
from .errors import PvInputError
from .i18n import N_, _
from .present import FIGURES_NAME, Html, format_value, note, table, write_figures

#: The site page written by :func:`write_news`, in the batch folder.
NEWS_NAME = "nouveautes.html"
#: Its Jinja2 template, relative to ``pvanalysis/templates``.
NEWS_TEMPLATE = "site/nouveautes.html.j2"
#: French names of the fields a revision may touch.
FIELD_LABELS = {"amount_dh": N_("montant"), "released_on": N_("date"),
                "partner_id": N_("partenaire"), "convention_id": N_("convention"),
                "committed_dh": N_("montant engagé"), "signed_on": N_("date de signature"),
                "planned_end": N_("fin prévue"), "": ""}


def _date(stamp) -> str:
    """A date in words: ``2 décembre 2026``."""
    from babel.dates import format_date

    from . import i18n

    if i18n.active() != "fr":
        return fmt.date(stamp)
    return format_date(stamp, format="d MMMM y", locale=fmt.LOCALE)


def _signed(figure: str, change: int) -> str:
    text = format_value(figure, abs(change)) if figure.endswith("_dh") else fmt.number(abs(change))
    return ("+" if change > 0 else "−" if change < 0 else "") + text


def check_since(since: str = "", processed_dir=None) -> None:
    """Check the ``since`` parameter of a report (a date ``AAAA-MM-JJ`` or a version id).

    Raises
    ------
    ParameterError
        Neither a date nor a known version, or no version that old (French message listing
        the earlier versions).
    """
    from .indicators import changes

    changes.base_version(store.current(processed_dir), since)


def _heading(changes) -> str:
    if changes.first_edition:
        return _("Depuis l'édition précédente")
    return _("Depuis l'édition du {date}").format(date=_date(changes.base_date))


def _figures_table(changes) -> Html:
    rows = changes.figures.assign(
        before_text=[format_value(f, v) for f, v in zip(changes.figures["figure"],
                                                        changes.figures["before"], strict=True)],
        now_text=[format_value(f, v) for f, v in zip(changes.figures["figure"],
                                                     changes.figures["now"], strict=True)],
        change_text=[_signed(f, v) for f, v in zip(changes.figures["figure"],
                                                   changes.figures["change"], strict=True)])
    return table(rows[["label", "before_text", "now_text", "change_text"]],
                 labels={"label": _("Chiffre"),
                         "before_text": _("Édition précédente ({date})").format(
                             date=_date(changes.base_date)),
                         "now_text": _("Cette édition ({date})").format(
                             date=_date(changes.now_date)),
                         "change_text": _("Évolution")},
                 caption=_("Chiffres clés, édition précédente et cette édition"))


def _status_table(changes) -> Html:
    from .indicators.changes import STALLED_MONTHS, STATUS_LABELS

    rule = Html(note(_(
        "Règle : un projet est achevé quand sa date d'achèvement effectif est renseignée ; en "
        "retard quand son achèvement prévu est passé à la date d'arrêt des données sans qu'il "
        "soit achevé ; à l'arrêt quand aucun déblocage n'a suivi, {months} mois après, la "
        "signature de sa convention cadre.").format(months=fmt.number(STALLED_MONTHS))).text)
    if changes.status.empty:
        return Html(note(_("Aucun projet n'est devenu en retard, à l'arrêt ou achevé.")).text
                    + rule.text)
    shown = changes.status.assign(status_label=changes.status["status"].map(STATUS_LABELS))
    return Html(table(shown[["project_id", "title", "status_label"]],
                      labels={"status_label": N_("Devenu")},
                      caption=N_("Projets dont la situation a changé")).text + rule.text)


def _revisions_table(changes) -> Html:
    if changes.revisions.empty:
        return note(_("Aucune révision des enregistrements déjà publiés."))
    rev = changes.revisions
    shown = rev.assign(
        field_label=rev["field"].map(FIELD_LABELS).fillna(rev["field"]).map(_),
        before_text=[format_value(f, v) for f, v in zip(rev["field"], rev["before"],
                                                        strict=True)],
        after_text=[_(v) if v == "supprimé" else format_value(f, v)
                    for f, v in zip(rev["field"], rev["after"], strict=True)])
    text = table(shown[["record", "record_id", "field_label", "before_text", "after_text"]],
                 labels={"record": N_("Enregistrement"), "record_id": N_("Identifiant"),
                         "field_label": N_("Champ"), "before_text": N_("Avant"),
                         "after_text": N_("Après")},
                 caption=N_("Révisions des données (avant → après)")).text
    return Html(text + note(_("Corrections rétroactives d'enregistrements déjà publiés : "
                              "elles modifient les chiffres de l'édition précédente et ne sont "
                              "pas comptées comme de nouveaux déblocages.")).text)


def section(changes) -> Html:
    """The "Depuis l'édition du …" section of one report, as escaped HTML.

    Parameters
    ----------
    changes : Changes
        From :func:`pvanalysis.indicators.changes.changes`.
    """
    head = f'<h2 id="depuis-edition">{html.escape(_heading(changes))}</h2>'
    if changes.first_edition:
        return Html(head + note(_("Première édition : rien à comparer pour l'instant.")).text)
    iso = fmt.isolate_digits
    version = note(_("Comparaison avec la version {base} des données (arrêtée le {date}) ; "
                     "cette édition : version {now}.").format(
        base=iso(str(changes.base_id)), date=_date(changes.base_date),
        now=iso(str(changes.now_id))))
    if changes.unchanged:
        return Html(head + note(_("Aucun changement depuis l'édition du {date}.").format(
            date=_date(changes.base_date))).text + version.text)
    e = html.escape
    h_conventions, h_releases = e(_("Conventions signées")), e(_("Déblocages"))
    h_projects, h_revisions = e(_("Projets")), e(_("Révisions des données"))
    parts = [head, version.text, _figures_table(changes).text,
             f"<h3>{h_conventions}</h3>",
             table(changes.conventions.assign(kind=changes.conventions["kind"].map(
                 CONVENTION_KINDS).fillna(changes.conventions["kind"])),
                   caption=N_("Conventions signées depuis l'édition précédente")).text
             if len(changes.conventions)
             else note(_("Aucune convention signée.")).text,
             f"<h3>{h_releases}</h3>"]
    if changes.releases.empty:
        parts.append(note(_("Aucun nouveau déblocage.")).text)
    else:
        parts.append(table(changes.by_partner.drop(columns="partner_id"),
                           labels={"releases": N_("Déblocages")},
                           caption=N_("Nouveaux déblocages par partenaire")).text)
        parts.append(table(changes.releases.drop(columns="partner_id"),
                           caption=N_("Nouveaux déblocages")).text)
    parts += [f"<h3>{h_projects}</h3>", _status_table(changes).text,
              f"<h3>{h_revisions}</h3>", _revisions_table(changes).text]
    return Html("".join(parts))


def since_edition(processed_dir, since: str = "", slice_=None,
                  output_dir: str | Path | None = None) -> Html:
    """What changed since the previous edition, for one report: shown and saved.

    Parameters
    ----------
    processed_dir : path
        The version the report reads.
    since : str, default ""
        Edition compared with: empty for the previous version, a date or a version id
        (:func:`pvanalysis.indicators.changes.base_version`).
    slice_ : Slice, optional
        The report's slice (``where`` in the notebooks).
    output_dir : path, optional
        The report folder: its ``figures.json`` (written before) gains ``changes``.

    Returns
    -------
    Html
        The section (its heading, key figures before / now / change, conventions, releases
        by partner, projects whose status changed, revisions apart).
    """
    from .indicators import changes as compute

    found = compute.changes(processed_dir, slice_, since)
    if output_dir is not None:
        path = Path(output_dir) / FIGURES_NAME
        figures = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        figures.pop("data_version", None)
        write_figures({**figures, "changes": found.to_dict()}, output_dir, processed_dir)
    return section(found)


# --------------------------------------------------------------------------------------------
# The "Nouveautés" page of the site
# --------------------------------------------------------------------------------------------

def _summary(changes: dict) -> str:
    """One French line for a report's changes."""
    if changes.get("first_edition"):
        return "première édition : rien à comparer"
    if changes.get("unchanged"):
        return "aucun changement"
    releases = changes.get("releases") or []
    amount = sum(int(r.get("amount_dh") or 0) for r in releases)
    status = changes.get("status") or {}
    counts = [(len(changes.get("conventions_signed") or []), "convention(s) signée(s)"),
              (len(releases), f"déblocage(s) ({fmt.mdh(amount)})"),
              (len(status.get("late", [])), "projet(s) devenu(s) en retard"),
              (len(status.get("stalled", [])), "projet(s) à l'arrêt"),
              (len(status.get("finished", [])), "projet(s) achevé(s)"),
              (len(changes.get("revisions") or []), "révision(s) des données")]
    return ", ".join(f"{n} {what}" for n, what in counts if n) or "aucun changement"


def news_items(out_dir: str | Path) -> list[dict]:
    """Every report of a batch folder whose ``figures.json`` holds ``changes``.

    Returns
    -------
    list of dict
        ``title``, ``href`` (the report page, relative), ``kind``, ``summary`` (French line)
        and ``changes``; the national bilan first, then by title.
    """
    out = Path(out_dir)
    items = []
    for path in sorted(out.rglob(FIGURES_NAME)):
        try:
            figures = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found = figures.get("changes")
        if not isinstance(found, dict):
            continue
        folder = path.parent.relative_to(out).as_posix()
        items.append({"title": str(figures.get("title") or folder), "kind": figures.get("kind"),
                      "href": f"{folder}/rapport.html", "summary": _summary(found),
                      "changes": found})
    return sorted(items, key=lambda i: (i["kind"] != "bilan", i["title"]))


def _national(item: dict | None) -> dict | None:
    """What the page shows of the national bilan's changes (formatted rows)."""
    if item is None or item["changes"].get("first_edition"):
        return None
    found = item["changes"]
    figures = [(k, v) for k, v in (found.get("key_figures") or {}).items()]
    from .indicators.changes import KEY_FIGURES

    return {
        "base_date": _date(_stamp(found["base_date"])),
        "figures": [(KEY_FIGURES.get(k, k), format_value(k, v["before"]),
                     format_value(k, v["now"]), _signed(k, v["change"])) for k, v in figures],
        "partners": [(str(p.get("partner") or p.get("partner_id")), fmt.number(p["releases"]),
                      fmt.mdh(p["amount_dh"])) for p in found.get("releases_by_partner", [])],
        "revisions": len(found.get("revisions") or []),
    }


def _stamp(text):
    import pandas as pd

    return pd.Timestamp(text)


def write_news(out_dir: str | Path) -> Path | None:
    """Write the site's national "Nouveautés" page from the reports' ``figures.json``.

    Call it after the reports of a batch are written (next to the site index). French,
    escaped (Jinja2 autoescape), inline CSS, nothing fetched.

    Returns
    -------
    Path or None
        ``out_dir/nouveautes.html``; None when no report carries changes.
    """
    import jinja2

    items = news_items(out_dir)
    if not items:
        return None
    bilan = next((i for i in items if i["kind"] == "bilan"), None)
    folder = Path(__file__).resolve().parent / "templates"
    if not (folder / NEWS_TEMPLATE).is_file():
        raise PvInputError(f"gabarit absent : {folder / NEWS_TEMPLATE}")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    page = env.get_template(NEWS_TEMPLATE).render(national=_national(bilan), items=items)
    path = Path(out_dir) / NEWS_NAME
    path.write_text(page, encoding="utf-8")
    return path
