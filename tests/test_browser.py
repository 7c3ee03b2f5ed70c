"""The built pages in a real (headless) browser with the network unavailable.

Uses Debian's Chromium (`apt-get install chromium`) driven by Playwright; no
browser is downloaded. Screenshots land in _build/screenshots/ for people to
look at, in the theme's light and dark modes. axe-core (vendored) checks every page against
WCAG 2 A and AA.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading

import pytest
import yaml
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = ROOT / "vendor" / "axe-core" / "axe.min.js"  # the accessibility checker, vendored
SHOTS = ROOT / "_build" / "screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
_TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
PAGES = [_TOC["root"]] + [ch["file"] for part in _TOC["parts"] for ch in part["chapters"]]
KOREAN = [f"ko/{page}" for page in PAGES]  # the Korean edition (scripts/edition.py html ko)
CHAPTERS = [p for p in PAGES + KOREAN if p.removeprefix("ko/").startswith("chapters/")]

if CHROMIUM is None:
    message = "no Chromium: install it with `apt-get install chromium` (Debian) to run the browser tests"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (under CI a skip is a failure)", pytrace=False)
    pytest.skip(message, allow_module_level=True)


@pytest.fixture(scope="module")
def site(built_book, korean_book):
    """Serve _build/html, with the Korean edition in ko/, on 127.0.0.1 (fonts do not load
    from file:// URLs)."""
    html, _ = built_book
    handler = functools.partial(QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def open_page(browser, site, name, theme="light"):
    """Open a page with every request off 127.0.0.1 refused; collect problems."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(f"localStorage.setItem('theme', '{theme}'); localStorage.setItem('mode', '{theme}');")
    page = context.new_page()
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def route(r):
        if r.request.url.startswith(site):
            r.continue_()
        else:
            problems.append(f"network request: {r.request.url}")
            r.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: r.url.startswith(site) and problems.append(f"failed: {r.url}"))
    page.goto(f"{site}/{name}.html", wait_until="load", timeout=120_000)  # slow on a loaded CI
    if page.locator("script[src*='mathjax']").count():  # Sphinx loads it on pages with math
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=10_000)
        page.evaluate("() => MathJax.startup.promise")
    page.wait_for_timeout(300)
    return context, page, problems


def visible_search_fields(page) -> list[str]:
    """Every search field or search button a reader can see (sidebar, header bar, article)."""
    return page.evaluate("""() => {
        const fields = Array.from(document.querySelectorAll(
            ".search-button-field, .search-button__button, input[type=search]"));
        return fields
            .filter(e => !fields.some(o => o !== e && o.contains(e)))  // count nested ones once
            .filter(e => e.checkVisibility() && e.getBoundingClientRect().width > 0)
            .map(e => (e.closest("header, nav, aside, article, .bd-sidebar-primary") || e).className
                      .toString().split(" ")[0] || e.tagName);
    }""")


def check_launch_links(page, name):
    """With the address set, Colab opens this chapter at the pinned ref; unset, no button.
    Either way the page offers its notebook for download."""
    name = name.removeprefix("ko/")  # both editions open the same notebook
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"]
    hrefs = page.eval_on_selector_all("a[href*='colab.research.google.com']",
                                      "els => els.map(e => e.href)")
    if not url:
        assert not hrefs, f"a Colab button while the repository address is unset: {hrefs}"
    else:
        repo, ref = url.removeprefix("https://github.com/"), config["repository"]["branch"]
        assert f"https://colab.research.google.com/github/{repo}/blob/{ref}/{name}.ipynb" in hrefs
    downloads = page.eval_on_selector_all("a[href$='.ipynb']", "els => els.map(e => e.href)")
    assert any(h.endswith(f"{name.split('/')[-1]}.ipynb") for h in downloads), "no .ipynb download"


def hangul_fonts_of(page, selector: str) -> list[str]:
    """The installed fonts Chromium drew the element's text with that have Hangul glyphs
    (empty: the Korean text came out as empty boxes, or in no font at all)."""
    hangul = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True,
                            text=True).stdout
    families = {name.strip() for line in hangul.splitlines() for name in line.split(",")}
    client = page.context.new_cdp_session(page)
    client.send("DOM.enable")
    client.send("CSS.enable")
    root = client.send("DOM.getDocument")["root"]["nodeId"]
    node = client.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = client.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return [f["familyName"] for f in fonts if f["familyName"] in families and f["glyphCount"]]


def accessibility_violations(page) -> list[str]:
    """axe-core's WCAG 2 A and AA rules on the page as it is: 'rule (impact): elements'."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}});
        return result.violations.map(v => `${v.id} (${v.impact}): ` +
            v.nodes.slice(0, 3).map(n => n.html.slice(0, 120)).join(" | "));
    }""")


@pytest.mark.parametrize("name", PAGES + KOREAN)
def test_page_renders_offline(browser, site, name):
    context, page, problems = open_page(browser, site, name)
    try:
        text = page.inner_text("article")
        assert "\\(" not in text and "$$" not in text, "raw TeX left on the page"
        if page.locator("div.math, span.math").count():
            assert page.locator("mjx-container").count() > 0, "MathJax typeset nothing"
        searches = visible_search_fields(page)
        assert len(searches) == 1, f"{len(searches)} visible search fields, want 1: {searches}"
        broken = page.evaluate(
            "() => Array.from(document.querySelectorAll('article img'))"
            ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))")
        assert not broken, f"images that did not load: {broken}"
        if name in CHAPTERS:
            check_launch_links(page, name)  # on the same page load: opening each page costs seconds
        if name in KOREAN:
            page.evaluate("""() => Array.from(document.querySelectorAll('article p'))
                .find(p => /[가-힣]/.test(p.textContent)).dataset.hangulProbe = 'yes'""")
            assert hangul_fonts_of(page, "[data-hangul-probe]"), "Korean text in no Hangul font"
        violations = accessibility_violations(page)
        assert not violations, f"WCAG 2 A/AA violations (axe-core): {violations}"
        for theme in ("light", "dark"):
            if theme == "dark":
                page.evaluate("() => document.documentElement.dataset.theme = 'dark'")
                page.wait_for_timeout(200)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=SHOTS / f"{name.replace('/', '_')}-{theme}.png", full_page=False)
        assert not problems, problems
    finally:
        context.close()


@pytest.mark.parametrize("name", CHAPTERS)
def test_sliders_move_without_a_kernel(browser, site, name):
    context, page, problems = open_page(browser, site, name)
    try:
        sliders = page.locator(".helpers-slider")
        assert sliders.count() >= 1, "every chapter has at least one slider that moves"
        for k in range(sliders.count()):
            slider = sliders.nth(k)
            slider.scroll_into_view_if_needed()
            image, knob = slider.locator("img"), slider.locator("input[type=range]")
            assert image.evaluate("i => i.complete && i.naturalWidth > 0")
            before, readout = image.get_attribute("src"), slider.locator("output").inner_text()
            last = int(knob.get_attribute("max"))
            target = 0 if int(knob.input_value()) != 0 else last
            knob.focus()
            page.keyboard.press("Home" if target == 0 else "End")
            assert int(knob.input_value()) == target
            assert image.get_attribute("src") != before, "moving the slider did not change the figure"
            assert slider.locator("output").inner_text() != readout
            if k == 0:
                page.screenshot(path=SHOTS / f"{name.replace('/', '_')}-slider-moved.png")
        assert not problems, problems
    finally:
        context.close()


def test_figure_code_opens_on_a_click(browser, site):
    """A cell that only draws a figure (tagged hide-input) shows the figure, not its code,
    until the reader clicks "Show code cell source"."""
    context, page, problems = open_page(browser, site, "chapters/01_neuron")
    try:
        cell = page.locator("div.cell.tag_hide-input").first
        cell.scroll_into_view_if_needed()
        assert cell.locator(".cell_output img").first.is_visible(), "the figure is hidden"
        code = cell.locator(".cell_input").first
        assert not code.is_visible(), "the figure's code is shown before the click"
        cell.locator("summary").first.click()
        code.wait_for(state="visible", timeout=5_000)
        assert "plt" in code.inner_text() or "ax." in code.inner_text()
        assert not problems, problems
    finally:
        context.close()


@pytest.mark.parametrize(("edition", "query"), [
    ("", "backpropagation"), ("", "역전파"), ("", "vanishing gradient"), ("", "사라지는 영향력"),
    ("ko/", "역전파"), ("ko/", "사라지는 영향력")])
def test_search_finds_the_glossary_offline(browser, site, edition, query):
    """Type a glossary term into the theme's search field, as a reader does: the offline
    search index must list the glossary page, in English and in Korean, and the Korean
    edition's search its own Korean pages."""
    context, page, problems = open_page(browser, site, f"{edition}intro")
    page.keyboard.press("Control+k")  # the theme's search shortcut opens the field
    field = page.locator("input[name='q']:visible").first
    field.fill(query)
    field.press("Enter")
    page.wait_for_url("**/search.html?q=*")
    # Sphinx lists the results one by one, fetching each page's source for its snippet: on
    # the Korean pages 역전파 matches nearly every page, so wait for the glossary, not the end.
    try:
        page.wait_for_function(
            "page => Array.from(document.querySelectorAll('#search-results ul.search li a'))"
            ".some(a => new URL(a.href).pathname.endsWith(page))", arg=f"/{edition}glossary.html",
            timeout=60_000)
    except PlaywrightTimeout:  # say what it found instead
        links = page.eval_on_selector_all("#search-results ul.search li a",
                                          "els => els.map(e => e.href)")
        pytest.fail(f"searching {query!r} offline did not list the glossary: {links[:10]}")
    finally:
        context.close()
    assert not problems, problems
