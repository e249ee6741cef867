from __future__ import annotations

from typing import Any

import pytest

from conftest import login, screenshot
from lvzhi.testing import World

pytestmark = pytest.mark.browser

MENUS = {
    "alice": ["组织机构", "委员", "承办单位", "统计"],
    "carol": ["组织机构", "委员", "承办单位", "统计"],
    "member": ["我的履职档案"],
    "unit": ["本单位"],
    "leader": ["组织机构", "委员", "统计"],
    "sysadmin": ["账号管理", "政协组织"],
}


def test_it_shows_each_role_its_menu_on_a_phone(phone_page: Any, browser_world: World) -> None:
    page = phone_page
    for username, labels in MENUS.items():
        login(page, username)
        page.click("button.navbar-toggler")
        menu = page.locator("#lz-menu")
        menu.wait_for(state="visible")
        text = menu.inner_text()
        for label in labels:
            assert label in text, (username, label)
        screenshot(page, f"menu-phone-{username}")
        page.click("#lz-menu button:has-text('退出')")
        page.wait_for_url("**/accounts/login/")


def test_it_explains_a_wrong_password_in_chinese(page: Any, browser_world: World) -> None:
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "Wrong-pass1")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.locator("[data-testid=form-error]").inner_text()


def test_it_lets_a_member_read_their_own_record_on_a_phone(phone_page: Any, browser_world: World) -> None:
    page = phone_page
    login(page, "member")
    page.goto(page.base_url + "/members/mine/")
    assert page.locator("h1").inner_text().startswith("王建国")
    assert page.locator("[data-testid=id-number]").inner_text() == browser_world.member.person.id_number
    # No horizontal scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "member-own-record-phone")


def test_it_edits_a_member_and_refuses_a_stale_second_edit(
    browser: Any, live_server: Any, browser_world: World
) -> None:
    from conftest import _new_page

    first, second = _new_page(browser, live_server, None), _new_page(browser, live_server, None)
    for p in (first, second):
        login(p, "alice")
        p.goto(p.base_url + f"/members/{browser_world.member.pk}/edit/")
    first.fill("input[name=employer]", "东城县第一中学")
    first.click("button:has-text('保存')")
    first.wait_for_url(f"**/members/{browser_world.member.pk}/")
    second.fill("input[name=employer]", "东城县第二中学")
    second.click("button:has-text('保存')")
    assert "已被他人修改" in second.locator("[data-testid=form-error]").inner_text()
    browser_world.member.person.refresh_from_db()
    assert browser_world.member.person.employer == "东城县第一中学"
    for p in (first, second):
        p.context.close()
