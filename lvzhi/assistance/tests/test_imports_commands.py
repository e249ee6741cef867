"""Ledger and pairing imports from real files, and the `figures assistance` / `report
assistance` commands."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
import xlwt
from django.core.management import call_command
from django.core.management.base import CommandError

from lvzhi.assistance.figures import Filters, assistance_figures, live_figures
from lvzhi.assistance.imports import BULK_THRESHOLD, LedgerImporter, PairingImporter
from lvzhi.assistance.models import Campaign, Entry, EntryStatus, Pairing
from lvzhi.assistance.testing import campaign, make_household
from lvzhi.testing import World, add_member, member_data

HEADER = ["日期", "委员姓名", "区分信息", "助推活动", "行动类别", "户编号", "帮扶事项", "捐资（元）", "资助学生（名）"]


def xlsx(rows: Sequence[Sequence[object]], header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xls(rows: Sequence[Sequence[object]], header: list[str] = HEADER) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    for c, text in enumerate(header):
        sheet.write(0, c, text)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def ledger_world(world: World) -> World:
    campaign(world.alice, world.county, start="2018-01-01")
    make_household(world.county, "5303250010001", size=4)
    make_household(world.county, "5303250010002", size=2)
    # A second 丁一 in the city: the name alone is now ambiguous from the county.
    add_member(world.carol, world.city, member_data("丁一", "53032519850505005", mobile="13900002222"))
    add_member(world.alice, world.county, member_data("李华", "53032519860606006"))
    return world


@pytest.mark.django_db
def test_ledger_import_names_members_never_guesses(ledger_world: World) -> None:
    w = ledger_world
    rows = [
        ["2018-03-01", "王建国", "", "三送三帮", "送一次爱心", "5303250010001", "送米面油", "1200", "0"],
        ["2018-03-02", "丁一", "", "三送三帮", "", "5303250010002", "送化肥", "300", ""],
        ["2018-03-03", "丁一", "13900002222", "三送三帮", "", "5303250010002", "送化肥", "300", ""],
        ["2018-03-04", "张无名", "", "", "", "5303250010001", "走访", "", ""],
        ["2018-03-05", "王建国", "", "三送三帮", "送钱", "9999", "走访", "-5", "x"],
    ]
    importer = LedgerImporter(actor=w.alice, organisation=w.county)
    report = importer.run(xlsx(rows), "台账.xlsx")
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "2名“丁一”" in messages[(3, "委员姓名")]
    assert (4, "委员姓名") not in messages  # the hint picks the city's 丁一
    assert "没有“张无名”" in messages[(5, "委员姓名")]
    assert "没有“送钱”这一行动类别" in messages[(6, "行动类别")]
    assert "9999" in messages[(6, "户编号")]
    assert "负数" in messages[(6, "捐资（元）")]
    assert "非负整数" in messages[(6, "资助学生（名）")]
    assert not report.saved and Entry.objects.count() == 0  # nothing half-saved

    report = LedgerImporter(actor=w.alice, organisation=w.county).run(xlsx(rows), "台账.xlsx", mode="valid_only")
    assert report.saved and report.created == 2
    assert set(Entry.objects.values_list("status", flat=True)) == {EntryStatus.CONFIRMED}
    figures = assistance_figures(Filters(w.county, end=dt.date(2018, 12, 31)))
    assert figures["money_yuan"] == 1500.0 and figures["households_reached"] == 2


@pytest.mark.django_db
def test_ledger_import_legacy_xls_and_scoping(ledger_world: World) -> None:
    w = ledger_world
    rows = [["2018年5月1日", "王建国", "", "三送三帮", "", "5303250010001", "送书", 100, 1]]
    report = LedgerImporter(actor=w.alice, organisation=w.county).run(xls(rows), "旧台账.xls")
    assert report.saved, report.errors
    assert Entry.objects.get().students == 1
    # The other county's clerk cannot import into dcx: 404, like a missing committee.
    from lvzhi.core.errors import NotFound

    with pytest.raises(NotFound):
        LedgerImporter(actor=w.charlie, organisation=w.county).run(xls(rows), "旧台账.xls")
    # Nor name dcx households or dcx-only members from his own county.
    rows[0][1] = "李华"
    report = LedgerImporter(actor=w.charlie, organisation=w.other_county).run(xls(rows), "旧台账.xls")
    columns = {e.column for e in report.errors}
    assert "户编号" in columns and "委员姓名" in columns


@pytest.mark.django_db
def test_large_ledger_import_is_bulk_and_rollups_agree(ledger_world: World, tmp_path: Path) -> None:
    w = ledger_world
    path = tmp_path / "台账.csv"
    with path.open("w", encoding="gb18030", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(BULK_THRESHOLD + 50):
            day = dt.date(2018, 1, 1) + dt.timedelta(days=i % 300)
            household = "5303250010001" if i % 3 else "5303250010002"
            writer.writerow(
                [
                    day.isoformat(),
                    "王建国" if i % 2 else "王建国、丁一",
                    "" if i % 2 else "、13800001234",
                    "三送三帮",
                    "",
                    household,
                    f"第{i}次帮扶",
                    str(i),
                    "1" if i % 10 == 0 else "",
                ]
            )
    call_command("import_data", "assistance", str(path), "--organisation", "dcx", stdout=io.StringIO())
    assert Entry.objects.count() == BULK_THRESHOLD + 50
    for org in (w.county, w.city):
        f = Filters(org, end=dt.date(2018, 12, 31))
        figures = assistance_figures(f)
        assert figures == live_figures(f)
        assert figures["money_yuan"] == float(sum(range(BULK_THRESHOLD + 50)))
        assert figures["members_participating"] == 2


@pytest.mark.django_db
def test_pairing_import(ledger_world: World) -> None:
    w = ledger_world
    rows = [
        ["王建国", "", "5303250010001", "2018-03-01"],
        ["王建国", "", "5303250010001", "2018-03-01"],
        ["丁一", "", "5303250010002", ""],
        ["王建国", "", "0000", ""],
    ]
    header = ["委员姓名", "区分信息", "户编号", "结对日期"]
    report = PairingImporter(actor=w.alice, organisation=w.county).run(xlsx(rows, header), "结对.xlsx")
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "重复" in messages[(3, "户编号")]
    assert "2名“丁一”" in messages[(4, "委员姓名")]
    assert "0000" in messages[(5, "户编号")]
    assert Pairing.objects.count() == 0
    good = [["王建国", "", "5303250010001", "2018-03-01"], ["王建国", "", "5303250010002", ""]]
    report = PairingImporter(actor=w.alice, organisation=w.county).run(xlsx(good, header), "结对.xlsx")
    assert report.saved and Pairing.objects.count() == 2
    figures = assistance_figures(Filters(w.county))
    assert figures["members_paired"] == 1 and figures["households_paired"] == 2 and figures["people_paired"] == 6
    assert figures["members_mobilised"] == 1


@pytest.mark.django_db
def test_figures_and_report_commands(ledger_world: World, tmp_path: Path) -> None:
    w = ledger_world
    rows = [
        ["2018-03-01", "王建国", "", "三送三帮", "", "5303250010001", "捐资助学", "24855", "2"],
        ["2018-11-20", "丁一", "", "三送三帮", "", "5303250010002", "捐资", "1000", ""],
        ["2018-11-21", "丁一", "", "三送三帮", "", "5303250010002", "捐资", "7000", ""],
    ]
    rows[1][2] = "13800001234"
    rows[2][2] = "13800001234"
    report = LedgerImporter(actor=w.alice, organisation=w.county).run(xlsx(rows), "台账.xlsx")
    assert report.saved, report.errors
    code = Campaign.objects.get(organisation=w.county).code
    out = io.StringIO()
    call_command(
        "figures",
        "assistance",
        "--organisation",
        "dcx",
        "--campaign",
        code,
        "--as-of",
        "2018-11-20",
        "--json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    for key in (
        "members_total",
        "members_mobilised",
        "mobilisation_rate",
        "members_participating",
        "participation_rate",
        "households_reached",
        "people_reached",
        "money_yuan",
        "goods_count",
        "goods_value_yuan",
        "students_funded",
        "jobs_provided",
        "industry_households",
        "info_items",
        "materials",
        "key_matters",
    ):
        assert key in data, key
    assert data["money_yuan"] == 25855.0 and data["participation_rate"] == 0.6667  # 2 of 3
    assert data["households_reached"] == 2 and data["people_reached"] == 6

    out = io.StringIO()
    docx_path = tmp_path / "通报.docx"
    call_command(
        "report", "assistance", "--organisation", "dcx", "--as-of", "2018-11-20", "--docx", str(docx_path), stdout=out
    )
    text = out.getvalue()
    assert text.startswith(
        "截至11月20日，委员们围绕“七个助推”，通过“三送三帮”共捐资2.59万元，资助贫困学生2名，委员参与率达66.7%。"
    )
    import docx

    document = docx.Document(str(docx_path))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "第4季度通报" in body and "共捐资2.59万元" in body

    with pytest.raises(CommandError, match="没有代码"):
        call_command("figures", "assistance", "--organisation", "xsx", "--campaign", code, stdout=io.StringIO())
    with pytest.raises(CommandError, match="只适用于"):
        call_command("figures", "members", "--organisation", "dcx", "--campaign", code, stdout=io.StringIO())
