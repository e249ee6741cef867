"""The proposal list to .xlsx: exactly the filtered rows, written row by row (write-only
workbook). No contact data: proposers by name only."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from lvzhi.proposals.models import AssignmentState, Proposal

HEADERS = [
    "序号",
    "编号",
    "案由",
    "提案人",
    "提案者类型",
    "所属政协",
    "年度",
    "类别",
    "提案类型",
    "状态",
    "办理方式",
    "承办单位",
    "答复类别",
    "重点提案",
    "督办领导",
    "优秀提案",
    "提交时间",
    "立案时间",
    "交办时间",
    "答复时间",
    "办结时间",
]


def _date(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d") if value else ""


def proposal_rows(proposals: Iterable[Proposal]) -> Iterator[list[object]]:
    for i, p in enumerate(proposals, start=1):
        units = [
            f"{a.unit.name}（{a.get_role_display()}）"
            for a in p.assignments.all()
            if a.state != AssignmentState.CANCELLED
        ]
        classes = [r.reply_class for r in p.replies.all() if r.round == p.round and r.state == "approved"]
        yield [
            i,
            p.number,
            p.title,
            p.proposer_names,
            p.get_proposer_type_display(),
            p.organisation.short_name,
            p.year,
            p.category,
            p.get_kind_display(),
            p.get_state_display(),
            p.get_handling_mode_display() if p.handling_mode else "",
            "、".join(units),
            "、".join(classes),
            "是" if p.is_key else "",
            p.supervisor.display_name if p.supervisor else "",
            "是" if p.is_excellent else "",
            _date(p.submitted_at),
            _date(p.filed_at),
            _date(p.assigned_at),
            _date(p.replied_at),
            _date(p.closed_at),
        ]


def proposal_workbook(proposals: Iterable[Proposal]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("提案")
    ws.freeze_panes = "A2"
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    rows = proposals.iterator(chunk_size=500) if hasattr(proposals, "iterator") else proposals
    for row in proposal_rows(rows):
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
