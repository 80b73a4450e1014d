"""The page of `derive serve` (derive/serve/static/) in a real browser: Debian's headless Chromium,
driven by Selenium through chromedriver, against a server started on 127.0.0.1 (tests/support/server.py).

One server and one browser for the module (each costs seconds to start).  Every wait is explicit
(WebDriverWait on a state the page sets: #answer's data-state / data-rendered), never a sleep.

DERIVE_SCREENSHOT=docs/img/serve.png makes test_screenshot save the page it drives as a PNG.
"""

import json
import os
import re
import shutil
import tempfile
import urllib.parse

import pytest

from tests.support.server import running_server

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 30  # seconds; the first request in a fresh worker takes a second or two
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--no-default-browser-check", "--mute-audio",
         "--force-color-profile=srgb", "--lang=en-US"]

SLIP = "d/dx (x^2*sin(x))\n= 2*x*sin(x) + x^2*cos(x)\n= 2*x*sin(x) - x^2*cos(x)"
LATEX_SLIP = ("\\begin{align}\n\\frac{d}{dx} e^{x^2} &= e^{x^2} \\cdot 2x \\\\\n&= 2x e^{x^2} \\\\\n"
              "&= x e^{x^2}\n\\end{align}")
SIGMOID = {"op": "check", "f": "1/(1+exp(-z))", "wrt": "z", "claim": "2*s*(1-s)", "let": "s = 1/(1+exp(-z))"}


@pytest.fixture(scope="module")
def server():
    with running_server(workers=2) as s:
        yield s


@pytest.fixture(scope="module")
def driver():
    assert os.path.exists(CHROMIUM), f"no {CHROMIUM}: the page's tests need a browser (apt-get install chromium " \
                                     "chromium-driver)"
    assert os.path.exists(CHROMEDRIVER), f"no {CHROMEDRIVER}: the page's tests drive Chromium through it " \
                                         "(apt-get install chromium chromium-driver)"
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:  # a failure, not a skip: the page would go untested
        pytest.fail("selenium is not installed (pip install 'selenium>=4.10')")
    profile = tempfile.mkdtemp(prefix="derive-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # Selenium Manager never looks for (or downloads) a browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    browser = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    browser.set_window_size(1200, 1000)
    browser.set_page_load_timeout(WAIT)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


# ---------- helpers ----------

def wait(driver, condition, message=""):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(condition, message)


def js(driver, script, *args):
    return driver.execute_script(script, *args)


def open_page(driver, server, path="/", **query):
    url = server.url(path + ("?" + urllib.parse.urlencode(query) if query else ""))
    driver.get(url)
    wait(driver, lambda d: js(d, "return document.documentElement.dataset.ready === 'true'"), "the page's script ran")


def settled(section):
    """A condition: #section shows an answer with its formulas rendered, or an error."""
    def condition(driver):
        return js(driver, "const e = document.getElementById(arguments[0]);"
                          "return !e.hidden && (e.dataset.rendered === 'true' || e.dataset.state === 'error')",
                  section)
    return condition


def wait_answer(driver, section="answer"):
    wait(driver, settled(section), f"#{section} to show an answer")
    return driver.find_element("id", section)


def by(driver, css):
    return driver.find_elements("css selector", css)


def mi_texts(element):
    return {mi.get_attribute("textContent") for mi in element.find_elements("css selector", "mi")}


def choose(driver, select_id, value):
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("id", select_id)).select_by_value(value)


def fill(driver, field_id, text):
    field = driver.find_element("id", field_id)
    field.clear()
    field.send_keys(text)
    return field


def paste(driver, field_id, text):
    """Put text into a field the way a paste does: the value at once, then an input event."""
    js(driver, "const e = document.getElementById(arguments[0]); e.value = arguments[1];"
               "e.dispatchEvent(new Event('input', {bubbles: true}))", field_id, text)


def ctrl_enter(element):
    from selenium.webdriver.common.keys import Keys

    element.send_keys(Keys.CONTROL, Keys.ENTER)


# ---------- the tests ----------

