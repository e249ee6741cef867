"""Handling-unit pages (承办单位): the unit's inbox of assigned proposals and one assignment's
page, from which the clerk accepts (签收), asks for re-assignment (申请调整), records 面商,
sends the assisting opinion (协办意见), submits the reply (答复) and asks for an extension.

Every write goes through lvzhi.proposals.actions; the pages only parse what was typed and
show the actions' Chinese messages next to the field they concern."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lvzhi.accounts.models import Role, User
from lvzhi.core.dates import DateError, parse_date
from lvzhi.core.errors import ActionError, Forbidden, Invalid, NotFound
from lvzhi.core.http import action_errors
from lvzhi.proposals import actions
from lvzhi.proposals.models import (
    Assignment,
    AssignmentState,
    ConsultationMode,
    ExtensionState,
    Rating,
    Reply,
    ReplyState,
    Satisfaction,
    State,
    UnitRole,
)

LETTER_MAX_BYTES = 20 * 1024 * 1024
# Allowed extensions of the signed reply letter and the bytes such a file starts with.
LETTER_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    ".docx": (b"PK\x03\x04",),
}
ACTIVE_STATES = (AssignmentState.PENDING, AssignmentState.OBJECTED, AssignmentState.ACCEPTED)


# ---------------------------------------------------------------------------------------
# helpers


def _unit_user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if user.role != Role.UNIT or not user.handling_unit_id:
        raise Http404(_("页面不存在"))
    return user


def _assignment_for(user: User, pk: int) -> Assignment:
    """One of the user's unit's assignments (not re-assigned away); anything else is 404."""
    assignment = (
        Assignment.objects.select_related("proposal__organisation", "unit")
        .filter(pk=pk, unit_id=user.handling_unit_id)
        .exclude(state=AssignmentState.CANCELLED)
        .first()
    )
    if assignment is None:
        raise NotFound(_("交办事项不存在"))
    return assignment


def _warn_days(assignment: Assignment) -> int:
    return actions.settings_for(assignment.proposal.organisation).deadline_reminder_days


@dataclass
class Due:
    """How much time is left until a deadline, and how urgent that is."""

    days: int
    urgency: str  # "overdue", "soon" or ""

    @property
    def overdue_days(self) -> int:
        return -self.days


def due(deadline: dt.date, today: dt.date, warn_days: int = 14) -> Due:
    days = (deadline - today).days
    return Due(days, "overdue" if days < 0 else "soon" if days <= warn_days else "")


def check_letter(letter: UploadedFile | None) -> str:
    """The Chinese message for a reply letter that is not acceptable, or ""."""
    if letter is None:
        return ""
    ext = os.path.splitext(letter.name or "")[1].lower()
    if ext not in LETTER_SIGNATURES:
        return _("答复函只能是PDF、JPG、PNG、DOC或DOCX文件")
    if not letter.size:
        return _("答复函文件是空的")
    if letter.size > LETTER_MAX_BYTES:
        return _("答复函文件不能超过20MB")
    letter.seek(0)
    head = letter.read(16)
    letter.seek(0)
    if not any(head.startswith(sig) for sig in LETTER_SIGNATURES[ext]):
        return _("答复函文件内容与扩展名不符，请上传PDF、JPG、PNG、DOC或DOCX文件")
    return ""


# ---------------------------------------------------------------------------------------
# the inbox


@dataclass
class Row:
    a: Assignment
    due: Due | None


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """本单位承办的提案, grouped 待签收 / 办理中 / 答复待审核 / 已答复."""
    user = _unit_user(request)
    today = timezone.localdate()
    assignments = (
        Assignment.objects.filter(unit_id=user.handling_unit_id)
        .exclude(state=AssignmentState.CANCELLED)
        .select_related("proposal__organisation")
        .order_by("deadline", "id")
    )
    warn: dict[int, int] = {}
    groups: dict[str, list[Row]] = {"pending": [], "accepted": [], "replied": [], "done": []}
    for a in assignments:
        org_id = a.proposal.organisation_id
        if org_id not in warn:
            warn[org_id] = actions.settings_for(a.proposal.organisation).deadline_reminder_days
        row = Row(a, due(a.deadline, today, warn[org_id]) if a.state in ACTIVE_STATES else None)
        if a.state in (AssignmentState.PENDING, AssignmentState.OBJECTED):
            groups["pending"].append(row)
        elif a.state == AssignmentState.ACCEPTED:
            groups["accepted"].append(row)
        elif a.state == AssignmentState.REPLIED:
            groups["replied"].append(row)
        else:
            groups["done"].append(row)
    groups["pending"].sort(key=lambda r: (r.a.objection_deadline, r.a.pk))
    groups["done"].sort(key=lambda r: r.a.done_at or r.a.assigned_at, reverse=True)
    sections = [
        ("pending", _("待签收"), groups["pending"]),
        ("accepted", _("办理中"), groups["accepted"]),
        ("replied", _("答复待审核"), groups["replied"]),
        ("done", _("已答复"), groups["done"]),
    ]
    overdue = sum(1 for rows in groups.values() for r in rows if r.due and r.due.urgency == "overdue")
    return render(
        request,
        "proposals/handling_inbox.html",
        {"sections": sections, "today": today, "overdue": overdue, "unit": user.handling_unit},
    )


# ---------------------------------------------------------------------------------------
# one assignment


def _detail_context(user: User, a: Assignment) -> dict[str, Any]:
    proposal = a.proposal
    today = timezone.localdate()
    conf = actions.settings_for(proposal.organisation)
    replies = list(a.replies.order_by("-round", "-submitted_at", "-id"))
    latest = replies[0] if replies else None
    returned = (
        latest if latest and latest.state == ReplyState.RETURNED and a.state == AssignmentState.ACCEPTED else None
    )
    pending_extension = a.extensions.filter(state=ExtensionState.PENDING).first()
    assists = []
    if a.role == UnitRole.LEAD:
        assists = list(
            proposal.assignments.filter(role=UnitRole.ASSIST)
            .exclude(state=AssignmentState.CANCELLED)
            .select_related("unit")
        )
    previous_ratings = []
    if proposal.round > 1:
        previous_ratings = list(
            Rating.objects.filter(proposal=proposal, round=proposal.round - 1, result=Satisfaction.UNSATISFIED)
            .select_related("person")
            .order_by("id")
        )
    active = a.state in (AssignmentState.PENDING, AssignmentState.ACCEPTED)
    return {
        "a": a,
        "p": proposal,
        "proposer_names": proposal.proposer_names,
        "units": proposal.assignments.exclude(state=AssignmentState.CANCELLED).select_related("unit"),
        "due": due(a.deadline, today, conf.deadline_reminder_days) if a.state in ACTIVE_STATES else None,
        "today": today,
        "consultations": a.consultations.order_by("-date", "-id"),
        "replies": replies,
        "returned": returned,
        "extensions": a.extensions.order_by("-requested_at"),
        "assists": assists,
        "previous_ratings": previous_ratings,
        "reply_classes": conf.reply_classes,
        "modes": ConsultationMode.choices,
        "can_accept": a.state == AssignmentState.PENDING,
        "can_object": a.state == AssignmentState.PENDING and today <= a.objection_deadline,
        "can_consult": active,
        "can_opinion": a.role == UnitRole.ASSIST and a.state == AssignmentState.ACCEPTED,
        "can_reply": a.replies_required and a.state == AssignmentState.ACCEPTED and proposal.state == State.ASSIGNED,
        "can_extend": active and pending_extension is None,
        "pending_extension": pending_extension,
        "errors": {},
        "values": {},
    }


def _render_detail(
    request: HttpRequest, user: User, a: Assignment, *, form: str = "", errors: dict[str, str] | None = None
) -> HttpResponse:
    context = _detail_context(user, a)
    if form:
        context["errors"] = {form: errors or {}}
        context["values"] = {form: request.POST}
        context["open_form"] = form
    return render(request, "proposals/handling_assignment.html", context, status=400 if form else 200)


@login_required
@action_errors
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _unit_user(request)
    a = _assignment_for(user, pk)
    return _render_detail(request, user, a)


def _run(
    request: HttpRequest, user: User, a: Assignment, form: str, call: Callable[[], object], success: str
) -> HttpResponse:
    """Run an action: on success back to the page with a message; bad input re-renders the
    page with the messages next to the fields (nothing saved); a refused state is a message."""
    try:
        call()
    except (NotFound, Forbidden):
        raise
    except Invalid as exc:
        errors = dict(exc.errors) or {"form": exc.message}
        return _render_detail(request, user, a, form=form, errors=errors)
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("handling:assignment", a.pk)


@login_required
@require_POST
@action_errors
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    user = _unit_user(request)
    a = _assignment_for(user, pk)
    return _run(request, user, a, "accept", lambda: actions.accept_assignment(actor=user, assignment=a), _("已签收"))


@login_required
@require_POST
@action_errors
def object_assignment(request: HttpRequest, pk: int) -> HttpResponse:
    user = _unit_user(request)
    a = _assignment_for(user, pk)
    reason = request.POST.get("reason", "")
    return _run(
        request,
        user,
        a,
        "object",
        lambda: actions.object_assignment(actor=user, assignment=a, reason=reason),
        _("已提交申请调整，请等待提案委员会处理"),
    )


@login_required
@require_POST
@action_errors
def face_to_face(request: HttpRequest, pk: int) -> HttpResponse:
    user = _unit_user(request)
    a = _assignment_for(user, pk)
    try:
        date = parse_date(request.POST.get("date", ""))
    except DateError as exc:
        return _render_detail(request, user, a, form="f2f", errors={"date": str(exc)})
    return _run(
        request,
        user,
        a,
        "f2f",
        lambda: actions.record_face_to_face(
            actor=user,
            assignment=a,
            mode=request.POST.get("mode", ""),
            date=date,
            participants=request.POST.get("participants", ""),
            note=request.POST.get("note", ""),
        ),
        _("已记录面商情况"),
    )


@login_required
@require_POST
@action_errors
def assist_opinion(request: HttpRequest, pk: int) -> HttpResponse:
    user = _unit_user(request)
    a = _assignment_for(user, pk)
    text = request.POST.get("text", "")
    return _run(
        request,
        user,
        a,
        "opinion",
        lambda: actions.send_assist_opinion(actor=user, assignment=a, text=text),
        _("协办意见已送主办单位"),
    )


@login_required
@require_POST
@action_errors
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    user = _unit_user(request)
    a = _assignment_for(user, pk)
    letter = request.FILES.get("letter")
    if message := check_letter(letter):
        return _render_detail(request, user, a, form="reply", errors={"letter": message})
    return _run(
        request,
        user,
        a,
        "reply",
        lambda: actions.submit_reply(
            actor=user,
            assignment=a,
            reply_class=request.POST.get("reply_class", ""),
            content=request.POST.get("content", ""),
            letter=letter,
        ),
        _("答复已提交，等待提案委员会审核"),
    )


@login_required
@require_POST
@action_errors
def extension(request: HttpRequest, pk: int) -> HttpResponse:
    user = _unit_user(request)
    a = _assignment_for(user, pk)
    try:
        new_deadline = parse_date(request.POST.get("new_deadline", ""))
    except DateError as exc:
        return _render_detail(request, user, a, form="extension", errors={"new_deadline": str(exc)})
    return _run(
        request,
        user,
        a,
        "extension",
        lambda: actions.request_extension(
            actor=user, assignment=a, new_deadline=new_deadline, reason=request.POST.get("reason", "")
        ),
        _("延期申请已提交，等待提案委员会审批"),
    )


@login_required
def letter(request: HttpRequest, pk: int, reply_id: int) -> FileResponse:
    """The signed reply letter the unit uploaded."""
    user = _unit_user(request)
    a = Assignment.objects.filter(pk=pk, unit_id=user.handling_unit_id).exclude(state=AssignmentState.CANCELLED).first()
    item: Reply | None = a.replies.filter(pk=reply_id).first() if a is not None else None
    if item is None or not item.letter:
        raise Http404(_("文件不存在"))
    try:
        handle = item.letter.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件不存在")) from None
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(item.letter.name))
