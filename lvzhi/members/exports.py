"""Member list to .xlsx, streamed row by row (write-only workbook), masked unless allowed."""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font

from lvzhi.core.identity import mask_id_number, mask_mobile
from lvzhi.members.models import Membership

HEADERS = [
    "序号",
    "姓名",
    "性别",
    "民族",
    "政治面貌",
    "身份证号码",
    "手机号码",
    "所属政协",
    "政协职务",
    "界别",
    "工作组",
    "专门委员会",
    "工作单位",
    "职务职称",
    "学历",
    "专长",
    "委员编号",
]


def member_rows(memberships: Iterable[Membership], *, show_personal: bool) -> Iterable[list[object]]:
    for i, m in enumerate(memberships, start=1):
        p = m.person
        yield [
            i,
            p.name,
            p.get_gender_display(),
            p.ethnicity,
            p.get_party_display(),
            p.id_number if show_personal else mask_id_number(p.id_number),
            p.mobile if show_personal else mask_mobile(p.mobile),
            m.organisation.short_name,
            m.get_role_display(),
            m.sector.name if m.sector else "",
            m.working_group.name if m.working_group else "",
            m.special_committee.name if m.special_committee else "",
            p.employer,
            p.job_title,
            p.education,
            p.expertise,
            m.code,
        ]


def member_workbook(memberships: Iterable[Membership], *, show_personal: bool) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("委员名单")
    ws.freeze_panes = "A2"
    from openpyxl.cell import WriteOnlyCell

    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in member_rows(
        memberships.iterator(chunk_size=2000) if hasattr(memberships, "iterator") else memberships,
        show_personal=show_personal,
    ):
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
