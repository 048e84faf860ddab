"""The report site is self-contained: opened in a headless browser with the network cut off,
every page renders, maps included; data strings never become markup."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import NOTEBOOKS
from toys import TOY_NAMES, toy_territory_batch

from pvanalysis import store
from pvanalysis.reports import HTML_MAX_BYTES, run_batch, write_index

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
EVIL = '<script>alert("pv")</script><img src=x onerror=alert(2)> Taza'


@pytest.fixture(scope="module")
def evil_site(sample_processed, tmp_path_factory):
    """A copy of the sample whose first royal project has a title full of markup, with its
    convention dashboard and its region's sheet run on it."""
    root = tmp_path_factory.mktemp("evil")
    processed = root / "processed"
    shutil.copytree(sample_processed, processed)
    version = store.current(processed)
    projects = version.read("projects")
    projects.loc[projects["project_id"] == "PR-00001", "title"] = EVIL
    with store.publish(processed) as draft:  # a new version with the edited projects
        draft.link_from(version, [n for n in version.names() if n != "projects"])
        projects.to_parquet(draft.path / "projects.parquet")
        draft.manifest = {k: v for k, v in version.manifest.items()
                          if k not in ("version", "published_at", "files", "data_sha256")}
    region = str(projects.loc[projects["project_id"] == "PR-00001", "region_code"].iloc[0])
    config = {"reports": [{"kind": "convention", "params": {"convention_id": "CC-R00001"}},
                          {"kind": "territoire", "params": {"level": "region",
                                                            "code": region}}]}
    return run_batch(config, root / "site", jobs=2, processed_dir=processed,
                     notebooks_dir=NOTEBOOKS)


def _pages(site) -> list[Path]:
    return [site.index, *sorted(site.out_dir.glob("*/*/*.html"))]


def test_html_reports_have_no_code_and_stay_small(report_site):
    for r in report_site.reports:
        if not r.ok:
            continue
        page = report_site.out_dir / r.report_id / "rapport.html"
        text = page.read_text("utf-8")
        assert page.stat().st_size < HTML_MAX_BYTES, page
        assert "import pvanalysis" not in text and "pv.reports." not in text
        assert "pv.present." not in text and "pv.sections." not in text
        assert '<div class="highlight' not in text and 'class="jp-InputPrompt' not in text
        assert "cdn.jsdelivr" not in text and "require.js" not in text


def test_a_markup_title_shows_as_text(evil_site):
    assert all(r.ok for r in evil_site.reports), [r.error for r in evil_site.reports]
    for r in evil_site.reports:
        text = (evil_site.out_dir / r.report_id / "rapport.html").read_text("utf-8")
        assert '<script>alert("pv")' not in text and "<img src=x" not in text
    dashboard = evil_site.out_dir / evil_site.reports[0].report_id / "rapport.html"
    assert '&lt;script&gt;alert("pv")&lt;/script&gt;&lt;img src=x' in dashboard.read_text("utf-8")
    assert "&lt;script&gt;" in evil_site.index.read_text("utf-8")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("chromium absent (make browser installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        yield chromium
        chromium.close()


def _open(browser, path: Path):
    """Open a page with every non-file request aborted; return (page, external, problems)."""
    page = browser.new_page()
    external, problems = [], []

    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:", "about:", "blob:")):
            r.continue_()
        else:
            external.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: problems.append(f"erreur JS : {exc}"))
    page.on("dialog", lambda d: (problems.append(f"dialogue : {d.message}"), d.dismiss()))
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    return page, external, problems


def _leaflet_frames(page) -> list:
    return [f for f in page.frames if f.query_selector(".leaflet-container") is not None]


def test_every_page_renders_offline_with_its_maps(report_site, browser):
    checked = 0
    for path in _pages(report_site):
        page, external, problems = _open(browser, path)
        assert external == [], f"{path}: {external}"
        assert problems == [], f"{path}: {problems}"
        assert page.inner_text("body").strip(), path
        if path.name == "rapport.html" and path.parent.parent.name in ("bilan", "territoire"):
            frames = _leaflet_frames(page)
            assert frames, f"{path}: no Leaflet map rendered"
            assert frames[0].query_selector_all("path.leaflet-interactive"), path
        page.close()
        checked += 1
    assert checked >= 1 + sum(r.ok for r in report_site.reports)


