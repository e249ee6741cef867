"""Proposals (提案) over the API: every step of the lifecycle, from draft to the proposers'
rating, through the same actions and the same scoping as the pages.

- Reads are scoped by ``Proposal.objects.visible_to`` (anything outside scope answers 404,
  exactly like a missing object); units reach their own assignments only.
- Every write calls one action of ``lvzhi.proposals.actions``; a wrong start state answers
  400 with the action's Chinese message, a stale ``version`` 409, a wrong role 403 or 404 as
  the action decides.
- Members see only approved replies and their own ratings; the office (and leaders) see
  everything of their committees; a unit sees its own replies and extension requests.
- Dates are accepted as users type them (2026-03-01, 2026/3/1, 2026年3月1日).
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Sequence
from typing import Annotated, Any

from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import PageNumberPagination, paginate
from ninja.schema import DjangoGetter
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from lvzhi.accounts.models import Role, User
from lvzhi.accounts.scoping import organisation_ids_in_scope
from lvzhi.core.api import api_user, typed
from lvzhi.core.dates import DateError, parse_date
from lvzhi.core.errors import Invalid, NotFound
from lvzhi.members.models import Membership, Person
from lvzhi.opinions.models import OpinionKind, PublicOpinion
from lvzhi.organisations.models import HandlingUnit, Organisation
from lvzhi.proposals import actions
from lvzhi.proposals.models import (
    Assignment,
    AssignmentState,
    BodyType,
    ConsultationMode,
    ExtensionRequest,
    HandlingMode,
    Proposal,
    ProposalKind,
    ProposalQuerySet,
    ProposalSigner,
    Reply,
    ReplyState,
    Satisfaction,
    SignerStatus,
    State,
    UnitRole,
)
from lvzhi.proposals.similarity import similar_proposals

router = Router()


# Assignments without an approved reply (or opinion) yet: past their deadline, on a proposal
# in handling, they are overdue (the definition of lvzhi.proposals.queries and the figures).
OPEN_ASSIGNMENT_STATES = (
    AssignmentState.PENDING,
    AssignmentState.ACCEPTED,
    AssignmentState.OBJECTED,
    AssignmentState.REPLIED,
)
# Timeline entries about the units' internal work that proposers do not see (an unapproved
# reply, a reply sent back, an objection, an extension, an assisting unit's opinion).
INTERNAL_EVENTS = {"reply", "return_reply", "object", "extension", "extension_decided", "assist_opinion"}
NOT_FOUND = "提案不存在"
ASSIGNMENT_NOT_FOUND = "交办事项不存在"


# -- input helpers -------------------------------------------------------------------------


def _user_date(value: object) -> object:
    try:
        return parse_date(value)
    except DateError as exc:
        raise PydanticCustomError("date_parsing", str(exc)) from None


UserDate = Annotated[
    dt.date | None,
    BeforeValidator(_user_date),
    WithJsonSchema({"type": "string", "description": "日期，可写成 2026-03-01、2026/3/1 或 2026年3月1日"}),
]


def _code(value: str, choices: type[models.TextChoices]) -> str:
    """A choice as users write it: its value (``joint``) or its label (``会办``)."""
    value = (value or "").strip()
    if value in choices.values:
        return value
    for code, label in choices.choices:
        if value == str(label):
            return str(code)
    return value


def _flag(value: str) -> bool | None:
    value = (value or "").strip().lower()
    if value in ("1", "true", "yes", "on", "是"):
        return True
    if value in ("0", "false", "no", "off", "否"):
        return False
    return None


class In(Schema):
    model_config = ConfigDict(extra="forbid")


class VersionIn(In):
    version: int = Field(..., description="读到的提案 version；他人已处理则返回409，不覆盖他人修改")


# -- scoping -------------------------------------------------------------------------------


def _get_proposal(user: User, pk: int) -> Proposal:
    proposal = Proposal.objects.visible_to(user).select_related("organisation").filter(pk=pk).first()
    if proposal is None:
        raise NotFound(NOT_FOUND)
    return proposal


def visible_assignments(user: User) -> models.QuerySet[Assignment]:
    """A unit: its own assignments (not re-assigned away). Office and leaders: every
    assignment of their committees. Members reach assignments through the proposal."""
    qs = Assignment.objects.all()
    if user.role in (Role.OFFICE, Role.LEADER):
        return qs.filter(proposal__organisation_id__in=organisation_ids_in_scope(user)).exclude(
            proposal__state=State.DRAFT
        )
    if user.role == Role.UNIT and user.handling_unit_id:
        return qs.filter(unit_id=user.handling_unit_id).exclude(state=AssignmentState.CANCELLED)
    return qs.none()


def _get_assignment(user: User, pk: int) -> Assignment:
    assignment = visible_assignments(user).filter(pk=pk).first()
    if assignment is None:
        raise NotFound(ASSIGNMENT_NOT_FOUND)
    return assignment


def _sees_everything(user: User) -> bool:
    return user.role in (Role.OFFICE, Role.LEADER)


def _own_unit(user: User, unit_id: int) -> bool:
    return user.role == Role.UNIT and user.handling_unit_id == unit_id


def _reply_visible(user: User, reply: Reply, unit_id: int) -> bool:
    """Office and leaders: every reply; the unit concerned: its own; everyone else
    (proposers, other units): approved replies only."""
    return _sees_everything(user) or _own_unit(user, unit_id) or reply.state == ReplyState.APPROVED


def _is_overdue(assignment: Assignment, proposal_state: str, today: dt.date) -> bool:
    return (
        proposal_state == State.ASSIGNED and assignment.state in OPEN_ASSIGNMENT_STATES and assignment.deadline < today
    )


# -- output --------------------------------------------------------------------------------


def _unwrap(value: Any) -> Any:
    """The model behind Ninja's DjangoGetter: list rows are built from the model in one go."""
    return value._obj if isinstance(value, DjangoGetter) else value


def _summary(p: Proposal) -> dict[str, Any]:
    """The list row. Needs ``organisation``, ``signers__person`` and ``assignments__unit``
    (prefetched in lists)."""
    today = timezone.localdate()
    active = [a for a in p.assignments.all() if a.state != AssignmentState.CANCELLED]
    return {
        "id": p.pk,
        "organisation": p.organisation.code,
        "organisation_name": p.organisation.name,
        "year": p.year,
        "number": p.number,
        "title": p.title,
        "state": p.state,
        "state_display": p.get_state_display(),
        "category": p.category,
        "kind": p.kind,
        "kind_display": p.get_kind_display(),
        "proposer_type": p.proposer_type,
        "proposer_type_display": p.get_proposer_type_display(),
        "proposers": p.proposer_names,
        "is_key": p.is_key,
        "is_excellent": p.is_excellent,
        "is_published": p.is_published,
        "handling_mode": p.handling_mode,
        "round": p.round,
        "units": [a.unit.name for a in active],
        "overdue": any(_is_overdue(a, p.state, today) for a in active),
        "submitted_at": p.submitted_at,
        "filed_at": p.filed_at,
        "version": p.version,
    }