def test_formula_preview_and_gradient_with_ctrl_enter(driver, server):
    from selenium.webdriver.common.keys import Keys

    open_page(driver, server)
    box = driver.find_element("id", "f")
    box.send_keys("x**2*y")
    # the live preview: what derive read, as MathML
    wait(driver, lambda d: by(d, "#preview-math math"), "the preview's MathML")
    preview = driver.find_element("css selector", "#preview-math math")
    assert mi_texts(preview) == {"x", "y"}
    assert preview.find_element("css selector", "msup mn").get_attribute("textContent") == "2"
    assert not driver.find_element("id", "preview-error").is_displayed()

    choose(driver, "op", "grad")
    fill(driver, "wrt", "x,y")
    ctrl_enter(box)  # Ctrl+Enter in the formula box runs, and adds no line to it
    answer = wait_answer(driver)
    assert box.get_attribute("value") == "x**2*y"
    assert answer.get_attribute("data-state") == "done"
    result = answer.find_element("css selector", ".formula.result")
    assert result.get_attribute("data-text") == "[2*x*y, x**2]"
    math = result.find_element("css selector", "math")
    assert math.find_elements("css selector", "mtable mtr") and len(math.find_elements("css selector", "mtr")) == 2
    entries = [mtd.get_attribute("textContent").replace("\u2062", "")  # invisible times
               for mtd in math.find_elements("css selector", "mtd")]
    assert entries == ["2xy", "x2"]
    assert mi_texts(math) == {"x", "y"}
    assert "gradcheck ok" in answer.find_element("css selector", ".validation").text
    assert by(driver, "#answer-body .steps li"), "the rules of --steps are shown"
    # each step's before = after, from derive's own LaTeX, drawn as MathML
    step = driver.find_element("css selector", "#answer-body .steps .step-formula.rendered math")
    assert "=" in step.get_attribute("textContent")
    status = driver.find_element("id", "answer-status")
    assert status.get_attribute("role") == "status" and "Gradient" in status.text
    # the state is in the address: a link reproduces the answer
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(driver.current_url).query)
    assert query["op"] == ["grad"] and query["f"] == ["x**2*y"] and query["wrt"] == ["x,y"]
    # the plot, an <img> of /plot.svg on this server
    wait(driver, lambda d: driver.find_element("id", "plot").get_attribute("data-state") in ("loaded", "none"),
         "the plot")
    plot = driver.find_element("id", "plot-img")
    assert driver.find_element("id", "plot").get_attribute("data-state") == "loaded"
    assert plot.get_attribute("src").startswith(server.url("/plot.svg?op=grad&"))
    assert js(driver, "return arguments[0].naturalWidth", plot) > 100
    # the kernel source, with its Copy button
    wait(driver, lambda d: "def kernel(x, y)" in d.find_element("id", "kernel-source").get_attribute("textContent"),
         "the kernel source")
    driver.find_element("id", "kernel-copy").click()
    wait(driver, lambda d: d.find_element("id", "kernel-copied").text, "the copy's note")
    # the JSON answer: the CLI's object as it is
    shown = json.loads(driver.find_element("id", "json-out").get_attribute("textContent"))
    assert shown["kind"] == "grad" and shown["result"] == [["2*x*y"], ["x**2"]]

    # Cmd+Enter (Meta) runs too: a Hessian this time
    choose(driver, "op", "hessian")
    box.send_keys(Keys.META, Keys.ENTER)
    answer = wait_answer(driver)
    result = answer.find_element("css selector", ".formula.result")
    assert result.get_attribute("data-text") == "[[2*y, 2*x], [2*x, 0]]"
    assert len(result.find_elements("css selector", "math mtr")) == 2


