from __future__ import annotations

from typing import Any

import pytest

from conftest import login, screenshot
from lvzhi.testing import World

pytestmark = pytest.mark.browser


def test_it_logs_in_and_filters_the_member_list(page: Any, browser_world: World) -> None:
    login(page, "alice")
    page.goto(page.base_url + "/members/")
    table = page.locator("[data-testid=member-table]")
    assert "王建国" in table.inner_text() and "丁一" in table.inner_text()
    page.select_option("select[name=party]", "cpc")
    page.wait_for_function("!document.querySelector('[data-testid=member-table]').innerText.includes('王建国')")
    assert "丁一" in page.locator("[data-testid=member-table]").inner_text()
    assert "party=cpc" in page.url
    screenshot(page, "member-list-filtered")