class ProposalOut(Schema):
    id: int
    organisation: str = Field(..., description="政协组织代码")
    organisation_name: str
    year: int
    number: str = Field(..., description="立案编号（立案后才有）")
    title: str = Field(..., description="案由")
    state: str
    state_display: str
    category: str
    kind: str
    kind_display: str
    proposer_type: str
    proposer_type_display: str
    proposers: str = Field(..., description="提案人（只含姓名；联名者确认后才计入），集体提案为集体名称")
    is_key: bool
    is_excellent: bool
    is_published: bool
    handling_mode: str
    round: int = Field(..., description="办理轮次：不满意退回重办后为2")
    units: list[str] = Field(..., description="承办单位")
    overdue: bool = Field(..., description="办理中且有承办单位超过办理期限未答复")
    submitted_at: dt.datetime | None
    filed_at: dt.datetime | None
    version: int

    @model_validator(mode="before")
    @classmethod
    def _from_model(cls, value: Any) -> Any:
        value = _unwrap(value)
        return _summary(value) if isinstance(value, Proposal) else value


class RefOut(Schema):
    id: int | None
    number: str
    title: str


class SignerOut(Schema):
    name: str
    is_first: bool
    status: str
    status_display: str


class ExtensionOut(Schema):
    id: int
    new_deadline: dt.date
    reason: str
    state: str
    state_display: str
    requested_by: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None


class AssignmentBriefOut(Schema):
    id: int
    unit_id: int
    unit: str
    role: str
    role_display: str
    state: str
    state_display: str
    deadline: dt.date
    objection_deadline: dt.date
    days_left: int = Field(..., description="距办理期限的天数，负数为已超期天数")
    overdue: bool
    accepted_at: dt.datetime | None
    objection_reason: str | None = Field(None, description="申请调整理由（提案工作人员和本单位可见）")
    opinion: str | None = Field(None, description="协办意见（提案工作人员、主办单位和本单位可见）")
    extensions: list[ExtensionOut] | None = Field(None, description="延期申请（提案工作人员和本单位可见）")


class ConsultationOut(Schema):
    id: int
    unit: str
    mode: str
    mode_display: str
    date: dt.date
    participants: str
    note: str
    round: int


class ReplyOut(Schema):
    id: int
    assignment_id: int
    unit: str
    round: int
    reply_class: str
    reply_class_display: str
    content: str
    has_letter: bool
    state: str
    state_display: str
    review_note: str
    submitted_at: dt.datetime
    reviewed_at: dt.datetime | None


class RatingOut(Schema):
    id: int
    name: str
    round: int
    process: str
    process_display: str
    result: str
    result_display: str
    comment: str
    created_at: dt.datetime


class EventOut(Schema):
    action: str
    action_display: str
    actor: str
    from_state: str
    from_state_display: str
    to_state: str
    to_state_display: str
    note: str
    at: dt.datetime


class OpinionRefOut(Schema):
    id: int
    kind: str
    kind_display: str


class ProposalDetailOut(ProposalOut):
    analysis: str = Field(..., description="情况分析")
    suggestions: str = Field(..., description="具体建议")
    suggested_units: str = Field(..., description="建议承办单位")
    body_type: str
    body_name: str
    session: int | None
    not_filed_reason: str
    converted_to: OpinionRefOut | None = Field(None, description="不予立案后转成的社情民意信息或意见建议")
    merged_into: RefOut | None = Field(None, description="并入的提案")
    merged: list[RefOut] = Field(..., description="并入本提案的提案")
    supervisor: str | None = Field(None, description="督办领导")
    is_confidential: bool
    created_at: dt.datetime
    assigned_at: dt.datetime | None
    replied_at: dt.datetime | None
    closed_at: dt.datetime | None
    published_at: dt.datetime | None
    signers: list[SignerOut]
    assignments: list[AssignmentBriefOut]
    consultations: list[ConsultationOut]
    replies: list[ReplyOut] = Field(..., description="委员只看到审核通过的答复")
    ratings: list[RatingOut] = Field(..., description="委员只看到自己的测评")
    events: list[EventOut] = Field(..., description="办理记录")


def _ref(p: Proposal) -> dict[str, Any]:
    return {"id": p.pk, "number": p.number, "title": p.title}


def _extension(ext: ExtensionRequest) -> dict[str, Any]:
    return {
        "id": ext.pk,
        "new_deadline": ext.new_deadline,
        "reason": ext.reason,
        "state": ext.state,
        "state_display": ext.get_state_display(),
        "requested_by": ext.requested_by.display_name,
        "requested_at": ext.requested_at,
        "decided_at": ext.decided_at,
    }


def _assignment_brief(
    user: User, a: Assignment, proposal_state: str, lead_unit_id: int | None, today: dt.date
) -> dict[str, Any]:
    own = _sees_everything(user) or _own_unit(user, a.unit_id)
    sees_opinion = own or (lead_unit_id is not None and _own_unit(user, lead_unit_id))
    return {
        "id": a.pk,
        "unit_id": a.unit_id,
        "unit": a.unit.name,
        "role": a.role,
        "role_display": a.get_role_display(),
        "state": a.state,
        "state_display": a.get_state_display(),
        "deadline": a.deadline,
        "objection_deadline": a.objection_deadline,
        "days_left": (a.deadline - today).days,
        "overdue": _is_overdue(a, proposal_state, today),
        "accepted_at": a.accepted_at,
        "objection_reason": a.objection_reason if own else None,
        "opinion": a.opinion if sees_opinion else None,
        "extensions": [_extension(e) for e in a.extensions.all()] if own else None,
    }


def _reply(r: Reply, class_label: typing.Callable[[str], str]) -> dict[str, Any]:
    return {
        "id": r.pk,
        "assignment_id": r.assignment_id,
        "unit": r.assignment.unit.name,
        "round": r.round,
        "reply_class": r.reply_class,
        "reply_class_display": class_label(r.reply_class),
        "content": r.content,
        "has_letter": bool(r.letter),
        "state": r.state,
        "state_display": r.get_state_display(),
        "review_note": r.review_note,
        "submitted_at": r.submitted_at,
        "reviewed_at": r.reviewed_at,
    }


