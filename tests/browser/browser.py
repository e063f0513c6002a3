"""The browser the tests drive: headless Chromium from Debian, with its console log, the
page's accessibility scan (axe-core) and screenshots at desktop and phone widths."""

import json
import os
import pathlib
import unittest
import urllib.request

import axe_selenium_python
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["SOAPSTONE_BASE_URL"]
IDLE_BASE = os.environ["SOAPSTONE_IDLE_URL"]
ARTIFACTS = pathlib.Path(os.environ["SOAPSTONE_ARTIFACTS"])
PIDS = os.environ.get("SOAPSTONE_BROWSER_PIDS")
AXE = pathlib.Path(axe_selenium_python.__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "soapstone-dev-password"
DESKTOP = (1280, 900)
PHONE = (375, 812)


def chromium():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={DESKTOP[0]},{DESKTOP[1]}", "--lang=en"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    driver.set_page_load_timeout(30)
    # Noted, so that .ci/run stops this chromedriver and its browsers, and only these, if a
    # test ends without quitting them.
    if PIDS:
        with open(PIDS, "a") as pids:
            pids.write(f"{driver.service.process.pid}\n")
    return driver


class Page:
    """One browser session and what the tests do with it."""

    def __init__(self, base=BASE):
        self.base = base
        self.driver = chromium()
        self.wait = WebDriverWait(self.driver, 10)

    def close(self):
        self.driver.quit()

    def open(self, path="/"):
        self.driver.get(self.base + path)
        self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "main h1"))

    def heading(self, text, timeout=10):
        WebDriverWait(self.driver, timeout).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, "main h1"), text))

    def fill(self, **fields):
        for name, value in fields.items():
            box = self.driver.find_element(By.NAME, name.replace("__", "."))
            box.clear()
            box.send_keys(value)

    def submit(self):
        self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()

    def choose_audit_patient(self, text, mrn=None):
        """On the audit log, finds a patient by `text` and chooses the one with `mrn` (or the first)."""
        search = self.driver.find_element(By.ID, "audit-patient")
        search.clear()
        search.send_keys(text + "\n")
        label = f"MRN {mrn or text}"

        def found(driver):
            return next((b for b in driver.find_elements(By.CSS_SELECTOR, ".choices button") if label in b.text), None)
        self.wait.until(found).click()
        self.wait.until(lambda d: label in d.find_element(By.CSS_SELECTOR, ".chosen").text)

    def message(self, text, timeout=10):
        """The text of the page's message line that comes to say `text` (a page may have several)."""
        def said(driver):
            return next((line for line in self.texts("main .message") if text in line), None)
        return WebDriverWait(self.driver, timeout).until(said, f"no message saying {text!r}")

    def texts(self, selector, attribute=None):
        """The text (or an attribute) of every element matching `selector`, read in one go, so
        that a list re-rendering meanwhile cannot make one of them stale."""
        read = f"e.getAttribute({json.dumps(attribute)})" if attribute else "e.innerText"
        return self.driver.execute_script(
            f"return [...document.querySelectorAll({json.dumps(selector)})].map(e => {read})")

    def field_error(self, name):
        return self.driver.find_element(By.CSS_SELECTOR, f'[data-error-for="{name}"]').text

    def log_in(self, tenant, email, password=PASSWORD):
        self.open("/#/login")
        self.heading("Log in")
        self.fill(tenant=tenant, email=email, password=password)
        self.submit()

    def console_errors(self):
        """Severe console entries, but the browser's own notes on API answers a test expects
        (a 401 when no session can be restored, the 401 and 429 of refused logins)."""
        entries = self.driver.get_log("browser")
        return [e["message"] for e in entries if e["level"] == "SEVERE"
                and "the server responded with a status of 4" not in e["message"]]

    def axe_violations(self):
        """Serious and critical findings of axe-core on the page as it is now."""
        self.driver.execute_script(AXE.read_text())
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations)));")
        return [v for v in json.loads(result) if v["impact"] in ("serious", "critical")]

    def screenshots(self, name):
        """`<name>-desktop.png` and `<name>-phone.png` in the artifacts folder."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
            self.driver.set_window_size(width, height)
            self.driver.execute_script("return new Promise(r => requestAnimationFrame(() => r()))")
            self.driver.save_screenshot(str(ARTIFACTS / f"{name}-{label}.png"))
        self.driver.set_window_size(*DESKTOP)

    def horizontal_overflow(self):
        """Whether the page is wider than the window (a layout that breaks at phone width)."""
        return self.driver.execute_script(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth")


def headers(path="/"):
    with urllib.request.urlopen(BASE + path) as answer:
        return dict(answer.headers)


def api(method, path, body=None, token=None, headers=None, base=BASE):
    """A call of the API as any client makes it, for a test's setup: answers (status, JSON)."""
    request = urllib.request.Request(base + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def versions(note_id, token, base=BASE):
    """Every version of a note, whole: the list (a page at a time, without sections), then each
    version by number."""
    numbers, cursor = [], None
    while True:
        status, page = api("GET", f"/v1/notes/{note_id}/versions?limit=200" + (f"&cursor={cursor}" if cursor else ""),
                           None, token, base=base)
        assert status == 200, (status, page)
        numbers += [item["version"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    whole = []
    for number in numbers:
        status, version = api("GET", f"/v1/notes/{note_id}/versions/{number}", None, token, base=base)
        assert status == 200, (status, version)
        whole.append(version)
    return whole


def token(email, tenant="northside", base=BASE):
    status, answer = api("POST", "/v1/auth/login", {"tenant": tenant, "email": email, "password": PASSWORD}, base=base)
    assert status == 200, (status, answer)
    return answer["access_token"]


class BrowserTest(unittest.TestCase):
    """A test with its own browser; it fails on console errors."""

    def setUp(self):
        self.page = Page()

    def tearDown(self):
        errors = self.page.console_errors()
        self.page.close()
        self.assertEqual(errors, [], "console errors")

    def assertAccessible(self, name, page=None):
        """No serious or critical axe findings, no overflow at phone width; screenshots."""
        page = page or self.page
        violations = page.axe_violations()
        self.assertEqual([(v["id"], v["help"], len(v["nodes"])) for v in violations], [],
                         f"axe: serious or critical violations on {name}")
        page.screenshots(name)
        page.driver.set_window_size(*PHONE)
        self.assertFalse(page.horizontal_overflow(), f"{name} is wider than a 375 px phone")
        page.driver.set_window_size(*DESKTOP)
