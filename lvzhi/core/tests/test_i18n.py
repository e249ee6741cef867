"""Chinese first, English available: the source strings are the Chinese ones; the English
catalogue (lvzhi/locale/en) translates them. The language is chosen by the switcher in the
footer (Django's set_language), or by the browser's Accept-Language."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from conftest import login
from lvzhi.testing import PASSWORD, World

PO = Path(settings.BASE_DIR) / "lvzhi" / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def client_for(username: str) -> Client:
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


def switch(c: Client, language: str, next_url: str = "/") -> None:
    """As the footer's switcher does: post the language; set_language returns to the Referer."""
    response = c.post("/i18n/setlang/", {"language": language}, HTTP_REFERER=f"http://testserver{next_url}")
    assert response.status_code == 302 and response["Location"].endswith(next_url)


@pytest.mark.django_db
def test_pages_are_chinese_by_default(world: World) -> None:
    c = client_for("alice")
    home = c.get("/").content.decode()
    assert '<html lang="zh-hans">' in home
    assert "履职平台" in home and ">委员</a>" in home and ">导入委员</a>" in home
    assert 'data-testid="language-switcher"' in home and "简体中文" in home and "English" in home
    members = c.get("/members/").content.decode()
    assert "委员名单" in members and "按姓氏笔画为序" in members and "共 2 条" in members
    assert "Members" not in members and "Ordered by surname stroke count" not in members