def _consultation(f: Any) -> dict[str, Any]:
    return {
        "id": f.pk,
        "unit": f.assignment.unit.name,
        "mode": f.mode,
        "mode_display": f.get_mode_display(),
        "date": f.date,
        "participants": f.participants,
        "note": f.note,
        "round": f.round,
    }


def _detail_queryset(user: User) -> ProposalQuerySet:
    return (
        Proposal.objects.visible_to(user)
        .select_related("organisation", "supervisor", "merged_into")
        .prefetch_related(
            Prefetch("signers", queryset=ProposalSigner.objects.select_related("person")),
            Prefetch("assignments", queryset=Assignment.objects.select_related("unit")),
            Prefetch(
                "assignments__extensions",
                queryset=ExtensionRequest.objects.select_related("requested_by").order_by("id"),
            ),
        )
    )


def proposal_detail(user: User, pk: int) -> dict[str, Any]:
    p = _detail_queryset(user).filter(pk=pk).first()
    if p is None:
        raise NotFound(NOT_FOUND)
    today = timezone.localdate()
    everything = _sees_everything(user)
    conf = actions.settings_for(p.organisation)

    assignments = [a for a in p.assignments.all() if everything or a.state != AssignmentState.CANCELLED]
    lead = next(
        (a.unit_id for a in assignments if a.role == UnitRole.LEAD and a.state != AssignmentState.CANCELLED), None
    )
    briefs = [_assignment_brief(user, a, p.state, lead, today) for a in assignments]

    replies = [
        _reply(r, conf.class_label)
        for r in p.replies.select_related("assignment__unit")
        if _reply_visible(user, r, r.assignment.unit_id)
    ]
    ratings_qs = p.ratings.select_related("person").order_by("round", "id")
    if user.role == Role.MEMBER:
        ratings_qs = ratings_qs.filter(person_id=user.person_id or 0)
    ratings = [
        {
            "id": r.pk,
            "name": r.person.name,
            "round": r.round,
            "process": r.process,
            "process_display": r.get_process_display(),
            "result": r.result,
            "result_display": r.get_result_display(),
            "comment": r.comment,
            "created_at": r.created_at,
        }
        for r in ratings_qs
    ]
    events_qs = p.events.all()
    if not everything and user.role != Role.UNIT:
        events_qs = events_qs.exclude(action__in=INTERNAL_EVENTS)
    states = dict(State.choices)
    events = [
        {
            "action": e.action,
            "action_display": actions.ACTION_LABELS.get(e.action, e.action),
            "actor": e.actor_name,
            "from_state": e.from_state,
            "from_state_display": str(states.get(e.from_state, "")),
            "to_state": e.to_state,
            "to_state_display": str(states.get(e.to_state, "")),
            "note": e.note,
            "at": e.at,
        }
        for e in events_qs
    ]
    converted = None
    if p.state == State.NOT_FILED:
        opinion = PublicOpinion.objects.filter(source_proposal=p).first()
        if opinion is not None:
            converted = {"id": opinion.pk, "kind": opinion.kind, "kind_display": opinion.get_kind_display()}
    return {
        **_summary(p),
        "analysis": p.analysis,
        "suggestions": p.suggestions,
        "suggested_units": p.suggested_units,
        "body_type": p.body_type,
        "body_name": p.body_name,
        "session": p.session,
        "not_filed_reason": p.not_filed_reason,
        "converted_to": converted,
        "merged_into": _ref(p.merged_into) if p.merged_into else None,
        "merged": [_ref(m) for m in p.merged.order_by("id")],
        "supervisor": p.supervisor.display_name if p.supervisor else None,
        "is_confidential": p.is_confidential,
        "created_at": p.created_at,
        "assigned_at": p.assigned_at,
        "replied_at": p.replied_at,
        "closed_at": p.closed_at,
        "published_at": p.published_at,
        "signers": [
            {
                "name": s.person.name,
                "is_first": s.is_first,
                "status": s.status,
                "status_display": s.get_status_display(),
            }
            for s in p.signers.all()
        ],
        "assignments": briefs,
        "consultations": [_consultation(f) for f in p.consultations.select_related("assignment__unit")],
        "replies": replies,
        "ratings": ratings,
        "events": events,
    }


# -- proposals: reading --------------------------------------------------------------------


class ProposalFilters(Schema):
    organisation: str = Field("", description="政协组织代码")
    year: str = Field("", description="年度")
    state: str = Field("", description="状态（代码或中文名称，如 assigned 或 办理中）")
    category: str = ""
    kind: str = Field("", description="plenary 大会提案，routine 平时提案")
    unit: str = Field("", description="承办单位 id")
    is_key: str = Field("", description="1 只看重点提案，0 排除重点提案")
    overdue: str = Field("", description="1 只看超期未答复的提案，0 排除")
    q: str = Field("", description="案由、编号、提案人或提案集体")