def test_derivation_with_a_slip(driver, server):
    open_page(driver, server)
    box = driver.find_element("id", "derivation")
    box.send_keys(SLIP)
    ctrl_enter(box)
    result = wait_answer(driver, "derivation-result")
    assert box.get_attribute("value") == SLIP
    assert result.get_attribute("data-state") == "wrong"
    lines = result.find_elements("css selector", "li.line")
    # the first line says what is derived; the two after it are the steps, checked
    assert [li.get_attribute("data-status") for li in lines] == ["ok", "wrong"]
    assert [li.find_element("css selector", ".mark").text for li in lines] == ["✓", "✗"]
    wrong = lines[1]
    assert wrong.find_element("css selector", ".line-text").text == "= 2*x*sin(x) - x^2*cos(x)"
    assert "first-error" in wrong.get_attribute("class").split() and wrong.get_attribute("aria-current") == "step"
    assert wrong.find_element("css selector", ".mark").get_attribute("aria-label") == "wrong"
    assert "sign" in wrong.find_element("css selector", ".line-explain").text
    counterexample = wrong.find_element("css selector", ".counterexample").text
    assert "at x = " in counterexample and "this line gives" in counterexample
    assert "first-error" not in lines[0].get_attribute("class")
    assert lines[0].get_attribute("aria-current") is None
    assert "line 2 is wrong" in driver.find_element("id", "derivation-status").text
    # the formulas are rendered after the answer is shown (POST /render): wait for f's, then read it
    rendered = wait(driver, lambda d: result.find_elements("css selector", ".block .formula math"), "f rendered")
    assert mi_texts(rendered[0]) == {"x", "sin"}  # f, rendered
    assert "derivation" in urllib.parse.parse_qs(urllib.parse.urlsplit(driver.current_url).query)

    # a LaTeX derivation, pasted, checked with the button
    paste(driver, "derivation", LATEX_SLIP)
    driver.find_element("id", "check-derivation").click()
    result = wait_answer(driver, "derivation-result")
    lines = result.find_elements("css selector", "li.line")
    assert [li.get_attribute("data-status") for li in lines] == ["ok", "ok", "wrong"]
    assert [li.find_element("css selector", ".mark").text for li in lines] == ["✓", "✓", "✗"]
    assert "first-error" in lines[2].get_attribute("class").split()
    assert "factor 2" in lines[2].find_element("css selector", ".line-explain").text
    assert "at x = " in lines[2].find_element("css selector", ".counterexample").text

    # a derivation derive cannot read says why
    paste(driver, "derivation", "hello world\n= what")
    ctrl_enter(box)
    result = wait_answer(driver, "derivation-result")
    assert "could not be read" in result.find_element("css selector", ".unreadable").text
    assert not result.find_elements("css selector", "li.line")


def test_url_state_runs_on_load(driver, server):
    open_page(driver, server, **SIGMOID)
    answer = wait_answer(driver)  # nothing clicked
    assert driver.find_element("id", "claim").get_attribute("value") == "2*s*(1-s)"
    assert driver.find_element("id", "op").get_attribute("value") == "check"
    verdict = answer.find_element("css selector", ".verdict")
    assert verdict.get_attribute("data-status") == "wrong" and verdict.get_attribute("data-mistake") == "factor"
    assert verdict.text.startswith("✗") and "factor 2" in verdict.text
    assert "✗" in driver.find_element("id", "answer-status").get_attribute("textContent")
    assert "z = -3" in answer.find_element("css selector", ".counterexample").text
    expected = answer.find_element("css selector", ".formula.expected")
    assert expected.find_elements("css selector", "math") and "sigmoid" in mi_texts(expected)
    claimed = answer.find_element("css selector", ".formula.claimed")
    assert claimed.get_attribute("data-text") == "2*s*(1 - s)" and mi_texts(claimed) == {"s"}
    assert "derivative of sigmoid" in answer.text  # the step where it goes wrong
    assert not driver.find_element("id", "plot").is_displayed()  # check draws no plot


def test_bad_input_shows_where(driver, server):
    open_page(driver, server, op="grad", f="x+", wrt="x")
    answer = wait_answer(driver)
    assert answer.get_attribute("data-state") == "error"
    error = answer.find_element("css selector", ".error")
    assert "ends too early" in error.text
    assert error.find_element("css selector", "pre").get_attribute("textContent") == "x+\n ^"
    wait(driver, lambda d: d.find_element("id", "preview-error").is_displayed(), "the preview's error")
    assert "column 2" in driver.find_element("id", "preview-error").text


