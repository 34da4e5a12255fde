"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

One Chromium for all browser tests; each test gets a fresh context (cookies, storage) and page.
The page may reach only the live server: any other request is aborted and fails the test,
because banks run XiaoBao on closed intranets (DESIGN.md: no CDN, ever).

The browser is package-scoped on purpose, not session-scoped: while Playwright's sync API is
running, its asyncio loop counts as running in the test thread, and Django then refuses ORM
calls there (SynchronousOnlyOperation). Closing the browser after tests/e2e keeps the tests
that follow unaffected; inside tests/e2e, DJANGO_ALLOW_ASYNC_UNSAFE is set while it is open.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers import PASSWORD, build_cast

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Without the background-networking flags Chromium calls Google's services, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_api.sync_playwright().start()
    try:
        # launch() gives Chromium a fresh temporary user-data dir and removes it on close.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Guard:
    """What a page did that a test must not tolerate: requests off the machine, script errors, missing assets."""

    external: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    missing_static: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"request left the machine: {url}" for url in self.external]
            + [f"uncaught script error: {error}" for error in self.page_errors]
            + [f"static file failed: {url}" for url in self.missing_static]
        )


@pytest.fixture
def new_page(browser, live_server, transactional_db):
    """Factory for guarded pages, each in its own browser context (its own cookies: its own user)."""
    guard = Guard()
    contexts = []

    def block_outside(route):
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            guard.external.append(url)
            route.abort("blockedbyclient")

    def on_response(response):
        if "/static/" in response.url and response.status >= 400:
            guard.missing_static.append(f"{response.status} {response.url}")

    def make(*, init_script: str | None = None):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        context.route("**/*", block_outside)
        if init_script:
            context.add_init_script(init_script)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: guard.page_errors.append(str(error)))
        page.on("response", on_response)
        return page

    yield make
    for context in contexts:
        context.close()
    problems = guard.problems()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def cast(transactional_db):
    # Overrides tests/conftest.py's `cast`, which asks for `db`: the live server's thread must see the rows.
    return build_cast()


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form, as a person would, and wait for the home page."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    assert_stylesheet_applied(page)


def log_out(page) -> None:
    page.click("form[action$='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r"/accounts/login/"))


def assert_stylesheet_applied(page) -> None:
    """Computed-style checks mean nothing if xiaobao.css did not load: its custom property must be live."""
    base_size = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--base-size').trim()")
    assert base_size, "static/css/xiaobao.css is not applied (is the live server serving static files?)"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