@pytest.mark.django_db
def test_the_switcher_turns_pages_english_and_back(world: World) -> None:
    c = client_for("alice")
    switch(c, "en", "/members/")

    home = c.get("/").content.decode()
    assert '<html lang="en">' in home
    for text in (">Home</a>", ">Members</a>", ">Import members</a>", ">Handling units</a>", "Log out", "Hello, 林晓"):
        assert text in home, text
    assert "导入委员" not in home and "退出" not in home

    members = c.get("/members/").content.decode()
    for text in ("Members", "Ordered by surname stroke count", "<th>Name</th>", "<th>Sector</th>", "2 items in total"):
        assert text in members, text
    assert "按姓氏笔画为序" not in members and "委员名单" not in members
    assert "王建国" in members  # data stays as entered

    # A form error, in English.
    response = c.post("/members/new/", {"organisation": "dcx", "name": "", "id_number": "", "role": "委员"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Name is required" in page and "ID card number is required" in page
    assert "不能为空" not in page

    switch(c, "zh-hans", "/members/")
    members = c.get("/members/").content.decode()
    assert "委员名单" in members and "按姓氏笔画为序" in members and "Ordered by surname" not in members
    response = c.post("/members/new/", {"organisation": "dcx", "name": "", "id_number": "", "role": "委员"})
    assert "姓名不能为空" in response.content.decode()


@pytest.mark.django_db
def test_accept_language_chooses_english_for_anonymous_pages_and_errors(world: World) -> None:
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = c.get("/accounts/login/").content.decode()
    assert "CPPCC Duty Performance Platform · Log in" in page and "Username" in page
    response = c.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    page = response.content.decode()
    assert 'data-testid="form-error"' in page and "Incorrect username or password" in page
    assert "用户名或密码错误" not in page

    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert (
        "用户名或密码错误" in chinese.post("/accounts/login/", {"username": "alice", "password": "x"}).content.decode()
    )


@pytest.mark.django_db
def test_an_english_page_still_saves_the_chinese_values(world: World) -> None:
    """Choices are shown in English but post their Chinese labels, which the shared validator
    (form, API and Excel import alike) accepts whatever the language."""
    c = client_for("alice")
    switch(c, "en")
    m = world.member
    edit = c.get(f"/members/{m.pk}/edit/").content.decode()
    assert '<option value="民盟" selected>China Democratic League</option>' in edit
    assert '<option value="委员" selected>Member</option>' in edit
    data = {
        "name": m.person.name,
        "id_number": m.person.id_number,
        "party": "民盟",
        "role": "常委",
        "sector": "教育界",
        "ethnicity": "汉族",
        "mobile": m.person.mobile,
        "employer": "第一中学",
        "version": m.version,
    }
    response = c.post(f"/members/{m.pk}/edit/", data)
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.role == "standing" and m.person.party == "cdl"
    detail = c.get(response["Location"]).content.decode()
    assert "Saved" in detail and "Standing committee member" in detail


@pytest.mark.browser
def test_the_footer_switcher_in_a_browser(page: Any, browser_world: World) -> None:
    login(page, "alice")
    page.goto(page.base_url + "/members/")
    assert page.locator("h1").inner_text().startswith("委员名单")
    page.click("[data-testid=language-switcher] button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.url.endswith("/members/")
    assert page.locator("h1").inner_text().startswith("Members")
    assert "Ordered by surname stroke count" in page.locator("h1").inner_text()
    assert "Import members" in page.locator("#lz-menu").inner_text()
    page.click("[data-testid=language-switcher] button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    assert "按姓氏笔画为序" in page.locator("h1").inner_text()


# --- the catalogue ---------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def po_entries() -> list[Entry]:
    """The entries of the .po, the header first."""
    entries = []
    for block in PO.read_text(encoding="utf-8").strip().split("\n\n"):
        entry, key = Entry(), ""
        for line in block.splitlines():
            if line.startswith("#,"):
                entry.flags = [f.strip() for f in line[2:].split(",")]
            elif match := re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$", line):
                key, value = match.group(1), ast.literal_eval(match.group(2))
                if key.startswith("msgstr"):
                    entry.msgstr.append(value)
                else:
                    setattr(entry, key, value)
            elif line.startswith('"') and key:
                value = ast.literal_eval(line)
                if key.startswith("msgstr"):
                    entry.msgstr[-1] += value
                else:
                    setattr(entry, key, getattr(entry, key) + value)
        entries.append(entry)
    return entries


def placeholders(text: str) -> list[str]:
    return sorted(set(re.findall(r"%\(\w+\)s", text)))


def test_the_english_catalogue_is_complete() -> None:
    header, *messages = po_entries()
    assert header.msgid == "" and "Language: en\n" in header.msgstr[0]
    assert len(messages) > 200 and any(e.msgid == "按姓氏笔画为序" for e in messages)
    assert not [e.msgid for e in [header, *messages] if "fuzzy" in e.flags]
    assert not [e.msgid for e in messages if not e.msgstr or not all(e.msgstr)]
    for e in messages:
        # Translations keep the placeholders and the data-testid attributes of their source.
        wanted = placeholders(e.msgid + (e.msgid_plural or ""))
        testids = re.findall(r'data-testid="[^"]+"', e.msgid)
        for text in e.msgstr:
            assert placeholders(text) == wanted, e.msgid
            assert re.findall(r'data-testid="[^"]+"', text) == testids, e.msgid


def test_the_compiled_catalogue_matches_the_po() -> None:
    """The committed django.mo holds exactly what the .po says (run `make messages` after
    editing the .po), so the runtime needs no gettext tools."""
    assert MO.exists()
    with translation.override("en"):
        for e in po_entries()[1:]:
            if e.msgid_plural is not None:
                forms = [
                    translation.npgettext(e.msgctxt, e.msgid, e.msgid_plural, n)
                    if e.msgctxt is not None
                    else translation.ngettext(e.msgid, e.msgid_plural, n)
                    for n in (1, 2)
                ]
                assert forms == e.msgstr, e.msgid
            elif e.msgctxt is not None:
                assert translation.pgettext(e.msgctxt, e.msgid) == e.msgstr[0], e.msgid
            else:
                assert translation.gettext(e.msgid) == e.msgstr[0], e.msgid
    with translation.override("zh-hans"):
        assert translation.gettext("按姓氏笔画为序") == "按姓氏笔画为序"
        assert translation.pgettext("菜单", "委员") == "委员"