def test_past_the_time_limit_the_page_says_so(driver):
    slow = {"op": "integrate", "f": "1/(1 + sin(x)**2)", "from": "0", "to": "1"}  # about 9 s: quadrature
    with running_server(workers=2, time_limit=1.5) as impatient:
        open_page(driver, impatient, **slow)
        answer = wait_answer(driver)
        assert answer.get_attribute("data-state") == "error"
        assert "did not finish in time" in answer.find_element("css selector", ".error").text
        assert "out of time" in driver.find_element("id", "answer-status").text


def test_fields_follow_the_operation(driver, server):
    open_page(driver, server)
    shown = lambda name: driver.find_element("id", name).is_displayed()  # noqa: E731
    choose(driver, "op", "integrate")
    assert shown("from") and shown("to") and shown("wrt") and not shown("at") and not shown("claim")
    choose(driver, "op", "check")
    assert shown("claim") and shown("kind") and not shown("from")
    choose(driver, "kind", "integral")
    assert shown("from") and shown("to") and not shown("u")
    choose(driver, "kind", "directional")
    assert shown("at") and shown("u") and not shown("from")
    choose(driver, "op", "codegen")
    assert shown("what") and shown("backend") and not shown("claim")
    choose(driver, "op", "kkt")
    assert shown("st") and shown("sense")
    # an operation without a view of its own shows the CLI's JSON
    choose(driver, "op", "shape")
    fill(driver, "f", "A @ x")
    fill(driver, "let", "A: 3 x 4, x: 4")
    driver.find_element("id", "run").click()
    wait_answer(driver)
    details = driver.find_element("id", "json-details")
    assert details.get_attribute("open") is not None
    assert "shapes" in json.loads(driver.find_element("id", "json-out").get_attribute("textContent"))