def test_markup_titles_are_inert_in_the_browser(evil_site, browser):
    for path in _pages(evil_site):
        page, external, problems = _open(browser, path)
        assert external == [] and problems == [], f"{path}: {external} {problems}"
        page.close()
    dashboard = evil_site.out_dir / evil_site.reports[0].report_id / "rapport.html"
    page, _, _ = _open(browser, dashboard)
    assert '<script>alert("pv")</script>' in page.inner_text("body")
    page.close()


# --------------------------------------------------------------------------------------------
# The country site: every territory and convention, by region and province, with a search
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def country_index(sample_processed, tmp_path_factory):
    """The index pages of the country batch written for its ~1 900 reports (results made
    here, no notebook run): every other commune failed, to check the filters."""
    from pvanalysis import reports

    out = tmp_path_factory.mktemp("pays")
    pairs = reports.expand_config(reports.load_config("pays"), sample_processed)
    results = []
    for i, (kind, params) in enumerate(pairs):
        ok = not (params.get("level") == "commune" and i % 2)
        results.append(reports.ReportResult(
            kind, params, reports.report_id(kind, params), "ok" if ok else "error",
            0 if ok else 1, None if ok else "erreur dans la cellule [3] : essai", 1.0))
    batch = reports.BatchResult(results, out, out / "index.html", out / "manifest.json", 9.0,
                                "sha", store.current(sample_processed).id)
    reports.write_index(batch, reports.territory_names(store.current(sample_processed)))
    return batch


def test_the_country_index_is_split_by_region_and_province(country_index, sample_processed):
    out = country_index.out_dir
    regions = sorted((out / "territoires").glob("region-*.html"))
    provinces = sorted((out / "territoires").glob("province-*.html"))
    communes = store.current(sample_processed).read("communes", ["code"])["code"]
    # a page per province holding communes (préfectures d'arrondissements: on their region's)
    assert len(regions) == 12 and len(provinces) == communes.str.slice(0, 6).nunique() == 75
    for page in [country_index.index, *regions, *provinces]:
        assert page.stat().st_size < HTML_MAX_BYTES, page
    national = country_index.index.read_text("utf-8")
    assert national.count('href="territoires/region-') == 12
    fes = (out / "territoires" / "province-03.231.html").read_text("utf-8")
    assert "Province : Fès" in fes and "فاس" in fes and 'href="region-03.html"' in fes
    assert 'href="../territoire/territoire-commune-03.231.01.0/rapport.html"' not in fes  # no page
    assert "Méchouar-Fès-El Jadid" in fes


def test_the_country_search_finds_fes_in_french_and_arabic(country_index, browser):
    page, external, problems = _open(browser, country_index.index)
    assert external == [] and problems == []

    def found(query, status=""):
        page.fill("#q", query)
        page.select_option("#status", status)
        return page.inner_text("#resultats")

    assert "Commune : Fès" in found("Fès") and "Province : Fès" in found("Fès")
    assert "فاس" in found("فاس") and "Fès" in found("فاس")
    assert "Fès" in found("fes") and "Fès-Meknès" in found("fes meknes")
    assert "03.231" in found("03.231")
    hits = found("", status="error")
    assert "échec" in hits and "réussi" not in hits
    assert "rapports trouvés" in page.inner_text("#compte")
    page.screenshot(path=str(country_index.out_dir / "recherche.png"), full_page=False)
    page.close()


def test_the_arabic_pages_render_offline_and_search_by_arabic_or_french_name(tmp_path,
                                                                             browser):
    write_index(toy_territory_batch(tmp_path, True), TOY_NAMES)
    arabic = [tmp_path / "index.ar.html", *sorted((tmp_path / "territoires").glob("*.ar.html"))]
    for path in arabic:
        page, external, problems = _open(browser, path)
        assert external == [] and problems == [], f"{path}: {external} {problems}"
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl", path
        page.close()
    page, _, _ = _open(browser, arabic[0])

    def found(query):
        page.fill("#q", query)
        return page.inner_text("#resultats").splitlines()

    # the province and the commune named Fès first, whichever language the name is typed in
    for query in ("فاس", "Fès", "fes"):
        hits = found(query)
        assert [h.split(" — ")[0] for h in hits[:2]] == ["إقليم فاس Fès", "جماعة فاس"], query
        assert len(hits) >= 4, query
    assert found("مشور")[0].startswith("جماعة مشور فاس الجديد Méchouar-Fès-El Jadid")
    assert "عدد التقارير المعثور عليها" in page.inner_text("#compte")
    page.click('a[href="territoires/region-03.ar.html"]')
    assert page.url.endswith("/territoires/region-03.ar.html")
    page.click('.lang a[lang="fr"]')
    assert page.url.endswith("/territoires/region-03.html")
    page.close()
