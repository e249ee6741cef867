"""Member import from Excel/CSV: the framework policy (all or nothing, valid rows only,
duplicates, column matching), the page, the `import_data` command, scope and audit."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import xlwt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from openpyxl import Workbook, load_workbook

from lvzhi.accounts.context_processors import menu_for
from lvzhi.audit.models import AuditEntry
from lvzhi.core.errors import NotFound
from lvzhi.core.excel import UNREADABLE, SpreadsheetError, read_rows, read_table
from lvzhi.core.identity import id_check_character
from lvzhi.core.importing import IMPORTERS, Mode, RowError, load_importers
from lvzhi.members import views_import
from lvzhi.members.imports import MemberImporter
from lvzhi.members.models import Membership, Person
from lvzhi.members.validation import FIELDS
from lvzhi.testing import PASSWORD, World, make_id_number

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "身份证号码", "手机号码", "政治面貌", "界别"]
ID_A = make_id_number("11010119800101001")
ID_B = make_id_number("11010119810202002")
ID_C = make_id_number("11010119820303003")


def id_ending_in_x() -> str:
    for seq in range(100, 999):
        first17 = f"11010119900101{seq:03d}"
        if id_check_character(first17) == "X":
            return first17 + "X"
    raise AssertionError("no ID ending in X")


GOOD_ROWS: list[list[object]] = [
    ["张三", ID_A, "13800000001", "民盟", "教育界"],
    ["李四", ID_B, "13800000002", "中共党员", "中共界"],
    ["王五", ID_C, "", "无党派人士", "经济界"],
]


def write_xlsx(path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def write_xls(path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER) -> Path:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("委员")
    for r, row in enumerate([list(header), *rows]):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    wb.save(str(path))
    return path


def write_csv(path: Path, rows: Sequence[Sequence[object]], encoding: str, header: Sequence[str] = HEADER) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def counts() -> tuple[int, int]:
    return Person.objects.count(), Membership.objects.count()


def run(world: World, path: Path, actor: Any = None, **kwargs: Any) -> Any:
    importer = MemberImporter(
        actor=actor or world.alice, organisation=world.county, simplify=kwargs.pop("simplify", False)
    )
    return importer.run(path, path.name, **kwargs)


def client_for(username: str) -> Client:
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


@pytest.fixture(autouse=True)
def upload_dir(settings: Any, tmp_path: Path) -> Path:
    settings.UPLOAD_DIR = tmp_path / "uploads"
    return settings.UPLOAD_DIR


# -- reading files --------------------------------------------------------------------------


def test_reader_keeps_spreadsheet_row_numbers_and_skips_empty_rows(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws["A1"], ws["B1"] = "姓名", "界别"
    ws["A2"] = "张三"
    ws["A4"], ws["B4"] = "李四", "教育界"  # row 3 is empty
    wb.save(tmp_path / "a.xlsx")
    table = read_table(tmp_path / "a.xlsx")
    assert table.header == ["姓名", "界别"]
    assert [(n, cells[0]) for n, cells in table.rows] == [(2, "张三"), (4, "李四")]


def test_reader_refuses_a_file_that_is_not_a_spreadsheet(tmp_path: Path) -> None:
    (tmp_path / "fake.xlsx").write_bytes(b"PK\x03\x04 this is no workbook")
    (tmp_path / "note.pdf").write_bytes(b"%PDF-1.4")
    for name in ("fake.xlsx", "note.pdf"):
        with pytest.raises(SpreadsheetError) as exc:
            read_rows(tmp_path / name)
        assert str(exc.value) == UNREADABLE


def test_reader_reads_gbk_csv(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", [["張三丰", "x"]], "gbk", header=["姓名", "备注"])
    assert read_table(path).rows == [(2, ["張三丰", "x"])]


# -- importing ------------------------------------------------------------------------------


def test_a_valid_xlsx_imports_every_row(world: World, tmp_path: Path) -> None:
    persons, seats = counts()
    report = run(world, write_xlsx(tmp_path / "ok.xlsx", GOOD_ROWS))
    assert report.errors == [] and report.file_errors == []
    assert (report.total, report.valid, report.created, report.updated, report.saved) == (3, 3, 3, 0, True)
    assert counts() == (persons + 3, seats + 3)
    m = Membership.objects.get(person__id_number=ID_B, organisation=world.county)
    assert m.person.name == "李四" and m.person.party == "cpc" and m.sector is not None and m.sector.name == "中共界"
    assert m.person.gender == "F" and str(m.person.birth_date) == "1981-02-02"


@pytest.mark.parametrize("kind", ["xls", "csv-utf8", "csv-gbk"])
def test_legacy_xls_and_csv_in_utf8_and_gbk_import(world: World, tmp_path: Path, kind: str) -> None:
    if kind == "xls":
        path = write_xls(tmp_path / "m.xls", GOOD_ROWS)
    else:
        path = write_csv(tmp_path / "m.csv", GOOD_ROWS, "utf-8-sig" if kind == "csv-utf8" else "gbk")
    report = run(world, path)
    assert report.errors == [] and report.created == 3
    assert set(
        Membership.objects.filter(organisation=world.county, person__id_number__in=[ID_A, ID_B, ID_C]).values_list(
            "person__name", flat=True
        )
    ) == {"张三", "李四", "王五"}


def bad_file(tmp_path: Path) -> Path:
    bad_check = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    bad_birth = make_id_number("11010119991332001")
    rows = [
        ["张三", ID_A, "13800000001", "民盟", "教育界"],  # 2 good
        ["李四", bad_check, "13800000002", "民盟", "教育界"],  # 3 check digit
        ["王五", ID_B, "1380000", "民盟", "教育界"],  # 4 phone
        ["赵六", ID_C, "13800000004", "民盟", "体育界"],  # 5 unknown sector
        ["", make_id_number("11010119830404004"), "13800000005", "民盟", "教育界"],  # 6 missing name
        ["钱七", bad_birth, "13800000006", "民盟", "教育界"],  # 7 birth date
        ["孙八", ID_A.lower(), "13800000007", "民盟", "经济界"],  # 8 duplicate of row 2
        ["周九", make_id_number("11010119840505005"), "13800000008", "民盟", "经济界"],  # 9 good
    ]
    return write_xlsx(tmp_path / "bad.xlsx", rows, header=["姓名", "身份证号", "手机", "政治面貌", "界别"])


def test_every_bad_row_is_reported_and_nothing_is_saved(world: World, tmp_path: Path) -> None:
    before = counts()
    audit_before = AuditEntry.objects.count()
    report = run(world, bad_file(tmp_path))
    assert report.saved is False and counts() == before and AuditEntry.objects.count() == audit_before
    assert (report.total, report.valid, report.invalid) == (8, 2, 6)
    by_row = {e.row: e for e in report.errors}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8]
    # the column is named as written in the file (身份证号, 手机), the reason is Chinese
    assert by_row[3] == RowError(3, "身份证号", "身份证号码校验位错误")
    assert by_row[4] == RowError(4, "手机", "手机号码应为以1开头的11位数字")
    assert by_row[5].column == "界别" and "没有名为“体育界”的界别" in by_row[5].message
    assert by_row[6] == RowError(6, "姓名", "姓名不能为空")
    assert by_row[7] == RowError(7, "身份证号", "身份证号码中的出生日期无效")
    assert by_row[8] == RowError(8, "身份证号", "与第2行的身份证号码重复")
    assert str(by_row[8]) == "第8行 [身份证号] 与第2行的身份证号码重复"


def test_valid_only_imports_only_the_good_rows(world: World, tmp_path: Path) -> None:
    persons, seats = counts()
    report = run(world, bad_file(tmp_path), mode=Mode.VALID_ONLY)
    assert report.saved and report.created == 2 and len(report.errors) == 6
    assert counts() == (persons + 2, seats + 2)
    names = set(Membership.objects.filter(organisation=world.county).values_list("person__name", flat=True))
    assert {"张三", "周九"} <= names and not names & {"李四", "王五", "赵六", "钱七", "孙八"}


def test_full_width_digits_spaces_and_lowercase_x_are_accepted(world: World, tmp_path: Path) -> None:
    x_id = id_ending_in_x()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in ID_A[:9]) + " " + ID_A[9:14] + "\u3000" + ID_A[14:]
    rows = [["张三", full_width, "138 0000 0001", "民盟", "教育界"], ["李四", x_id.lower(), "", "", ""]]
    report = run(world, write_xlsx(tmp_path / "w.xlsx", rows))
    assert report.errors == [] and report.created == 2
    assert Person.objects.filter(id_number=ID_A, mobile="13800000001").exists()
    assert Person.objects.filter(id_number=x_id).exists()


def test_reimporting_creates_no_duplicates_and_counts_updates(world: World, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "ok.xlsx", GOOD_ROWS)
    assert run(world, path).created == 3
    after_first = counts()
    again = run(world, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    changed = [list(r) for r in GOOD_ROWS]
    changed[0][3] = "民进"  # a new party
    changed[2][4] = "教育界"  # a new sector
    third = run(world, write_xlsx(tmp_path / "changed.xlsx", changed))
    assert (third.created, third.updated, third.unchanged) == (0, 2, 1)
    assert counts() == after_first
    assert Person.objects.get(id_number=ID_A).party == "capd"
    sector = Membership.objects.get(person__id_number=ID_C, organisation=world.county).sector
    assert sector is not None and sector.name == "教育界"


def test_reimporting_a_new_phone_alone_updates_it(world: World, tmp_path: Path) -> None:
    assert run(world, write_xlsx(tmp_path / "ok.xlsx", GOOD_ROWS)).created == 3
    changed = [list(r) for r in GOOD_ROWS]
    changed[0][2] = "13900000009"
    assert run(world, write_xlsx(tmp_path / "changed.xlsx", changed)).updated == 1
    assert Person.objects.get(id_number=ID_A).mobile == "13900000009"


def test_a_person_already_on_another_committee_gets_a_new_seat(world: World, tmp_path: Path) -> None:
    existing = world.member.person  # 王建国 sits on the county and the city already
    ding = Person.objects.get(name="丁一")  # only on the county
    rows = [["丁一", ding.id_number, "", "中共党员", "中共界"]]
    report = MemberImporter(actor=world.carol, organisation=world.city).run(write_xlsx(tmp_path / "d.xlsx", rows))
    assert report.created == 1 and Membership.objects.filter(person=ding).count() == 2
    assert Person.objects.filter(id_number=existing.id_number).count() == 1


def test_a_missing_required_column_is_a_file_error(world: World, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", [["张三", "教育界", "x"]], header=["姓名", "界别", "备注"])
    before = counts()
    report = run(world, path)
    assert report.file_errors and report.file_errors[0].startswith("缺少必填列：身份证号码")
    assert report.warnings == ["未识别的列“备注”，该列将被忽略"]
    assert report.total == 0 and report.errors == [] and counts() == before


def test_a_title_row_above_the_header_is_tolerated(world: World, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["东城县政协第十六届委员名单"])
    ws.append(HEADER)
    ws.append(GOOD_ROWS[0])
    ws.append(["", ID_B[:17] + "0" if ID_B[17] != "0" else ID_B[:17] + "1"])
    wb.save(tmp_path / "t.xlsx")
    report = run(world, tmp_path / "t.xlsx")
    assert [(e.row, e.column) for e in report.errors] == [(4, "姓名"), (4, "身份证号码")]


def test_an_id_number_stored_as_a_number_gets_a_clear_reason(world: World, tmp_path: Path) -> None:
    report = run(world, write_xlsx(tmp_path / "n.xlsx", [["张三", int(ID_A[:17] + "0"), "", "", ""]]))
    assert "存成了数字" in report.errors[0].message


def test_traditional_characters_are_simplified_on_request(world: World, tmp_path: Path) -> None:
    header = [*HEADER, "工作单位"]
    path = write_xlsx(tmp_path / "t.xlsx", [["張偉", ID_A, "", "", "教育界", "東城縣第一中學"]], header=header)
    assert run(world, path, simplify=True).created == 1
    person = Person.objects.get(id_number=ID_A)
    assert (person.name, person.employer) == ("张伟", "东城县第一中学")


def test_out_of_scope_importer_raises_not_found_and_saves_nothing(world: World, tmp_path: Path) -> None:
    before = counts()
    with pytest.raises(NotFound):
        run(world, write_xlsx(tmp_path / "ok.xlsx", GOOD_ROWS), actor=world.charlie)
    assert counts() == before


def test_imported_rows_are_audited(world: World, tmp_path: Path) -> None:
    run(world, write_xlsx(tmp_path / "ok.xlsx", GOOD_ROWS))
    entries = AuditEntry.objects.filter(action="member.create", actor=world.alice, organisation=world.county)
    created = Membership.objects.filter(person__id_number__in=[ID_A, ID_B, ID_C])
    assert {e.object_id for e in entries} >= {str(m.pk) for m in created}
    assert all(ID_A not in str(e.changes) for e in AuditEntry.objects.all())  # ID numbers never in clear


def test_the_members_kind_is_registered() -> None:
    assert load_importers()["members"] is MemberImporter and IMPORTERS["members"] is MemberImporter


# -- the page -------------------------------------------------------------------------------


def upload(c: Client, path: Path, organisation: str = "dcx", **extra: str) -> Any:
    with path.open("rb") as fh:
        return c.post("/members/import/", {"organisation": organisation, "file": fh, **extra})


def test_page_offers_only_managed_organisations_and_the_menu_links_it(world: World) -> None:
    c = client_for("alice")
    html = c.get("/members/import/").content.decode()
    assert "东城县政协" in html and "西山县政协" not in html and "将繁体字转换为简体" in html
    assert ("导入委员", "/members/import/") in menu_for(world.alice)
    labels = [label for label, _url in menu_for(world.alice)]
    assert labels.index("导入委员") == labels.index("委员") + 1
    assert "导入委员" not in [label for label, _url in menu_for(world.leader)]
    assert client_for("leader").get("/members/import/").status_code == 404


def test_page_dry_run_shows_every_bad_row_then_imports_valid_rows(world: World, tmp_path: Path) -> None:
    c = client_for("alice")
    before = counts()
    response = upload(c, bad_file(tmp_path))
    html = response.content.decode()
    assert response.status_code == 200 and counts() == before
    assert 'data-testid="import-errors"' in html
    for text in ("第3行", "身份证号码校验位错误", "第8行", "与第2行的身份证号码重复", "手机号码应为以1开头的11位数字"):
        assert text in html
    assert "仅导入有效行（2行）" in html
    assert 'value="all" disabled' in html
    token = response.context["token"]
    # all-or-nothing is refused while there are errors
    refused = c.post("/members/import/", {"token": token, "mode": "all"})
    assert refused.context["not_saved"] and counts() == before
    done = c.post("/members/import/", {"token": token, "mode": "valid_only"})
    assert done.context["done"] and done.context["report"].created == 2
    assert counts() == (before[0] + 2, before[1] + 2)
    assert 'data-testid="import-result"' in done.content.decode()
    # the token is used up and its file deleted
    assert c.post("/members/import/", {"token": token, "mode": "valid_only"}).status_code == 404
    assert not list((Path(views_import.settings.UPLOAD_DIR) / "imports").iterdir())


def test_page_imports_a_clean_file_with_simplification(world: World, tmp_path: Path) -> None:
    c = client_for("alice")
    rows: list[list[object]] = [["張偉", ID_A, "", "", "教育界"], *[list(r) for r in GOOD_ROWS[1:]]]
    response = upload(c, write_xlsx(tmp_path / "ok.xlsx", rows), simplify="1")
    assert response.context["report"].can_import_all
    done = c.post("/members/import/", {"token": response.context["token"], "mode": "all"})
    assert done.context["report"].created == 3
    assert Person.objects.get(id_number=ID_A).name == "张伟"
    entries = AuditEntry.objects.filter(action="member.create", actor=world.alice)
    assert entries.count() >= 3 and len({e.request_id for e in entries.order_by("-id")[:3]}) == 1


def test_page_tokens_are_bound_to_the_uploading_user(world: World, tmp_path: Path) -> None:
    alice = client_for("alice")
    token = upload(alice, write_xlsx(tmp_path / "ok.xlsx", GOOD_ROWS)).context["token"]
    carol = client_for("carol")  # she may manage dcx, but the upload is alice's
    assert carol.post("/members/import/", {"token": token, "mode": "all"}).status_code == 404
    assert alice.post("/members/import/", {"token": "nonsense", "mode": "all"}).status_code == 404
    assert Membership.objects.filter(person__id_number=ID_A).count() == 0


def test_charlie_gets_404_for_another_county_and_nothing_is_saved(world: World, tmp_path: Path) -> None:
    before = counts()
    c = client_for("charlie")
    assert upload(c, write_xlsx(tmp_path / "ok.xlsx", GOOD_ROWS), organisation="dcx").status_code == 404
    assert c.get("/members/import/template/?organisation=dcx").status_code == 404
    assert counts() == before


def test_page_refuses_files_that_are_not_spreadsheets_or_too_big(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = client_for("alice")
    response = c.post("/members/import/", {"organisation": "dcx", "file": SimpleUploadedFile("a.pdf", b"%PDF")})
    assert response.status_code == 400 and UNREADABLE in response.content.decode()
    response = c.post("/members/import/", {"organisation": "dcx", "file": SimpleUploadedFile("a.xlsx", b"junk")})
    assert UNREADABLE in response.content.decode() and 'data-testid="file-error"' in response.content.decode()
    monkeypatch.setattr(views_import, "MAX_UPLOAD_BYTES", 10)
    response = c.post("/members/import/", {"organisation": "dcx", "file": SimpleUploadedFile("a.csv", b"x" * 11)})
    assert response.status_code == 400 and "文件超过" in response.content.decode()


def test_page_reports_a_missing_required_column(world: World, tmp_path: Path) -> None:
    c = client_for("alice")
    html = upload(c, write_xlsx(tmp_path / "m.xlsx", [["张三"]], header=["姓名"])).content.decode()
    assert "缺少必填列：身份证号码" in html and "全部导入" not in html


def test_template_download(world: World) -> None:
    response = client_for("alice").get("/members/import/template/?organisation=dcx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''" + (
        "%E5%A7%94%E5%91%98%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb.worksheets[0][1]] == [f.label for f in FIELDS]
    assert wb.worksheets[0]["A1"].font.b and wb.sheetnames[1] == "填写说明"
    notes = {row[0]: row for row in wb["填写说明"].iter_rows(min_row=5, values_only=True)}
    assert notes["姓名"][1] == "必填" and "教育界" in notes["界别"][2]


# -- the command ----------------------------------------------------------------------------


def test_command_imports_and_prints_counts(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_xlsx(tmp_path / "ok.xlsx", GOOD_ROWS)
    out = io.StringIO()
    call_command("import_data", "members", str(path), "--organisation", "dcx", stdout=out)
    text = out.getvalue()
    assert "操作人：alice" in text and "新增3条" in text
    entries = AuditEntry.objects.filter(action="member.create", source="command:import_data")
    assert entries.count() == 3 and len({e.request_id for e in entries}) == 1
    out = io.StringIO()
    call_command("import_data", "members", str(path), "--organisation", "dcx", "--user", "alice", stdout=out)
    assert "新增0条，更新0条，未变化3条" in out.getvalue()


def test_command_rejects_bad_rows_with_exit_code_1(world: World, tmp_path: Path) -> None:
    before = counts()
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_data", "members", str(bad_file(tmp_path)), "--organisation", "dcx", stdout=out)
    assert exc.value.returncode == 1 and counts() == before
    assert "第3行 [身份证号] 身份证号码校验位错误" in out.getvalue()
    assert "第8行 [身份证号] 与第2行的身份证号码重复" in out.getvalue()


def test_command_valid_only_and_simplify(world: World, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("import_data", "members", str(bad_file(tmp_path)), "--organisation", "dcx", "--valid-only", stdout=out)
    assert "新增2条" in out.getvalue()
    path = write_xlsx(tmp_path / "t.xlsx", [["張偉", ID_C, "", "", ""]])
    call_command("import_data", "members", str(path), "--organisation", "dcx", "--simplify", stdout=io.StringIO())
    assert Person.objects.get(id_number=ID_C).name == "张伟"


def test_command_dry_run_saves_nothing(world: World, tmp_path: Path) -> None:
    before, audit = counts(), AuditEntry.objects.count()
    out = io.StringIO()
    path = write_csv(tmp_path / "ok.csv", GOOD_ROWS, "gbk")
    call_command("import_data", "members", str(path), "--organisation", "dcx", "--dry-run", stdout=out)
    assert "有效3行" in out.getvalue() and "未保存" in out.getvalue()
    assert counts() == before and AuditEntry.objects.count() == audit


def test_command_out_of_scope_user_exits_1_and_saves_nothing(world: World, tmp_path: Path) -> None:
    before = counts()
    path = write_xlsx(tmp_path / "ok.xlsx", GOOD_ROWS)
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_data", "members", str(path), "--organisation", "dcx", "--user", "charlie", stdout=io.StringIO()
        )
    assert exc.value.returncode == 1 and "无权" in str(exc.value) and counts() == before


def test_command_needs_an_office_clerk_of_the_organisation(world: World, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "ok.xlsx", GOOD_ROWS)
    with pytest.raises(CommandError, match="找不到编码"):
        call_command("import_data", "members", str(path), "--organisation", "nope", stdout=io.StringIO())


def test_command_writes_the_template(world: World, tmp_path: Path) -> None:
    target = tmp_path / "模板.xlsx"
    call_command("import_data", "members", "--template", str(target), stdout=io.StringIO())
    table = read_table(target)
    assert table.header == [f.label for f in FIELDS] and table.rows == []
    assert [f.label for f in FIELDS if f.required] == ["姓名", "身份证号码"]
