"""Historic proposal import (`import_data proposals`): a valid file creates consistent records
through `import_historic_proposal`; any bad row (unknown or ambiguous proposer, unknown unit,
duplicate number, bad date…) is a row error and nothing is saved."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pytest
import xlwt
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from lvzhi.audit.models import AuditEntry
from lvzhi.core.errors import NotFound
from lvzhi.core.importing import IMPORTERS, Mode, load_importers
from lvzhi.proposals.figures import proposal_figures
from lvzhi.proposals.imports import ProposalImporter, parse_count
from lvzhi.proposals.models import (
    Assignment,
    AssignmentState,
    FaceToFace,
    Proposal,
    ProposalEvent,
    Rating,
    Reply,
    ReplyState,
    State,
    UnitRole,
)
from lvzhi.proposals.testing import ProposalWorld, build_proposal_world
from lvzhi.testing import World, add_member, member_data

pytestmark = pytest.mark.django_db

HEADER = ["年度", "届次", "会议次数", "编号", "案由", "提案人", "类别", "大会/平时", "审查结果", "不立案理由", "并入编号",
          "承办单位", "办理方式", "答复类别", "答复日期", "面商方式", "面商日期", "满意度", "交办日期"]  # fmt: skip
N1, N2, N3, N4 = (f"第16届第1次会议第000{i}号" for i in range(1, 5))
GOOD: list[list[object]] = [
    [2018, 16, 1, N1, "关于改善农村饮水的建议", "王建国、丁一", "社会", "大会", "立案", "", "",
     "东城县教育局（主办）、东城县发展和改革局", "", "A", "2018-06-30", "面谈", "2018年5月20日", "满意", "2018-03-01"],
    [2018, "第十六届", "第一次", N2, "关于加强校园交通安全的建议", "丁一", "经济", "平时", "立案", "", "",
     "东城县发展和改革局、东城县交通运输局", "分办", "A、C", "2018-07-01", "", "", "", ""],
    [2018, 16, 1, N3, "关于老旧小区改造的建议", "王建国", "社会", "", "立案", "", "",
     "东城县教育局", "", "", "", "", "", "", "2018-03-01"],
    [2018, "", "", "", "关于学术问题的探讨", "王建国", "", "", "不立案", "属于学术讨论", "", "", "", "", "", "", "", "", ""],
    [2018, "", "", "", "关于农村饮水安全的建议", "丁一", "", "", "并案", "", N1, "", "", "", "", "", "", "", ""],
    [2018, 16, 1, N4, "关于发展乡村旅游的建议", "王建国", "经济", "", "立案", "", "", "", "", "", "", "", "", "", ""],
]  # fmt: skip


@pytest.fixture
def pw(world: World) -> ProposalWorld:
    return build_proposal_world(world)


def xlsx(rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def run(pw: ProposalWorld, content: bytes, filename: str = "历史提案.xlsx", **kwargs: object):  # type: ignore[no-untyped-def]
    importer = ProposalImporter(actor=pw.world.alice, organisation=pw.world.county)
    return importer.run(content, filename, **kwargs)  # type: ignore[arg-type]


def test_it_is_registered() -> None:
    assert load_importers()["proposals"] is ProposalImporter
    assert IMPORTERS["proposals"] is ProposalImporter


def test_a_valid_file_creates_consistent_records(pw: ProposalWorld) -> None:
    report = run(pw, xlsx(GOOD))
    assert not report.errors and not report.file_errors, [str(e) for e in report.errors] + report.file_errors
    assert report.saved and report.created == 6
    w = pw.world
    p1 = Proposal.objects.get(number=N1)
    assert (p1.state, p1.handling_mode, p1.kind, p1.year, p1.session, p1.term.number, p1.seq) == (  # type: ignore[union-attr]
        State.CLOSED,
        "joint",
        "plenary",
        2018,
        1,
        16,
        1,
    )
    assert p1.proposer_names == "王建国、丁一" and p1.signers.get(is_first=True).person.name == "王建国"
    roles = {a.unit.name: a.role for a in p1.assignments.select_related("unit")}
    assert roles == {"东城县教育局": UnitRole.LEAD, "东城县发展和改革局": UnitRole.ASSIST}
    reply = Reply.objects.get(proposal=p1)
    assert (reply.assignment.unit, reply.reply_class, reply.state) == (pw.edu, "A", ReplyState.APPROVED)
    assert FaceToFace.objects.get(proposal=p1).date.isoformat() == "2018-05-20"
    rating = Rating.objects.get(proposal=p1)
    assert (rating.person.name, rating.result, rating.process) == ("王建国", "satisfied", "satisfied")
    p2 = Proposal.objects.get(number=N2)
    assert p2.state == State.REPLIED and p2.handling_mode == "split"
    assert sorted(Reply.objects.filter(proposal=p2).values_list("reply_class", flat=True)) == ["A", "C"]
    p3 = Proposal.objects.get(number=N3)
    a3 = p3.assignments.get()
    assert (
        p3.state == State.ASSIGNED and a3.state == AssignmentState.ACCEPTED and a3.deadline.isoformat() == "2018-06-01"
    )
    assert Proposal.objects.get(title="关于学术问题的探讨").state == State.NOT_FILED
    merged = Proposal.objects.get(title="关于农村饮水安全的建议")
    assert merged.state == State.MERGED and merged.merged_into == p1
    assert Proposal.objects.get(number=N4).state == State.FILED
    assert ProposalEvent.objects.filter(action="import").count() == 6
    assert AuditEntry.objects.filter(action="proposal.import", actor=w.alice).count() == 6
    assert not Assignment.objects.filter(proposal__number=N4).exists()
    # The figures of 2018 count the imported records.
    fig = proposal_figures(w.county, year=2018)
    assert {k: fig[k] for k in ("received", "filed", "not_filed", "merged", "assigned", "replied", "solved_or_solving",
                                "face_to_face", "ratings", "satisfaction_rate", "overdue")} == {
        "received": 6, "filed": 4, "not_filed": 1, "merged": 1, "assigned": 3, "replied": 2, "solved_or_solving": 2,
        "face_to_face": 1, "ratings": 1, "satisfaction_rate": 1.0, "overdue": 1,
    }  # fmt: skip
    # Importing the same file again: every number now exists.
    again = run(pw, xlsx(GOOD))
    assert not again.saved and any("已存在" in e.message for e in again.errors)


def errors_of(report) -> dict[tuple[int, str], str]:  # type: ignore[no-untyped-def]
    return {(e.row, e.column): e.message for e in report.errors}


def test_bad_rows_are_row_errors_and_nothing_is_saved(pw: ProposalWorld) -> None:
    w = pw.world
    # A second 王建国 on the committee, added through the member actions.
    add_member(w.alice, w.county, member_data("王建国", "11010119800101001", mobile="13900009999", code="W2"))
    existing = Proposal.objects.count()
    rows = [
        [2018, 16, 1, "X1", "未知提案人", "张无忌", "社会", "", "立案", "", "", "", "", "", "", "", "", "", ""],
        [2018, 16, 1, "X2", "同名委员", "王建国", "社会", "", "立案", "", "", "", "", "", "", "", "", "", ""],
        [2018, 16, 1, "X3", "未知单位", "丁一", "社会", "", "立案", "", "", "县不存在局", "", "A", "2018-06-01", "", "", "", ""],
        [2018, 16, 1, "X4", "编号重复一", "丁一", "社会", "", "立案", "", "", "", "", "", "", "", "", "", ""],
        [2018, 16, 1, "X4", "编号重复二", "丁一", "社会", "", "立案", "", "", "", "", "", "", "", "", "", ""],
        [2018, 16, 1, "X6", "日期错误", "丁一", "社会", "", "立案", "", "", "东城县教育局", "", "A", "2018-02-30", "", "", "", ""],
        [2018, 16, 1, "X7", "限定姓名", "王建国(13900009999)、王建国(W9)", "社会", "", "立案", "", "", "", "", "", "", "", "", "", ""],
        [2018, 16, 1, "X8", "好的一行", "王建国(13800001234)、丁一", "社会", "", "立案", "", "", "", "", "", "", "", "", "", ""],
        [2018, 16, 1, "", "并入不存在", "丁一", "", "", "并案", "", "不存在的编号", "", "", "", "", "", "", "", ""],
        [2018, 16, 1, "X10", "满意度没有答复", "丁一", "", "", "立案", "", "", "", "", "", "", "", "", "满意", ""],
    ]  # fmt: skip
    report = run(pw, xlsx(rows))
    errors = errors_of(report)
    assert "本政协委员名单中没有“张无忌”" in errors[(2, "提案人")]
    assert "有2位名为“王建国”的委员" in errors[(3, "提案人")]
    assert "没有名为“县不存在局”的承办单位" in errors[(4, "承办单位")]
    assert errors[(6, "编号")] == "与第5行的编号重复"
    assert "不存在" in errors[(7, "答复日期")]
    assert "W9" in errors[(8, "提案人")]
    assert not any(row == 9 for row, _c in errors)  # 王建国(phone) picks the right one
    assert "并入编号" in errors[(10, "并入编号")]
    assert "答复" in errors[(11, "答复日期")]
    assert report.rejected and not report.saved
    assert Proposal.objects.count() == existing
    # Valid rows only: the good rows are saved, the bad ones skipped.
    partial = run(pw, xlsx(rows), mode=Mode.VALID_ONLY)
    assert partial.saved and partial.created == 2
    assert set(Proposal.objects.values_list("number", flat=True)) == {"X4", "X8"}
    assert Proposal.objects.get(number="X4").title == "编号重复一"
    x8 = Proposal.objects.get(number="X8")
    assert x8.signers.get(is_first=True).person.mobile == "13800001234"


def test_a_number_already_in_the_database_is_a_row_error(pw: ProposalWorld) -> None:
    assert run(pw, xlsx(GOOD[:1])).saved
    report = run(pw, xlsx([GOOD[3], GOOD[0]]))
    assert errors_of(report)[(3, "编号")] == f"编号“{N1}”已存在于系统中"
    assert Proposal.objects.count() == 1


def test_an_xls_written_with_xlwt_works(pw: ProposalWorld, tmp_path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("历史提案")
    for c, label in enumerate(HEADER):
        sheet.write(0, c, label)
    for r, row in enumerate(GOOD, start=1):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    path = tmp_path / "历史提案.xls"
    book.save(str(path))
    report = run(pw, path.read_bytes(), "历史提案.xls")
    assert report.saved and report.created == 6, [str(e) for e in report.errors]


def test_the_import_command_and_template(pw: ProposalWorld, tmp_path: Path) -> None:
    path = tmp_path / "历史提案.xlsx"
    path.write_bytes(xlsx(GOOD))
    out = io.StringIO()
    call_command("import_data", "proposals", str(path), "--organisation", "dcx", "--dry-run", stdout=out)
    assert Proposal.objects.count() == 0 and "校验通过" in out.getvalue()
    call_command("import_data", "proposals", str(path), "--organisation", "dcx", stdout=out)
    assert Proposal.objects.count() == 6
    with pytest.raises(CommandError, match="未保存任何数据"):
        call_command("import_data", "proposals", str(path), "--organisation", "dcx", stdout=io.StringIO())
    template = tmp_path / "模板.xlsx"
    call_command("import_data", "proposals", "--organisation", "dcx", "--template", str(template), stdout=io.StringIO())
    wb = load_workbook(template)
    header = [c.value for c in wb.worksheets[0][1]]
    assert header[:6] == ["年度", "届次", "会议次数", "届次/会议次数", "编号", "案由"]
    notes = "\n".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "东城县教育局" in notes and "姓名(手机号)" in notes


def test_another_county_cannot_import(pw: ProposalWorld) -> None:
    importer = ProposalImporter(actor=pw.world.charlie, organisation=pw.world.county)
    with pytest.raises(NotFound):
        importer.run(xlsx(GOOD), "x.xlsx")


def test_parse_count() -> None:
    assert [parse_count(t) for t in ("16", "第十六届", "十六", "第一次", "二十一", "十", "abc")] == [
        16,
        16,
        16,
        1,
        21,
        10,
        None,
    ]