def test_xss_formulas_stay_text(driver, server):
    open_page(driver, server)
    box = driver.find_element("id", "f")
    box.send_keys("<img src=x onerror=window.__pwned=1>")
    wait(driver, lambda d: d.find_element("id", "preview-error").is_displayed(), "the preview's error")
    assert "<img src=x o" in driver.find_element("id", "preview-error").text  # shown as text
    ctrl_enter(box)
    answer = wait_answer(driver)
    assert answer.get_attribute("data-state") == "error"
    assert "<img" in answer.find_element("css selector", ".error").text

    box.clear()
    latex = "\\text{<img src=x onerror=window.__pwned=1>} + \\text{<script>window.__pwned=2</script>}"
    box.send_keys(latex)
    wait(driver, lambda d: d.find_element("id", "preview").get_attribute("data-state") in ("ok", "error")
         and not d.find_element("id", "preview-typed-row").get_attribute("hidden"), "the LaTeX preview")
    ctrl_enter(box)
    answer = wait_answer(driver)
    assert answer.get_attribute("data-state") == "error"
    where = answer.find_element("css selector", ".error pre").get_attribute("textContent")
    assert where.startswith(latex)  # the input, shown as text, a caret under the column

    # derivations, and the JSON answer, are text too
    paste(driver, "derivation", "d/dx <script>window.__pwned=3</script>\n= <img src=x onerror=window.__pwned=4>")
    driver.find_element("id", "check-derivation").click()
    result = wait_answer(driver, "derivation-result")
    assert "<script>" in result.text or "unexpected" in result.text

    assert js(driver, "return typeof window.__pwned") == "undefined"
    for css in ("#preview img", "#preview script", "#answer-body img", "#answer-body script",
                "#derivation-body img", "#derivation-body script", "#json-out *", "math *[onerror]"):
        assert not by(driver, css), css
    assert len(by(driver, "img")) == 1  # the plot's, only

    # the client's allowlist rebuild itself: whatever the server sent, only MathML survives, as new nodes
    hostile = ('<math xmlns="http://www.w3.org/1998/Math/MathML" onclick="window.__pwned=5">'
               '<mi href="javascript:window.__pwned=6" style="color:red" mathvariant="bold">x</mi>'
               '<script xmlns="http://www.w3.org/1999/xhtml">window.__pwned=7</script>'
               '<img xmlns="http://www.w3.org/1999/xhtml" src="x" onerror="window.__pwned=8"/>'
               '<mtext>&lt;img src=x onerror=window.__pwned=9&gt;</mtext>'
               '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=10"/></math>')
    markup = js(driver, "const m = window.derivePage.rebuildMath(arguments[0]);"
                        "document.getElementById('answer-body').append(m); return m.outerHTML", hostile)
    assert markup == ('<math><mi mathvariant="bold">x</mi><mtext>&lt;img src=x onerror=window.__pwned=9&gt;</mtext>'
                      '</math>')
    assert js(driver, "return window.derivePage.rebuildMath('<math><mi>not MathML</mi></math>')") is None
    assert js(driver, "return window.derivePage.rebuildMath('<b>x</b>')") is None
    assert js(driver, "return window.derivePage.rebuildMath('<math xmlns=\"http://www.w3.org/1998/Math/MathML\">"
                      "&nbsp;</math>')") is None  # not XML: no named entities
    assert js(driver, "return typeof window.__pwned") == "undefined"
    # the only CSP reports here: the style attribute of the hostile markup (and of Chrome's own <parsererror>
    # for the markup that is not XML), met inside the inert parsed document and blocked there
    csp = [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
    assert all("Applying inline style" in m and "has been blocked" in m for m in csp), csp


def test_phone_width(driver, server):
    long = " + ".join(f"x**{k}*y**{k + 1}*exp(x*y)" for k in range(1, 9))
    try:
        driver.set_window_size(375, 800)
        open_page(driver, server, op="grad", f=long, wrt="x,y", derivation=SLIP)
        wait_answer(driver)
        wait_answer(driver, "derivation-result")
        wait(driver, lambda d: d.find_element("id", "plot").get_attribute("data-state") in ("loaded", "none"),
             "the plot")
        width = js(driver, "return window.innerWidth")
        assert width <= 400
        assert js(driver, "return document.documentElement.scrollWidth") <= width + 1
        assert js(driver, "return document.body.scrollWidth") <= width + 1
        # the long result scrolls inside its own box
        result = driver.find_element("css selector", "#answer-body .formula.result")
        assert js(driver, "return arguments[0].scrollWidth > arguments[0].clientWidth", result)
        assert js(driver, "return getComputedStyle(arguments[0]).overflowX", result) == "auto"
    finally:
        driver.set_window_size(1200, 1000)


def test_keyboard_and_labels(driver, server):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_page(driver, server)
    assert js(driver, "return document.documentElement.lang") == "en"
    # every control has an accessible name: a label, aria-label or aria-labelledby
    unnamed = js(driver, """
        return Array.from(document.querySelectorAll('input, textarea, select, button')).filter(e => {
          const label = Array.from(e.labels || []).map(l => l.textContent.trim()).join('');
          const by = (e.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
            .map(id => (document.getElementById(id) || {}).textContent || '').join('').trim();
          const own = e.tagName === 'BUTTON' ? e.textContent.trim() : '';
          return !(label || by || (e.getAttribute('aria-label') || '').trim() || own);
        }).map(e => e.id || e.outerHTML.slice(0, 80));""")
    assert unnamed == []
    assert by(driver, "[aria-live]") and by(driver, "[role=status]")
    # Tab from the top reaches the fields and the buttons, in order, each with a visible focus ring
    js(driver, "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    reached, rings = [], {}
    for _ in range(40):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        element = driver.switch_to.active_element
        name = element.get_attribute("id") or element.tag_name
        reached.append(name)
        rings[name] = js(driver, "const s = getComputedStyle(arguments[0]);"
                                 "return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2", element)
        if name == "check-derivation":
            break
    for name in ("f", "let", "op", "wrt", "at", "run", "derivation", "dlet", "check-derivation"):
        assert name in reached, (name, reached)
    assert reached.index("f") < reached.index("op") < reached.index("wrt") < reached.index("run")
    assert reached.index("run") < reached.index("derivation") < reached.index("check-derivation")
    assert all(rings[name] for name in ("f", "let", "op", "wrt", "run", "derivation", "check-derivation")), rings
    # hidden fields are out of the way
    assert "claim" not in reached and "from" not in reached
    # Enter on the focused Run button runs
    fill(driver, "f", "x**3")
    driver.find_element("id", "run").send_keys(Keys.ENTER)
    answer = wait_answer(driver)
    assert answer.find_element("css selector", ".formula.result").get_attribute("data-text") == "[3*x**2]"


def test_screenshot(driver, server):
    """The page with a check's rendered answer and a derivation with a ✗ line; saved as a PNG where
    DERIVE_SCREENSHOT names a file (docs/img/serve.png)."""
    try:
        driver.set_window_size(1200, 1000)
        open_page(driver, server, **SIGMOID, derivation=SLIP)
        wait_answer(driver)
        wait_answer(driver, "derivation-result")
        assert by(driver, "#answer-body .verdict.wrong math") or by(driver, "#answer-body .formula math")
        assert by(driver, "#derivation-body li.line.wrong .mark")
        path = os.environ.get("DERIVE_SCREENSHOT")
        if path:
            # the whole page in the window, no scroll bar: the window's height less its viewport's is the frame
            height = js(driver, "return document.documentElement.scrollHeight")
            frame = js(driver, "return window.outerHeight - window.innerHeight")
            driver.set_window_size(1200, min(height + frame, 6000))
            wait(driver, lambda d: js(d, "return window.innerHeight >= document.documentElement.scrollHeight"
                                         " || window.innerHeight >= 5800"), "the window's size")
            assert driver.save_screenshot(path), path
    finally:
        driver.set_window_size(1200, 1000)


def test_no_request_leaves_127_0_0_1(driver, server):
    """Every request the page made in this module (and in the pages opened here) went to this server."""
    open_page(driver, server, op="grad", f="x**2*y", wrt="x,y", derivation=SLIP)
    wait_answer(driver)
    wait_answer(driver, "derivation-result")
    wait(driver, lambda d: d.find_element("id", "plot").get_attribute("data-state") in ("loaded", "none"), "the plot")
    wait(driver, lambda d: "def kernel" in d.find_element("id", "kernel-source").get_attribute("textContent"),
         "the kernel")
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert urls
    # the browser's own pages (its new-tab page, at start) load chrome:// resources from its binary, not the network
    internal = ("data:", "about:", "blob:", "chrome://", "chrome-untrusted://", "devtools://")
    ours = re.compile(r"http://127\.0\.0\.1:[0-9]+/")  # this module's servers (one has a short time limit)
    outside = [u for u in urls if not (ours.match(u) or u.startswith(internal))]
    assert outside == []
    paths = {urllib.parse.urlsplit(u).path for u in urls}
    assert {"/", "/static/page.js", "/static/page.css", "/api/grad", "/render", "/plot.svg", "/api/codegen",
            "/api/check-steps"} <= paths
    console = driver.get_log("browser")
    csp = [e["message"] for e in console if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]
    assert csp == []
    # nothing else went wrong in the page's script either
    errors = [e["message"] for e in console if e["level"] == "SEVERE"
              and "Failed to load resource" not in e["message"]]  # the 400s the tests asked for, the favicon
    assert errors == []


def test_an_answer_derive_cannot_validate_and_a_numerical_integral(driver, server):
    """Found in review: a failed validation (the CLI's exit 1 with an error object, HTTP 422) is shown as
    the error it is, not as "checked"; a definite integral with no closed form keeps its bounds."""
    open_page(driver, server, op="grad", f="sqrt(-1 - x**2)", wrt="x")
    answer = wait_answer(driver)
    assert answer.get_attribute("data-state") == "error"
    assert "validate" in answer.find_element("css selector", ".error").text
    assert "undefined" not in answer.text and "could not validate" in driver.find_element("id", "answer-status").text
    open_page(driver, server, op="integrate", f="x**x", **{"from": "0", "to": "1"})
    answer = wait_answer(driver)
    assert "from 0 to 1" in answer.text and "0.78343051" in answer.text and "antiderivative" not in answer.text.lower()
    assert "numerical" in driver.find_element("id", "answer-status").get_attribute("textContent")
