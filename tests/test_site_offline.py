"""The report site is self-contained: opened in a headless browser with the network cut off,
every page renders, maps included; data strings never become markup."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import NOTEBOOKS

from pvanalysis import store
from pvanalysis.reports import HTML_MAX_BYTES, run_batch

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
