"""提案统计 for the office and leaders: one page with every figure and its definition, an
ECharts chart, a per-county breakdown for a city and the per-unit evaluation (测评) with an
.xlsx export; and the session's bound compilation (提案汇编) as a Word document.

A committee outside the user's scope answers 404, as if it did not exist."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lvzhi.accounts.models import Role, User
from lvzhi.accounts.scoping import organisation_ids_in_scope
from lvzhi.core.figures import label_for
from lvzhi.organisations.models import Organisation
from lvzhi.proposals.figures import (
    DEFINITIONS,
    UNIT_DEFINITIONS,
    breakdown,
    default_year,
    proposal_figures,
    unit_evaluation,
    years_with_proposals,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# The figures shown as cards, in order: (key, short label, is a rate).
CARDS: list[tuple[str, str, bool]] = [
    ("received", "收到提案", False),
    ("filed", "立案", False),
    ("not_filed", "不予立案", False),
    ("merged", "并案", False),
    ("withdrawn", "撤案", False),
    ("pending_review", "待审查", False),
    ("assigned", "已交办", False),
    ("replied", "已办复", False),
    ("reply_rate", "办复率", True),
    ("solved_or_solving", "解决或正在解决", False),
    ("solved_or_solving_rate", "解决或正在解决率", True),
    ("face_to_face_rate", "面商率", True),
    ("satisfaction_rate", "满意率", True),
    ("process_satisfaction_rate", "办理过程满意率", True),
    ("overdue", "逾期", False),
    ("rehandled", "重办", False),
    ("key", "重点提案", False),
    ("excellent", "优秀提案", False),
]
BREAKDOWN_COLUMNS = ["received", "filed", "not_filed", "merged", "assigned", "replied", "reply_rate",
                     "solved_or_solving_rate", "face_to_face_rate", "satisfaction_rate", "overdue", "rehandled"]  # fmt: skip
UNIT_COLUMNS: list[tuple[str, str, bool]] = [
    ("assigned", "交办件数", False),
    ("assisted", "协办件数", False),
    ("replied", "已答复件数", False),
    ("on_time", "按期答复件数", False),
    ("overdue", "逾期未答复件数", False),
    ("on_time_rate", "按期答复率", True),
    ("face_to_face_rate", "面商率", True),
    ("satisfaction_rate", "满意率", True),
    ("solved_rate", "A/B类占比", True),
]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _organisations(user: User) -> Any:
    """Office clerks and leaders see the figures of their committee and its subtree."""
    if user.role not in (Role.OFFICE, Role.LEADER):
        raise Http404()
    orgs = Organisation.objects.visible_to(user).order_by("path")
    if not orgs.exists():
        raise Http404()
    return orgs


def _selection(request: HttpRequest) -> tuple[Any, Organisation, int | None]:
    user: User = request.user  # type: ignore[assignment]
    orgs = _organisations(user)
    code = request.GET.get("organisation") or (user.organisation.code if user.organisation else "")
    org = orgs.filter(code=code).first()
    if org is None:
        raise Http404()
    raw = (request.GET.get("year") or "").strip()
    year: int | None
    if raw == "all":
        year = None
    elif raw.isdigit() and 1949 <= int(raw) <= 2200:
        year = int(raw)
    else:
        year = default_year(org)
    return orgs, org, year


def _cards(fig: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "label": label,
            "value": percent(fig[key]) if is_rate else fig[key],
            "definition": fig["definitions"].get(key, ""),
        }
        for key, label, is_rate in CARDS
    ]


def _row_cells(row: dict[str, Any], columns: list[tuple[str, str, bool]]) -> list[Any]:
    return [percent(row[key]) if is_rate else row[key] for key, _label, is_rate in columns]


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    orgs, org, year = _selection(request)
    fig = proposal_figures(org, year=year)
    rows = breakdown(org, year=year)
    evaluation = unit_evaluation(org, year=year)
    breakdown_columns = [(k, label_for(k, DEFINITIONS), k.endswith("_rate")) for k in BREAKDOWN_COLUMNS]
    chart = {
        "counts": {
            "labels": [label for key, label, is_rate in CARDS if not is_rate and key not in ("key", "excellent")],
            "values": [fig[key] for key, _l, is_rate in CARDS if not is_rate and key not in ("key", "excellent")],
        },
        "rates": {
            "labels": [label for _k, label, is_rate in CARDS if is_rate],
            "values": [None if fig[key] is None else round(fig[key] * 100, 1) for key, _l, is_rate in CARDS if is_rate],
        },
        "breakdown": {
            "labels": [r["name"] for r in rows],
            "received": [r["received"] for r in rows],
            "filed": [r["filed"] for r in rows],
            "replied": [r["replied"] for r in rows],
        },
    }
    return render(
        request,
        "proposals/figures_page.html",
        {
            "org": org,
            "orgs": orgs,
            "year": year,
            "years": years_with_proposals(org),
            "fig": fig,
            "cards": _cards(fig),
            "breakdown": [{"name": r["name"], "cells": _row_cells(r, breakdown_columns)} for r in rows],
            "breakdown_columns": breakdown_columns,
            "units": [
                {"name": r["name"], "organisation": r["organisation"], "cells": _row_cells(r, UNIT_COLUMNS)}
                for r in evaluation["rows"]
            ],
            "unit_columns": UNIT_COLUMNS,
            "unit_definitions": UNIT_DEFINITIONS,
            "chart": chart,
            "year_param": "all" if year is None else year,
        },
    )


def figures_workbook(org: Organisation, year: int | None) -> bytes:
    """The page as a workbook: 提案统计 (figure, value, definition), 分级统计 for a city and
    承办单位测评. Rates are fractions of 1 formatted as percentages."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    fig = proposal_figures(org, year=year)
    evaluation = unit_evaluation(org, year=year)
    rows = breakdown(org, year=year)
    bold = Font(bold=True)
    when = f"{year}年度" if year else "全部年度"
    wb = Workbook()
    ws = wb.active
    ws.title = "提案统计"
    ws.append(["统计项", "数值", "口径说明"])
    for key, value in fig.items():
        if key in DEFINITIONS and not isinstance(value, list):
            ws.append([label_for(key, DEFINITIONS), value, DEFINITIONS[key]])
            if key.endswith("_rate"):
                ws.cell(row=ws.max_row, column=2).number_format = "0.0%"
    ws.append([])
    ws.append([f"{org.name} {when}（含下级政协），统计时间：{timezone.localdate():%Y-%m-%d}"])
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["C"].width = 100
    for cell in ws[1]:
        cell.font = bold
    for row in ws.iter_rows(min_row=2, min_col=3, max_col=3):
        row[0].alignment = Alignment(wrap_text=True)
    if rows:
        sheet = wb.create_sheet("分级统计")
        sheet.append(["政协", *[label_for(k, DEFINITIONS) for k in BREAKDOWN_COLUMNS]])
        for r in rows:
            sheet.append([r["name"], *[r[k] for k in BREAKDOWN_COLUMNS]])
            for i, k in enumerate(BREAKDOWN_COLUMNS, start=2):
                if k.endswith("_rate"):
                    sheet.cell(row=sheet.max_row, column=i).number_format = "0.0%"
        for cell in sheet[1]:
            cell.font = bold
        sheet.column_dimensions["A"].width = 20
    units = wb.create_sheet("承办单位测评")
    units.append(["序号", "承办单位", "所属政协", *[label for _k, label, _r in UNIT_COLUMNS]])
    for i, r in enumerate(evaluation["rows"], start=1):
        units.append([i, r["name"], r["organisation"], *[r[k] for k, _l, _r in UNIT_COLUMNS]])
        for j, (_k, _l, is_rate) in enumerate(UNIT_COLUMNS, start=4):
            if is_rate:
                units.cell(row=units.max_row, column=j).number_format = "0.0%"
    for cell in units[1]:
        cell.font = bold
    units.column_dimensions["B"].width = 26
    units.append([])
    units.append(["口径说明"])
    for text in UNIT_DEFINITIONS.values():
        units.append(["", text])
    units.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def figures_export(request: HttpRequest) -> HttpResponse:
    _orgs, org, year = _selection(request)
    when = f"{year}年度" if year else "全部年度"
    return _attachment(figures_workbook(org, year), XLSX, f"{org.short_name}{when}提案统计及承办单位测评.xlsx")


@login_required
def compilation(request: HttpRequest) -> HttpResponse:
    """提案汇编 (.docx) of one committee's session: only the filed proposals the user may see."""
    from lvzhi.proposals.documents import compilation_docx, compilation_title, session_proposals

    user: User = request.user  # type: ignore[assignment]
    code = request.GET.get("organisation") or (user.organisation.code if user.organisation else "")
    org = Organisation.objects.filter(code=code, pk__in=organisation_ids_in_scope(user)).first() if code else None
    if org is None:
        raise Http404()
    term_raw, session_raw = request.GET.get("term", ""), request.GET.get("session", "")
    term_number = int(term_raw) if term_raw.isdigit() else None
    session = int(session_raw) if session_raw.isdigit() else None
    term, session, proposals = session_proposals(user, org, term_number=term_number, session=session)
    title = compilation_title(org, term, session)
    return _attachment(compilation_docx(org, term, session, proposals), DOCX, f"{title}.docx")