def _int_param(value: str, field: str, label: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise Invalid({field: f"{label}应为整数"})
    return int(value)


def _late_assignments() -> models.QuerySet[Assignment]:
    return Assignment.objects.filter(
        proposal=OuterRef("pk"), state__in=OPEN_ASSIGNMENT_STATES, deadline__lt=timezone.localdate()
    )


def proposal_list(user: User, filters: ProposalFilters) -> ProposalQuerySet:
    qs = Proposal.objects.visible_to(user)
    if org := filters.organisation.strip():
        qs = qs.filter(organisation__code=org)
    if (year := _int_param(filters.year, "year", "年度")) is not None:
        qs = qs.filter(year=year)
    if state := filters.state.strip():
        qs = qs.filter(state=_code(state, State))
    if category := filters.category.strip():
        qs = qs.filter(category=category)
    if kind := filters.kind.strip():
        qs = qs.filter(kind=_code(kind, ProposalKind))
    if (unit := _int_param(filters.unit, "unit", "承办单位")) is not None:
        units = Assignment.objects.filter(proposal=OuterRef("pk"), unit_id=unit).exclude(
            state=AssignmentState.CANCELLED
        )
        qs = qs.filter(Exists(units))
    if (is_key := _flag(filters.is_key)) is not None:
        qs = qs.filter(is_key=is_key)
    if (overdue := _flag(filters.overdue)) is not None:
        late = Q(state=State.ASSIGNED) & Exists(_late_assignments())
        qs = qs.filter(late) if overdue else qs.exclude(late)
    if q := filters.q.strip():
        signers = ProposalSigner.objects.filter(proposal=OuterRef("pk"), person__name__contains=q).filter(
            Q(is_first=True) | Q(status=SignerStatus.CONFIRMED)
        )
        qs = qs.filter(Q(title__contains=q) | Q(number__contains=q) | Q(body_name__contains=q) | Exists(signers))
    return qs.select_related("organisation").prefetch_related(
        Prefetch("signers", queryset=ProposalSigner.objects.select_related("person")),
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit")),
    )


@router.get("", response=list[ProposalOut], summary="提案列表")
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
@typed
def list_proposals(request: HttpRequest, filters: Query[ProposalFilters]) -> ProposalQuerySet:
    """本人可见的提案：提案工作人员和领导看本级（市级含所辖县区）已提交的提案，委员看自己提出或受邀联名的提案和已公开的提案，
    承办单位看交给本单位办理的提案。可按政协、年度、状态、类别、类型、承办单位、重点提案、超期和关键词筛选。"""
    return proposal_list(api_user(request), filters)


class SimilarOut(Schema):
    id: int | None = Field(None, description="本人可见的提案才有 id、编号和状态")
    number: str | None = None
    state: str | None = None
    state_display: str | None = None
    title: str
    score: float = Field(..., description="相似度（0–1）")


class SimilarFilters(Schema):
    organisation: str = Field(..., description="政协组织代码")
    title: str = Field(..., description="正在起草的案由")
    year: str = Field("", description="年度，默认今年（同时查上一年）")
    exclude: str = Field("", description="排除的提案 id（正在修改的草稿本身）")


@router.get("/similar", response=list[SimilarOut], summary="相似提案")
def similar(request: HttpRequest, filters: Query[SimilarFilters]) -> list[dict[str, Any]]:
    """起草时查找本级政协今年和上一年案由相似的提案（按字二元组索引查找，不逐件比对）。
    委员只能查询自己所在的政协；本人不可见的提案只返回案由和相似度，涉密提案不返回。"""
    user = api_user(request)
    org = Organisation.objects.filter(code=filters.organisation.strip()).first()
    if org is None or org.pk not in organisation_ids_in_scope(user):
        raise NotFound("政协组织不存在")
    if (
        user.role == Role.MEMBER
        and not Membership.objects.filter(person_id=user.person_id or 0, organisation=org, is_active=True).exists()
    ):
        raise NotFound("政协组织不存在")
    year = _int_param(filters.year, "year", "年度") or timezone.localdate().year
    exclude = _int_param(filters.exclude, "exclude", "排除的提案")
    found = similar_proposals(org.pk, year, filters.title, exclude_id=exclude)
    visible = set(
        Proposal.objects.visible_to(user).filter(pk__in=[s.proposal.pk for s in found]).values_list("pk", flat=True)
    )
    out = []
    for s in found:
        p = s.proposal
        if p.pk in visible:
            out.append(
                {
                    "id": p.pk,
                    "number": p.number,
                    "state": p.state,
                    "state_display": p.get_state_display(),
                    "title": p.title,
                    "score": s.score,
                }
            )
        elif not p.is_confidential:
            out.append({"title": p.title, "score": s.score})
    return out


@router.get("/{proposal_id}", response=ProposalDetailOut, summary="提案详情")
def get_proposal(request: HttpRequest, proposal_id: int) -> dict[str, Any]:
    """提案全文、提案人（只含姓名）、交办和承办单位（期限、是否超期）、面商、答复、测评和办理记录。
    委员只看到审核通过的答复和自己的测评。"""
    return proposal_detail(api_user(request), proposal_id)


# -- proposals: draft and submit -----------------------------------------------------------


class DraftFields(In):
    title: str | None = Field(None, description="案由")
    analysis: str | None = Field(None, description="情况分析")
    suggestions: str | None = Field(None, description="具体建议")
    suggested_units: str | None = Field(None, description="建议承办单位")
    category: str | None = Field(None, description="类别（如 经济、社会）")
    kind: str | None = Field(None, description="plenary 大会提案 或 routine 平时提案（也可写中文）")


class DraftIn(DraftFields):
    organisation: str = Field(..., description="政协组织代码")
    body_type: str = Field(
        "", description="集体提案（提案工作人员起草）：party、organisation、special_committee、sector、group"
    )
    body_name: str = Field("", description="集体提案的提案集体名称")


class DraftPatchIn(DraftFields):
    version: int = Field(..., description="读到的提案 version；他人已修改则返回409")


def _draft_data(payload: DraftFields, *, partial: bool) -> dict[str, Any]:
    data = payload.model_dump(include=set(actions.EDITABLE_FIELDS), exclude_unset=partial)
    if not partial:
        data = {key: value or "" for key, value in data.items()}
    if data.get("kind"):
        data["kind"] = _code(data["kind"], ProposalKind)
    return data


@router.post("", response={201: ProposalDetailOut}, summary="起草提案")
def create_proposal(request: HttpRequest, payload: DraftIn) -> Status[dict[str, Any]]:
    """委员起草本人的提案；提案工作人员为集体（党派、人民团体、专门委员会、界别、委员小组）起草集体提案，须写明 body_type 和 body_name。"""
    user = api_user(request)
    org = Organisation.objects.filter(code=payload.organisation.strip()).first()
    if org is None or org.pk not in organisation_ids_in_scope(user):
        raise NotFound("政协组织不存在")
    proposal = actions.create_draft(
        actor=user,
        organisation=org,
        data=_draft_data(payload, partial=False),
        body_type=_code(payload.body_type, BodyType),
        body_name=payload.body_name,
    )
    return Status(201, proposal_detail(user, proposal.pk))


@router.patch("/{proposal_id}", response=ProposalDetailOut, summary="修改提案草稿")
def update_proposal(request: HttpRequest, proposal_id: int, payload: DraftPatchIn) -> dict[str, Any]:
    """第一提案人修改草稿或退回修改的提案，只修改提交的字段。version 过期返回409。"""
    user = api_user(request)
    proposal = _get_proposal(user, proposal_id)
    actions.update_draft(
        actor=user, proposal=proposal, data=_draft_data(payload, partial=True), version=payload.version
    )
    return proposal_detail(user, proposal_id)


class CosignersIn(In):
    persons: list[int] = Field([], description="联名委员的 person_id")
    codes: list[str] = Field([], description="联名委员的委员编号")


@router.post("/{proposal_id}/cosigners", response=ProposalDetailOut, summary="邀请联名")
def invite_cosigners(request: HttpRequest, proposal_id: int, payload: CosignersIn) -> dict[str, Any]:
    """第一提案人邀请本级政协的委员联名（按 person_id 或委员编号），被邀请人确认后才计入提案人。"""
    user = api_user(request)
    proposal = _get_proposal(user, proposal_id)
    if not proposal.signers.filter(person_id=user.person_id or 0, is_first=True).exists():
        # Not the first proposer: the action refuses (404 or 403) before any name is looked up.
        actions.invite_cosigners(actor=user, proposal=proposal, persons=[])
    seats = Membership.objects.filter(organisation_id=proposal.organisation_id, is_active=True)
    by_id = {m.person_id for m in seats.filter(person_id__in=payload.persons)}
    codes = [c.strip() for c in payload.codes if c.strip()]
    by_code = {m.code: m.person_id for m in seats.filter(code__in=codes)} if codes else {}
    missing = [str(pk) for pk in payload.persons if pk not in by_id] + [c for c in codes if c not in by_code]
    if missing:
        raise Invalid({"cosigners": f"以下委员不是本级政协的在任委员：{'、'.join(missing)}"})
    ids = [*payload.persons, *by_code.values()]
    if not ids:
        raise Invalid({"cosigners": "请选择联名委员"})
    persons = Person.objects.in_bulk(ids)
    actions.invite_cosigners(actor=user, proposal=proposal, persons=[persons[pk] for pk in dict.fromkeys(ids)])
    return proposal_detail(user, proposal_id)


class InvitationIn(In):
    accept: bool = Field(..., description="true 确认联名，false 谢绝")


@router.post("/{proposal_id}/invitation", response=ProposalDetailOut, summary="确认或谢绝联名")
def respond_invitation(request: HttpRequest, proposal_id: int, payload: InvitationIn) -> dict[str, Any]:
    """受邀联名的委员确认或谢绝；提案进入审查后不能再确认。"""
    user = api_user(request)
    proposal = _get_proposal(user, proposal_id)
    actions.respond_invitation(actor=user, proposal=proposal, accept=payload.accept)
    return proposal_detail(user, proposal_id)


@router.post("/{proposal_id}/submit", response=ProposalDetailOut, summary="提交提案")
def submit(request: HttpRequest, proposal_id: int, payload: VersionIn) -> dict[str, Any]:
    """第一提案人提交草稿（或退回修改后的提案）；须填写情况分析、具体建议和类别。"""
    user = api_user(request)
    actions.submit(actor=user, proposal=_get_proposal(user, proposal_id), version=payload.version)
    return proposal_detail(user, proposal_id)


class NoteIn(VersionIn):
    note: str = Field("", description="说明")


@router.post("/{proposal_id}/withdraw", response=ProposalDetailOut, summary="撤案")
def withdraw(request: HttpRequest, proposal_id: int, payload: NoteIn) -> dict[str, Any]:
    """第一提案人在立案审查前撤回提案。"""
    user = api_user(request)
    actions.withdraw(actor=user, proposal=_get_proposal(user, proposal_id), version=payload.version, note=payload.note)
    return proposal_detail(user, proposal_id)


# -- proposals: review ---------------------------------------------------------------------


def _office_proposal(user: User, proposal_id: int) -> Proposal:
    """A proposal the user may act on as its committee's proposals office (404 outside
    scope, 403 for other roles), checked before the request's references are looked up."""
    proposal = _get_proposal(user, proposal_id)
    actions.require_office(user, proposal)
    return proposal


@router.post("/{proposal_id}/return", response=ProposalDetailOut, summary="退回修改")
def return_for_revision(request: HttpRequest, proposal_id: int, payload: NoteIn) -> dict[str, Any]:
    """提案工作人员把待审查的提案退回提案人修改，须写明意见（note）。"""
    user = api_user(request)
    proposal = _get_proposal(user, proposal_id)
    actions.return_for_revision(actor=user, proposal=proposal, note=payload.note, version=payload.version)
    return proposal_detail(user, proposal_id)


class FileIn(NoteIn):
    category: str = Field("", description="立案时可调整类别")


@router.post("/{proposal_id}/file", response=ProposalDetailOut, summary="立案")
def file_proposal(request: HttpRequest, proposal_id: int, payload: FileIn) -> dict[str, Any]:
    """提案工作人员立案，按本级政协的编号格式给出本次会议的下一个编号。"""
    user = api_user(request)
    proposal = _get_proposal(user, proposal_id)
    actions.file_proposal(
        actor=user, proposal=proposal, version=payload.version, category=payload.category.strip(), note=payload.note
    )
    return proposal_detail(user, proposal_id)


class NotFileIn(NoteIn):
    reason: str = Field(..., description="不予立案理由（本级政协设置的标准理由之一）")
    convert_to: str = Field("", description="转为 public_opinion 社情民意信息 或 letter 意见建议；空则不转")


@router.post("/{proposal_id}/not-file", response=ProposalDetailOut, summary="不予立案")
def not_file(request: HttpRequest, proposal_id: int, payload: NotFileIn) -> dict[str, Any]:
    """提案工作人员以标准理由不予立案，可转为社情民意信息或意见建议，提案人所写内容不丢失。"""
    user = api_user(request)
    proposal = _get_proposal(user, proposal_id)
    actions.not_file(
        actor=user,
        proposal=proposal,
        reason=payload.reason.strip(),
        convert_to=_code(payload.convert_to, OpinionKind),
        version=payload.version,
        note=payload.note,
    )
    return proposal_detail(user, proposal_id)


class MergeIn(VersionIn):
    into: int = Field(..., description="并入的提案 id")


@router.post("/{proposal_id}/merge", response=ProposalDetailOut, summary="并案")
def merge(request: HttpRequest, proposal_id: int, payload: MergeIn) -> dict[str, Any]:
    """把本提案并入本级政协的另一件提案；两件提案的提案人都会收到答复并测评。"""
    user = api_user(request)
    proposal = _office_proposal(user, proposal_id)
    into = Proposal.objects.visible_to(user).filter(pk=payload.into).first()
    if into is None:
        raise Invalid({"into": "被并入的提案不存在"})
    actions.merge(actor=user, proposal=proposal, into=into, version=payload.version)
    return proposal_detail(user, proposal_id)


class KeyIn(VersionIn):
    is_key: bool = Field(True, description="true 确定为重点提案，false 取消")
    supervisor: int | None = Field(None, description="督办领导的用户 id（本级政协领导）")


@router.post("/{proposal_id}/key", response=ProposalDetailOut, summary="重点提案")
def mark_key(request: HttpRequest, proposal_id: int, payload: KeyIn) -> dict[str, Any]:
    """确定或取消重点提案，并指定督办领导。"""
    user = api_user(request)
    proposal = _office_proposal(user, proposal_id)
    supervisor = User.objects.filter(pk=payload.supervisor).first() if payload.supervisor else None
    actions.mark_key(
        actor=user, proposal=proposal, is_key=payload.is_key, supervisor=supervisor, version=payload.version
    )
    return proposal_detail(user, proposal_id)


class ExcellentIn(VersionIn):
    is_excellent: bool = Field(True, description="true 评为优秀提案，false 取消")


@router.post("/{proposal_id}/excellent", response=ProposalDetailOut, summary="优秀提案")
def mark_excellent(request: HttpRequest, proposal_id: int, payload: ExcellentIn) -> dict[str, Any]:
    """年终评为（或取消）优秀提案。"""
    user = api_user(request)
    proposal = _get_proposal(user, proposal_id)
    actions.mark_excellent(actor=user, proposal=proposal, is_excellent=payload.is_excellent, version=payload.version)
    return proposal_detail(user, proposal_id)


# -- proposals: assignment -----------------------------------------------------------------


class UnitIn(In):
    unit_id: int = Field(..., description="承办单位 id")
    role: str = Field(..., description="sole 单办、split 分办、lead 主办、assist 协办（也可写中文）")


class AssignIn(VersionIn):
    mode: str = Field(..., description="single 单办、split 分办、joint 会办（也可写中文）")
    units: list[UnitIn] = Field([], description="承办单位及各自的承办方式")
    unit_ids: list[int] = Field([], description="或者：承办单位 id，承办方式按办理方式确定（会办须另给 lead）")
    lead: int | None = Field(None, description="会办的主办单位 id（与 unit_ids 一起用）")
    deadline: UserDate = Field(None, description="办理期限，默认交办之日起按本级政协设置的月数")


def _resolve_units(
    proposal: Proposal,
    mode: str,
    units: Sequence[UnitIn],
    unit_ids: Sequence[int],
    lead: int | None,
    *,
    require_lead: bool,
) -> list[tuple[HandlingUnit, str]]:
    """Units of the proposal's own committee (another committee's unit is as unknown as a
    missing one), with their roles as given or as the mode implies."""
    ids = [u.unit_id for u in units] + list(unit_ids)
    found = HandlingUnit.objects.filter(organisation_id=proposal.organisation_id).in_bulk(ids)
    missing = [str(pk) for pk in dict.fromkeys(ids) if pk not in found]
    if lead is not None and lead not in found:
        missing.append(str(lead))
    if missing:
        raise Invalid({"units": f"承办单位不存在：{'、'.join(missing)}"})
    out: list[tuple[HandlingUnit, str]] = []
    for item in units:
        role = _code(item.role, UnitRole)
        if role not in UnitRole.values:
            raise Invalid({"units": "承办方式应为单办、分办、主办或协办"})
        out.append((found[item.unit_id], role))
    if unit_ids:
        if mode == HandlingMode.JOINT and lead is None and require_lead:
            raise Invalid({"lead": "会办须指定主办单位"})
        if lead is not None and lead not in unit_ids:
            raise Invalid({"lead": "主办单位须是所选承办单位之一"})
        listed = [found[pk] for pk in dict.fromkeys(unit_ids)]
        if mode == HandlingMode.JOINT:
            out += [(u, UnitRole.LEAD if u.pk == lead else UnitRole.ASSIST) for u in listed]
        else:
            out += actions.roles_for(mode, listed)
    return out


@router.post("/{proposal_id}/assign", response=ProposalDetailOut, summary="交办")
def assign(request: HttpRequest, proposal_id: int, payload: AssignIn) -> dict[str, Any]:
    """提案工作人员交办已立案的提案：单办（一个单位）、分办（各单位分别答复）或会办（一个主办单位，至少一个协办单位）。"""
    user = api_user(request)
    proposal = _office_proposal(user, proposal_id)
    mode = _code(payload.mode, HandlingMode)
    units = _resolve_units(proposal, mode, payload.units, payload.unit_ids, payload.lead, require_lead=True)
    actions.assign(
        actor=user, proposal=proposal, mode=mode, units=units, version=payload.version, deadline=payload.deadline
    )
    return proposal_detail(user, proposal_id)


class ReassignIn(VersionIn):
    cancel: list[int] = Field([], description="撤回的交办 id")
    units: list[UnitIn] = Field([], description="新增的承办单位及承办方式")
    unit_ids: list[int] = Field([], description="或者：新增的承办单位 id，承办方式按办理方式确定")
    lead: int | None = Field(None, description="会办时新增的主办单位 id")
    mode: str = Field("", description="新的办理方式，空则不变")


@router.post("/{proposal_id}/reassign", response=ProposalDetailOut, summary="改派")
def reassign(request: HttpRequest, proposal_id: int, payload: ReassignIn) -> dict[str, Any]:
    """提案工作人员改派：撤回部分交办，交给其他承办单位（承办单位不能自行转办）。"""
    user = api_user(request)
    proposal = _office_proposal(user, proposal_id)
    mode = _code(payload.mode, HandlingMode) or proposal.handling_mode
    cancel = list(proposal.assignments.filter(pk__in=payload.cancel))
    unknown = sorted(set(payload.cancel) - {a.pk for a in cancel})
    if unknown:
        raise Invalid({"cancel": f"本提案没有这些交办：{'、'.join(map(str, unknown))}"})
    add = _resolve_units(proposal, mode, payload.units, payload.unit_ids, payload.lead, require_lead=False)
    actions.reassign(actor=user, proposal=proposal, cancel=cancel, add=add, version=payload.version, mode=mode or None)
    return proposal_detail(user, proposal_id)


@router.post("/{proposal_id}/publish", response=ProposalDetailOut, summary="公开提案")
def publish(request: HttpRequest, proposal_id: int, payload: VersionIn) -> dict[str, Any]:
    """把已答复的提案及审核通过的答复在公开页面公开（不含联系方式，涉密提案不能公开）。"""
    user = api_user(request)
    actions.publish(actor=user, proposal=_get_proposal(user, proposal_id), version=payload.version)
    return proposal_detail(user, proposal_id)


class RateIn(In):
    process: str = Field(
        ..., description="办理过程满意度：satisfied 满意、basic 基本满意、unsatisfied 不满意（也可写中文）"
    )
    result: str = Field(..., description="办理结果满意度，同上；不满意须写意见，提案退回重办")
    comment: str = Field("", description="意见")


@router.post("/{proposal_id}/rate", response=ProposalDetailOut, summary="测评答复")
def rate(request: HttpRequest, proposal_id: int, payload: RateIn) -> dict[str, Any]:
    """每位提案人测评本轮答复；全部测评后，结果有不满意的退回重办（第二轮），否则办结。"""
    user = api_user(request)
    actions.rate(
        actor=user,
        proposal=_get_proposal(user, proposal_id),
        process=_code(payload.process, Satisfaction),
        result=_code(payload.result, Satisfaction),
        comment=payload.comment,
    )
    return proposal_detail(user, proposal_id)


# -- assignments (units) -------------------------------------------------------------------


class ProposalRefOut(Schema):
    id: int
    organisation: str
    number: str
    title: str
    state: str
    state_display: str
    round: int
    version: int


class AssignmentOut(Schema):
    id: int
    proposal: ProposalRefOut
    unit_id: int
    unit: str
    role: str
    role_display: str
    state: str
    state_display: str
    assigned_at: dt.datetime
    deadline: dt.date
    objection_deadline: dt.date
    days_left: int = Field(..., description="距办理期限的天数，负数为已超期天数")
    overdue: bool = Field(..., description="超过办理期限仍未答复")

    @model_validator(mode="before")
    @classmethod
    def _from_model(cls, value: Any) -> Any:
        value = _unwrap(value)
        return _assignment_row(value) if isinstance(value, Assignment) else value


class AssignmentDetailOut(AssignmentOut):
    accepted_at: dt.datetime | None
    objection_reason: str
    opinion: str = Field(..., description="协办意见（协办单位）")
    assist_opinions: list[dict[str, str]] = Field(..., description="会办时各协办单位的意见（主办单位）")
    analysis: str
    suggestions: str
    proposers: str
    consultations: list[ConsultationOut]
    replies: list[ReplyOut] = Field(..., description="本单位的答复（含待审核和被退回的）")
    extensions: list[ExtensionOut]


def _assignment_row(a: Assignment) -> dict[str, Any]:
    today = timezone.localdate()
    p = a.proposal
    return {
        "id": a.pk,
        "proposal": {
            "id": p.pk,
            "organisation": p.organisation.code,
            "number": p.number,
            "title": p.title,
            "state": p.state,
            "state_display": p.get_state_display(),
            "round": p.round,
            "version": p.version,
        },
        "unit_id": a.unit_id,
        "unit": a.unit.name,
        "role": a.role,
        "role_display": a.get_role_display(),
        "state": a.state,
        "state_display": a.get_state_display(),
        "assigned_at": a.assigned_at,
        "deadline": a.deadline,
        "objection_deadline": a.objection_deadline,
        "days_left": (a.deadline - today).days,
        "overdue": _is_overdue(a, p.state, today),
    }


def assignment_detail(user: User, pk: int) -> dict[str, Any]:
    a = (
        visible_assignments(user)
        .select_related("proposal__organisation", "unit")
        .prefetch_related(Prefetch("proposal__signers", queryset=ProposalSigner.objects.select_related("person")))
        .filter(pk=pk)
        .first()
    )
    if a is None:
        raise NotFound(ASSIGNMENT_NOT_FOUND)
    p = a.proposal
    conf = actions.settings_for(p.organisation)
    assists = []
    if a.role == UnitRole.LEAD:
        assists = [
            {"unit": other.unit.name, "opinion": other.opinion}
            for other in p.assignments.filter(role=UnitRole.ASSIST)
            .exclude(state=AssignmentState.CANCELLED)
            .select_related("unit")
        ]
    return {
        **_assignment_row(a),
        "accepted_at": a.accepted_at,
        "objection_reason": a.objection_reason,
        "opinion": a.opinion,
        "assist_opinions": assists,
        "analysis": p.analysis,
        "suggestions": p.suggestions,
        "proposers": p.proposer_names,
        "consultations": [_consultation(f) for f in a.consultations.select_related("assignment__unit")],
        "replies": [_reply(r, conf.class_label) for r in a.replies.select_related("assignment__unit")],
        "extensions": [_extension(e) for e in a.extensions.select_related("requested_by").order_by("id")],
    }


class AssignmentFilters(Schema):
    proposal: str = Field("", description="提案 id")
    unit: str = Field("", description="承办单位 id（提案工作人员）")
    state: str = Field("", description="状态（代码或中文名称，如 pending 或 待签收）")
    overdue: str = Field("", description="1 只看超期未答复的，0 排除")


assignments_router = Router()


@assignments_router.get("", response=list[AssignmentOut], summary="交办事项列表")
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
@typed
def list_assignments(request: HttpRequest, filters: Query[AssignmentFilters]) -> models.QuerySet[Assignment]:
    """承办单位看交给本单位的事项（按办理期限排序，含剩余天数）；提案工作人员看本级的全部交办，可按提案、单位、状态、超期筛选。"""
    user = api_user(request)
    qs = visible_assignments(user).select_related("proposal__organisation", "unit")
    if (proposal := _int_param(filters.proposal, "proposal", "提案")) is not None:
        qs = qs.filter(proposal_id=proposal)
    if (unit := _int_param(filters.unit, "unit", "承办单位")) is not None:
        qs = qs.filter(unit_id=unit)
    if state := filters.state.strip():
        qs = qs.filter(state=_code(state, AssignmentState))
    if (overdue := _flag(filters.overdue)) is not None:
        late = Q(state__in=OPEN_ASSIGNMENT_STATES, deadline__lt=timezone.localdate(), proposal__state=State.ASSIGNED)
        qs = qs.filter(late) if overdue else qs.exclude(late)
    return qs.order_by("deadline", "id")


@assignments_router.get("/{assignment_id}", response=AssignmentDetailOut, summary="交办事项详情")
def get_assignment(request: HttpRequest, assignment_id: int) -> dict[str, Any]:
    """交办事项及提案内容、面商记录、本单位的答复和延期申请；会办的主办单位可看到协办单位的意见。"""
    return assignment_detail(api_user(request), assignment_id)


@assignments_router.post("/{assignment_id}/accept", response=AssignmentDetailOut, summary="签收")
def accept(request: HttpRequest, assignment_id: int) -> dict[str, Any]:
    """承办单位签收交办的提案。"""
    user = api_user(request)
    actions.accept_assignment(actor=user, assignment=_get_assignment(user, assignment_id))
    return assignment_detail(user, assignment_id)


class ObjectIn(In):
    reason: str = Field(..., description="申请调整的理由")


@assignments_router.post("/{assignment_id}/object", response=AssignmentDetailOut, summary="申请调整")
def object_assignment(request: HttpRequest, assignment_id: int, payload: ObjectIn) -> dict[str, Any]:
    """承办单位在规定天数内申请调整（不能自行转办），由提案工作人员改派。"""
    user = api_user(request)
    actions.object_assignment(actor=user, assignment=_get_assignment(user, assignment_id), reason=payload.reason)
    return assignment_detail(user, assignment_id)


class FaceToFaceIn(In):
    mode: str = Field(..., description="meeting 面谈、symposium 座谈会、phone 电话、other 其他（也可写中文）")
    date: UserDate = Field(None, description="面商日期，不能晚于今天")
    participants: str = Field("", description="参加人员")
    note: str = Field("", description="情况记录")


@assignments_router.post("/{assignment_id}/face-to-face", response=AssignmentDetailOut, summary="记录面商")
def face_to_face(request: HttpRequest, assignment_id: int, payload: FaceToFaceIn) -> dict[str, Any]:
    """承办单位记录与提案人的面商（办理前或办理中）。"""
    user = api_user(request)
    actions.record_face_to_face(
        actor=user,
        assignment=_get_assignment(user, assignment_id),
        mode=_code(payload.mode, ConsultationMode),
        date=payload.date,
        participants=payload.participants,
        note=payload.note,
    )
    return assignment_detail(user, assignment_id)


class AssistOpinionIn(In):
    text: str = Field(..., description="协办意见")


@assignments_router.post("/{assignment_id}/assist-opinion", response=AssignmentDetailOut, summary="提交协办意见")
def assist_opinion(request: HttpRequest, assignment_id: int, payload: AssistOpinionIn) -> dict[str, Any]:
    """会办的协办单位签收后向主办单位提交协办意见。"""
    user = api_user(request)
    actions.send_assist_opinion(actor=user, assignment=_get_assignment(user, assignment_id), text=payload.text)
    return assignment_detail(user, assignment_id)


class ReplyIn(Schema):
    reply_class: str = Field(..., description="答复类别（如 A、B、C，按本级政协设置）")
    content: str = Field(..., description="答复内容")


@assignments_router.post("/{assignment_id}/reply", response=AssignmentDetailOut, summary="提交答复")
def reply(
    request: HttpRequest,
    assignment_id: int,
    payload: Form[ReplyIn],
    letter: File[UploadedFile | None] = None,
) -> dict[str, Any]:
    """承办单位（单办、分办或会办的主办单位）提交答复，multipart/form-data：reply_class、content，
    以及盖章的答复函扫描件 letter（可选，不超过20MB）。答复经提案工作人员审核通过后提案人才能看到。"""
    user = api_user(request)
    actions.submit_reply(
        actor=user,
        assignment=_get_assignment(user, assignment_id),
        reply_class=payload.reply_class.strip(),
        content=payload.content,
        letter=letter,
    )
    return assignment_detail(user, assignment_id)


class ExtensionIn(In):
    new_deadline: UserDate = Field(None, description="申请延至的日期，须晚于原期限")
    reason: str = Field("", description="延期理由")


@assignments_router.post("/{assignment_id}/extension", response=AssignmentDetailOut, summary="申请延期")
def request_extension(request: HttpRequest, assignment_id: int, payload: ExtensionIn) -> dict[str, Any]:
    """承办单位申请延长办理期限，由提案工作人员审批。"""
    user = api_user(request)
    actions.request_extension(
        actor=user,
        assignment=_get_assignment(user, assignment_id),
        new_deadline=payload.new_deadline,
        reason=payload.reason,
    )
    return assignment_detail(user, assignment_id)


# -- replies and extensions (office) -------------------------------------------------------

replies_router = Router()


def _get_reply(user: User, pk: int) -> Reply:
    reply = (
        Reply.objects.filter(pk=pk, proposal__in=Proposal.objects.visible_to(user)).select_related("assignment").first()
    )
    if reply is None or not _reply_visible(user, reply, reply.assignment.unit_id):
        raise NotFound("答复不存在")
    return reply


class ReviewIn(In):
    approve: bool = Field(..., description="true 审核通过，false 退回承办单位")
    note: str = Field("", description="审核意见；退回时必填")
    reply_class: str = Field("", description="审核通过时可更正答复类别")


@replies_router.post("/{reply_id}/review", response=ProposalDetailOut, summary="审核答复")
def review_reply(request: HttpRequest, reply_id: int, payload: ReviewIn) -> dict[str, Any]:
    """提案工作人员审核答复：通过（可更正类别），或写明理由退回。本轮应答复的单位全部通过后，提案进入测评。"""
    user = api_user(request)
    reply = _get_reply(user, reply_id)
    actions.review_reply(
        actor=user, reply=reply, approve=payload.approve, note=payload.note, reply_class=payload.reply_class.strip()
    )
    return proposal_detail(user, reply.proposal_id)


@replies_router.get("/{reply_id}/letter", response={200: None}, summary="下载答复函")
def reply_letter(request: HttpRequest, reply_id: int) -> FileResponse:
    """答复函扫描件（可看到该答复的用户）。"""
    reply = _get_reply(api_user(request), reply_id)
    if not reply.letter:
        raise NotFound("该答复没有答复函")
    name = reply.letter.name.rsplit("/", 1)[-1]
    return FileResponse(reply.letter.open("rb"), as_attachment=True, filename=name)


extensions_router = Router()


class DecideIn(In):
    approve: bool = Field(..., description="true 同意延期，false 不同意")


@extensions_router.post("/{extension_id}/decide", response=ProposalDetailOut, summary="审批延期申请")
def decide_extension(request: HttpRequest, extension_id: int, payload: DecideIn) -> dict[str, Any]:
    """提案工作人员同意（办理期限改为申请的日期）或不同意延期申请。"""
    user = api_user(request)
    ext = (
        ExtensionRequest.objects.filter(pk=extension_id, assignment__in=visible_assignments(user))
        .select_related("assignment")
        .first()
    )
    if ext is None:
        raise NotFound("延期申请不存在")
    actions.decide_extension(actor=user, extension=ext, approve=payload.approve)
    return proposal_detail(user, ext.assignment.proposal_id)
