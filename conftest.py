"""Shared fixtures: the persona world (lvzhi.testing) and a real headless Chromium.

Browser tests use Debian's /usr/bin/chromium through Playwright (never `playwright
install`) against Django's live server; mark them ``@pytest.mark.browser``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lvzhi.testing import PASSWORD, World, build_world

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "test-artifacts"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """A page served in English (the switcher, Accept-Language) leaves the thread's language
    active after the response; the next test starts from the default again."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are ordinary synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _new_page(browser: Any, live_server: Any, viewport: dict[str, int] | None, **kwargs: Any) -> Any:
    context = browser.new_context(viewport=viewport or {"width": 1366, "height": 900}, locale="zh-CN", **kwargs)
    context.set_default_timeout(15000)
    page = context.new_page()
    page.base_url = live_server.url  # type: ignore[attr-defined]
    return page


@pytest.fixture
def page(browser: Any, live_server: Any, transactional_db: None) -> Iterator[Any]:
    """A desktop-sized page; ``page.base_url`` is the live server."""
    p = _new_page(browser, live_server, None)
    yield p
    p.context.close()


@pytest.fixture
def phone_page(browser: Any, live_server: Any, transactional_db: None) -> Iterator[Any]:
    """A phone-sized page (390x844, touch), as members use the platform."""
    p = _new_page(browser, live_server, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield p
    p.context.close()


@pytest.fixture
def browser_world(transactional_db: None) -> World:
    """The persona world for browser tests (live server needs committed data)."""
    return build_world()


def login(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=whoami]", state="attached")


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
