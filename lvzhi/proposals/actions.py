"""Every write to a proposal is one of these actions. Pages, the API, the historic import and
`seed_demo` all call them, so a transition is checked, recorded on the timeline, audited and
notified the same way whoever makes it.

Each action locks the proposal row, refuses a wrong start state with a Chinese message
(TRANSITIONS in models.py is the one table of what is allowed), refuses a stale ``version``
(two clerks acting at once: the second gets a conflict message), and bumps the version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from lvzhi.accounts.models import Role
from lvzhi.accounts.scoping import organisation_ids_in_scope
from lvzhi.audit.log import record
from lvzhi.core.dates import add_months
from lvzhi.core.errors import ActionError, Conflict, Forbidden, Invalid, NotFound
from lvzhi.members.models import Membership, Person
from lvzhi.notifications.services import notify
from lvzhi.opinions.models import OpinionKind, PublicOpinion
from lvzhi.organisations.models import HandlingUnit, Organisation
from lvzhi.proposals.models import (
    TRANSITIONS,
    Assignment,
    AssignmentState,
    BodyType,
    ConsultationMode,
    ExtensionRequest,
    ExtensionState,
    FaceToFace,
    HandlingMode,
    Proposal,
    ProposalEvent,
    ProposalKind,
    ProposalSettings,
    ProposalSigner,
    ProposerType,
    Rating,
    Reply,
    ReplyState,
    Satisfaction,
    SignerStatus,
    State,
    UnitRole,
)
from lvzhi.proposals.similarity import index_title

if TYPE_CHECKING:
    from lvzhi.accounts.models import User

ACTION_LABELS = {
    "create": "起草",
    "update": "修改",
    "invite": "邀请联名",
    "confirm": "确认联名",
    "decline": "谢绝联名",
    "submit": "提交",
    "withdraw": "撤案",
    "return": "退回修改",
    "file": "立案",
    "not_file": "不予立案",
    "merge": "并案",
    "mark_key": "重点提案",
    "mark_excellent": "优秀提案",
    "assign": "交办",
    "accept": "签收",
    "object": "申请调整",
    "reassign": "改派",
    "face_to_face": "面商",
    "assist_opinion": "协办意见",
    "reply": "提交答复",
    "approve_reply": "答复审核通过",
    "return_reply": "答复退回",
    "complete_reply": "办复",
    "extension": "申请延期",
    "extension_decided": "延期审批",
    "rate": "测评",
    "close": "办结",
    "rehandle": "退回重办",
    "publish": "公开",
}

EDITABLE_FIELDS = ("title", "analysis", "suggestions", "suggested_units", "category", "kind")


# ---------------------------------------------------------------------------------------
# helpers


def settings_for(organisation: Organisation) -> ProposalSettings:
    obj, _ = ProposalSettings.objects.get_or_create(organisation=organisation)
    return obj


def _now() -> dt.datetime:
    return timezone.now()


def _lock(proposal: Proposal, version: int | None) -> Proposal:
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if version is not None and locked.version != version:
        raise Conflict("该提案已被他人处理或修改，请刷新页面后重试")
    return locked


def _check_state(proposal: Proposal, action: str) -> str | None:
    allowed, target = TRANSITIONS[action]
    if proposal.state not in allowed:
        raise ActionError(f"提案当前状态为“{proposal.get_state_display()}”，不能{ACTION_LABELS.get(action, action)}")
    return target


def _event(proposal: Proposal, actor: User | None, action: str, from_state: str, note: str = "") -> None:
    ProposalEvent.objects.create(
        proposal=proposal,
        actor=actor if actor is not None and actor.pk else None,
        actor_name=(actor.display_name if actor is not None else "系统"),
        action=action,
        from_state=from_state,
        to_state=proposal.state,
        note=note,
    )
    record(
        actor=actor,
        action=f"proposal.{action}",
        obj=proposal,
        organisation_id=proposal.organisation_id,
        changes={"from": from_state, "to": proposal.state, "note": note[:500]} if note or from_state else {},
    )


def _save(proposal: Proposal, *fields: str) -> None:
    proposal.version += 1
    proposal.save(update_fields=[*fields, "version"])


def _move(locked: Proposal, action: str, actor: User, *fields: str, note: str = "") -> Proposal:
    from_state = locked.state
    target = _check_state(locked, action)
    if target is not None:
        locked.state = target
    _save(locked, "state", *fields)
    _event(locked, actor, action, from_state, note)
    return locked


def _url(proposal: Proposal) -> str:
    return reverse("proposals:detail", args=[proposal.pk])


def _office_users(organisation_id: int) -> list[User]:
    from lvzhi.accounts.models import User

    return list(User.objects.filter(role=Role.OFFICE, organisation_id=organisation_id, is_active=True))


def _unit_users(unit_id: int) -> list[User]:
    from lvzhi.accounts.models import User

    return list(User.objects.filter(role=Role.UNIT, handling_unit_id=unit_id, is_active=True))


def proposer_persons(proposal: Proposal) -> list[Person]:
    """Those who count as proposers: the first proposer and confirmed co-signers; for a
    proposal that others were merged into, their proposers too (every proposer gets the
    reply)."""
    persons: dict[int, Person] = {}
    for p in [proposal, *proposal.merged.all()]:
        for s in p.signers.select_related("person"):
            if s.counts:
                persons.setdefault(s.person_id, s.person)
    return list(persons.values())


def _proposer_users(proposal: Proposal) -> list[User]:
    from lvzhi.accounts.models import User

    ids = [p.pk for p in proposer_persons(proposal)]
    return list(User.objects.filter(role=Role.MEMBER, person_id__in=ids, is_active=True))


# ---------------------------------------------------------------------------------------
# access


def require_office(actor: User, proposal_or_org: Proposal | Organisation) -> None:
    """The proposals office of the proposal's own committee. 404 when out of sight."""
    org_id = proposal_or_org.organisation_id if isinstance(proposal_or_org, Proposal) else proposal_or_org.pk
    if actor.role == Role.OFFICE and actor.organisation_id == org_id:
        return
    if org_id not in organisation_ids_in_scope(actor):
        raise NotFound("提案不存在")
    raise Forbidden("只有本级政协提案工作人员可以办理此事项")


def get_proposal_for(user: User, pk: int) -> Proposal:
    proposal = Proposal.objects.visible_to(user).filter(pk=pk).select_related("organisation").first()
    if proposal is None:
        raise NotFound("提案不存在")
    return proposal


def _require_signer(actor: User, proposal: Proposal, *, first: bool = False) -> ProposalSigner:
    signer = None
    if actor.role == Role.MEMBER and actor.person_id:
        signer = proposal.signers.filter(person_id=actor.person_id).first()
    if signer is None:
        if proposal.proposer_type == ProposerType.BODY and actor.role == Role.OFFICE:
            if actor.organisation_id == proposal.organisation_id and proposal.created_by_id == actor.pk:
                return ProposalSigner(proposal=proposal, is_first=True)
        raise NotFound("提案不存在")
    if first and not signer.is_first:
        raise Forbidden("只有第一提案人可以执行此操作")
    return signer


def _require_unit(actor: User, assignment: Assignment) -> None:
    if actor.role != Role.UNIT or actor.handling_unit_id != assignment.unit_id:
        raise NotFound("交办事项不存在")
    if assignment.state == AssignmentState.CANCELLED:
        raise ActionError("该交办事项已改派其他单位")


# ---------------------------------------------------------------------------------------
# 1. draft and submit


def _clean_fields(organisation: Organisation, data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    conf = settings_for(organisation)
    for key in EDITABLE_FIELDS:
        if partial and key not in data:
            continue
        value = str(data.get(key) or "").strip()
        out[key] = value
    if not partial or "title" in data:
        if not out.get("title"):
            errors["title"] = "案由不能为空"
        elif len(out["title"]) > 200:
            errors["title"] = "案由不能超过200个字"
    if out.get("category") and out["category"] not in conf.categories:
        errors["category"] = f"类别应为：{'、'.join(conf.categories)}"
    if "kind" in out:
        out["kind"] = out["kind"] or ProposalKind.ROUTINE
        if out["kind"] not in ProposalKind.values:
            labels = {str(label): value for value, label in ProposalKind.choices}
            if out["kind"] in labels:
                out["kind"] = labels[out["kind"]]
            else:
                errors["kind"] = "提案类型应为大会提案或平时提案"
    if len(out.get("suggested_units", "")) > 300:
        errors["suggested_units"] = "建议承办单位不能超过300个字"
    if errors:
        raise Invalid(errors)
    return out


@transaction.atomic
def create_draft(
    *,
    actor: User,
    organisation: Organisation,
    data: dict[str, Any],
    body_type: str = "",
    body_name: str = "",
) -> Proposal:
    """A member drafts their own proposal; an office clerk drafts one for a body (a party, a
    people's organisation, a special committee, a sector or a member group)."""
    fields = _clean_fields(organisation, data)
    now = _now()
    if actor.role == Role.MEMBER and actor.person_id:
        if not Membership.objects.filter(person_id=actor.person_id, organisation=organisation, is_active=True).exists():
            raise NotFound("政协组织不存在")
        proposer_type = ProposerType.MEMBER
    elif actor.role == Role.OFFICE and actor.organisation_id == organisation.pk:
        if body_type not in BodyType.values or not body_name.strip():
            raise Invalid({"body_name": "集体提案须写明提案集体（党派、人民团体、专门委员会、界别或委员小组）"})
        proposer_type = ProposerType.BODY
    else:
        if organisation.pk not in organisation_ids_in_scope(actor):
            raise NotFound("政协组织不存在")
        raise Forbidden("只有委员本人或本级政协机关可以起草提案")
    conf = settings_for(organisation)
    proposal = Proposal.objects.create(
        organisation=organisation,
        year=timezone.localdate(now).year,
        term=organisation.current_term,
        session=conf.current_session,
        proposer_type=proposer_type,
        body_type=body_type if proposer_type == ProposerType.BODY else "",
        body_name=body_name.strip() if proposer_type == ProposerType.BODY else "",
        created_by=actor,
        **fields,
    )
    if proposer_type == ProposerType.MEMBER and actor.person is not None:
        ProposalSigner.objects.create(
            proposal=proposal,
            person=actor.person,
            order=1,
            is_first=True,
            status=SignerStatus.CONFIRMED,
            responded_at=now,
        )
    index_title(proposal)
    _event(proposal, actor, "create", "")
    return proposal


@transaction.atomic
def update_draft(*, actor: User, proposal: Proposal, data: dict[str, Any], version: int | None) -> Proposal:
    locked = _lock(proposal, version)
    _require_signer(actor, locked, first=True)
    if locked.state not in (State.DRAFT, State.RETURNED):
        raise ActionError(f"提案当前状态为“{locked.get_state_display()}”，不能修改")
    fields = _clean_fields(locked.organisation, data, partial=True)
    for key, value in fields.items():
        setattr(locked, key, value)
    _save(locked, *fields.keys())
    if "title" in fields:
        index_title(locked)
    _event(locked, actor, "update", "")
    return locked


@transaction.atomic
def invite_cosigners(*, actor: User, proposal: Proposal, persons: Sequence[Person]) -> Proposal:
    """The first proposer invites co-signers (联名); they count once they confirm."""
    locked = _lock(proposal, None)
    _require_signer(actor, locked, first=True)
    if locked.state not in (State.DRAFT, State.RETURNED):
        raise ActionError("提案提交后不能再邀请联名")
    errors = []
    members = set(
        Membership.objects.filter(organisation_id=locked.organisation_id, is_active=True).values_list(
            "person_id", flat=True
        )
    )
    next_order = (locked.signers.aggregate(m=Max("order"))["m"] or 1) + 1
    invited = []
    for person in persons:
        if person.pk not in members:
            errors.append(f"{person.name}不是本级政协委员")
            continue
        if locked.signers.filter(person=person).exists():
            continue
        ProposalSigner.objects.create(proposal=locked, person=person, order=next_order)
        next_order += 1
        invited.append(person)
    if errors:
        raise Invalid({"cosigners": "；".join(errors)})
    if invited:
        locked.proposer_type = ProposerType.JOINT
        _save(locked, "proposer_type")
        _event(locked, actor, "invite", "", note="、".join(p.name for p in invited))
        from lvzhi.accounts.models import User

        notify(
            User.objects.filter(role=Role.MEMBER, person__in=invited),
            f"{actor.display_name}邀请您联名提案：{locked.title}",
            url=_url(locked),
        )
    return locked


@transaction.atomic
def respond_invitation(*, actor: User, proposal: Proposal, accept: bool) -> ProposalSigner:
    locked = _lock(proposal, None)
    signer = _require_signer(actor, locked)
    if signer.is_first:
        raise ActionError("第一提案人无需确认联名")
    if locked.state not in (State.DRAFT, State.RETURNED, State.SUBMITTED):
        raise ActionError("提案已进入审查，不能再确认联名")
    signer.status = SignerStatus.CONFIRMED if accept else SignerStatus.DECLINED
    signer.responded_at = _now()
    signer.save(update_fields=["status", "responded_at"])
    _save(locked)
    _event(locked, actor, "confirm" if accept else "decline", "")
    return signer


@transaction.atomic
def submit(*, actor: User, proposal: Proposal, version: int | None) -> Proposal:
    locked = _lock(proposal, version)
    _require_signer(actor, locked, first=True)
    missing = [
        label
        for key, label in (("analysis", "情况分析"), ("suggestions", "具体建议"), ("category", "类别"))
        if not getattr(locked, key)
    ]
    if missing:
        raise Invalid({"__all__": f"提交前请填写：{'、'.join(missing)}"})
    locked.submitted_at = _now()
    locked.year = timezone.localdate(locked.submitted_at).year
    _move(locked, "submit", actor, "submitted_at", "year")
    index_title(locked)
    notify(_office_users(locked.organisation_id), f"新提案待审查：{locked.title}", url=_url(locked))
    return locked


@transaction.atomic
def withdraw(*, actor: User, proposal: Proposal, version: int | None, note: str = "") -> Proposal:
    """撤案: the first proposer may withdraw before review."""
    locked = _lock(proposal, version)
    _require_signer(actor, locked, first=True)
    _move(locked, "withdraw", actor, note=note)
    return locked


# ---------------------------------------------------------------------------------------
# 2. review


@transaction.atomic
def return_for_revision(*, actor: User, proposal: Proposal, note: str, version: int | None) -> Proposal:
    locked = _lock(proposal, version)
    require_office(actor, locked)
    if not note.strip():
        raise Invalid({"note": "请写明退回修改的意见"})
    _move(locked, "return", actor, note=note.strip())
    notify(_proposer_users(locked), f"提案退回修改：{locked.title}", note, _url(locked))
    return locked


def _next_number(proposal: Proposal) -> tuple[int, str]:
    conf = settings_for(proposal.organisation)
    session = proposal.session or conf.current_session
    top = (
        Proposal.objects.select_for_update()
        .filter(organisation_id=proposal.organisation_id, term=proposal.term, session=session)
        .aggregate(m=Max("seq"))["m"]
        or 0
    )
    seq = top + 1
    term_number = proposal.term.number if proposal.term else 0
    try:
        number = conf.number_format.format(term=term_number, session=session, year=proposal.year, seq=seq)
    except (KeyError, ValueError, IndexError):
        number = f"第{term_number}届第{session}次会议第{seq:04d}号"
    return seq, number


@transaction.atomic
def file_proposal(
    *, actor: User, proposal: Proposal, version: int | None, category: str = "", note: str = ""
) -> Proposal:
    """立案, with the next number of the session."""
    locked = _lock(proposal, version)
    require_office(actor, locked)
    _check_state(locked, "file")
    if category:
        conf = settings_for(locked.organisation)
        if category not in conf.categories:
            raise Invalid({"category": f"类别应为：{'、'.join(conf.categories)}"})
        locked.category = category
    locked.seq, locked.number = _next_number(locked)
    locked.filed_at = _now()
    _move(locked, "file", actor, "seq", "number", "filed_at", "category", note=note or locked.number)
    notify(_proposer_users(locked), f"提案已立案：{locked.number}", locked.title, _url(locked))
    return locked


@transaction.atomic
def not_file(
    *, actor: User, proposal: Proposal, reason: str, convert_to: str = "", version: int | None, note: str = ""
) -> Proposal:
    """不予立案 with a standard reason; optionally turned into a 社情民意 item or an opinion
    letter so nothing the member wrote is lost."""
    locked = _lock(proposal, version)
    require_office(actor, locked)
    _check_state(locked, "not_file")
    conf = settings_for(locked.organisation)
    if reason not in conf.not_filed_reasons:
        raise Invalid({"reason": "请选择不予立案的理由"})
    if convert_to and convert_to not in OpinionKind.values:
        raise Invalid({"convert_to": "只能转为社情民意信息或意见建议"})
    locked.not_filed_reason = reason
    _move(locked, "not_file", actor, "not_filed_reason", note=f"{reason}{'；' + note if note else ''}")
    if convert_to:
        opinion = PublicOpinion.objects.create(
            organisation_id=locked.organisation_id,
            kind=convert_to,
            title=locked.title,
            content=locked.analysis,
            suggestions=locked.suggestions,
            source_proposal=locked,
            created_by=actor,
        )
        opinion.authors.set(proposer_persons(locked))
        record(
            actor=actor,
            action="opinion.create",
            obj=opinion,
            organisation_id=locked.organisation_id,
            changes={"source_proposal": locked.pk, "kind": convert_to},
        )
    label = dict(OpinionKind.choices).get(convert_to, "")
    notify(
        _proposer_users(locked),
        f"提案不予立案：{locked.title}",
        f"理由：{reason}" + (f"；已转为{label}" if label else ""),
        _url(locked),
    )
    return locked


@transaction.atomic
def merge(*, actor: User, proposal: Proposal, into: Proposal, version: int | None) -> Proposal:
    """并案: the proposal joins another; every proposer of both gets the reply."""
    locked = _lock(proposal, version)
    require_office(actor, locked)
    target = Proposal.objects.select_for_update().get(pk=into.pk)
    if target.pk == locked.pk or target.organisation_id != locked.organisation_id:
        raise Invalid({"into": "只能并入本级政协的另一件提案"})
    if target.state not in (State.SUBMITTED, State.FILED, State.ASSIGNED):
        raise Invalid({"into": f"被并入的提案状态为“{target.get_state_display()}”，不能并案"})
    if target.merged_into_id:
        raise Invalid({"into": "被并入的提案本身已并案"})
    locked.merged_into = target
    _move(locked, "merge", actor, "merged_into", note=f"并入：{target}")
    Proposal.objects.filter(merged_into=locked).update(merged_into=target)
    _event(target, actor, "merge", "", note=f"并入：{locked.title}")
    notify(_proposer_users(locked), f"提案已并案：{locked.title}", f"并入：{target}", _url(target))
    return locked


@transaction.atomic
def mark_key(
    *, actor: User, proposal: Proposal, is_key: bool, supervisor: User | None, version: int | None
) -> Proposal:
    """重点提案 and the leader who supervises it (督办)."""
    locked = _lock(proposal, version)
    require_office(actor, locked)
    if locked.state not in {State.FILED, State.ASSIGNED, State.REPLIED, State.CLOSED}:
        raise ActionError("只有已立案的提案可以确定为重点提案")
    if is_key and (
        supervisor is None or supervisor.role != Role.LEADER or supervisor.organisation_id != locked.organisation_id
    ):
        raise Invalid({"supervisor": "请选择本级政协的督办领导"})
    locked.is_key, locked.supervisor = is_key, supervisor if is_key else None
    _save(locked, "is_key", "supervisor")
    _event(
        locked,
        actor,
        "mark_key",
        "",
        note=f"督办：{supervisor.display_name}" if is_key and supervisor else "取消重点提案",
    )
    if is_key and supervisor:
        notify([supervisor], f"请督办重点提案：{locked.title}", url=_url(locked))
    return locked


@transaction.atomic
def mark_excellent(*, actor: User, proposal: Proposal, is_excellent: bool, version: int | None) -> Proposal:
    locked = _lock(proposal, version)
    require_office(actor, locked)
    if locked.state not in {State.FILED, State.ASSIGNED, State.REPLIED, State.CLOSED}:
        raise ActionError("只有已立案的提案可以评为优秀提案")
    locked.is_excellent = is_excellent
    _save(locked, "is_excellent")
    _event(locked, actor, "mark_excellent", "", note="评为优秀提案" if is_excellent else "取消优秀提案")
    return locked


# ---------------------------------------------------------------------------------------
# 3. assignment


def _check_units(proposal: Proposal, mode: str, units: Sequence[tuple[HandlingUnit, str]]) -> None:
    if mode not in HandlingMode.values:
        raise Invalid({"mode": "办理方式应为单办、分办或会办"})
    if not units:
        raise Invalid({"units": "请选择承办单位"})
    ids = [u.pk for u, _ in units]
    if len(set(ids)) != len(ids):
        raise Invalid({"units": "同一承办单位不能重复交办"})
    for unit, _role in units:
        if unit.organisation_id != proposal.organisation_id or not unit.is_active:
            raise Invalid({"units": f"“{unit.name}”不是本级政协的承办单位"})
    roles = [r for _, r in units]
    if mode == HandlingMode.SINGLE and (len(units) != 1 or roles != [UnitRole.SOLE]):
        raise Invalid({"units": "单办只能交给一个承办单位"})
    if mode == HandlingMode.SPLIT and (len(units) < 2 or set(roles) != {UnitRole.SPLIT}):
        raise Invalid({"units": "分办须交给两个及以上承办单位"})
    if mode == HandlingMode.JOINT and (roles.count(UnitRole.LEAD) != 1 or len(units) < 2):
        raise Invalid({"units": "会办须有一个主办单位和至少一个协办单位"})


def roles_for(
    mode: str, units: Sequence[HandlingUnit], lead: HandlingUnit | None = None
) -> list[tuple[HandlingUnit, str]]:
    if mode not in HandlingMode.values:
        raise Invalid({"mode": "办理方式应为单办、分办或会办"})
    if mode == HandlingMode.SINGLE:
        return [(u, UnitRole.SOLE) for u in units]
    if mode == HandlingMode.SPLIT:
        return [(u, UnitRole.SPLIT) for u in units]
    if units and lead is None:
        raise Invalid({"lead": "会办须指定主办单位"})  # never guess which unit replies for all
    return [(u, UnitRole.LEAD if u == lead else UnitRole.ASSIST) for u in units]


def _create_assignments(
    proposal: Proposal, units: Sequence[tuple[HandlingUnit, str]], deadline: dt.date | None
) -> list[Assignment]:
    conf = settings_for(proposal.organisation)
    now = _now()
    today = timezone.localdate(now)
    made = []
    for unit, role in units:
        made.append(
            Assignment.objects.create(
                proposal=proposal,
                unit=unit,
                role=role,
                assigned_at=now,
                deadline=deadline or add_months(today, conf.deadline_months),
                objection_deadline=today + dt.timedelta(days=conf.objection_days),
            )
        )
        notify(_unit_users(unit.pk), f"新交办提案：{proposal.number} {proposal.title}", url=_url(proposal), sms=True)
    return made


@transaction.atomic
def assign(
    *,
    actor: User,
    proposal: Proposal,
    mode: str,
    units: Sequence[tuple[HandlingUnit, str]],
    version: int | None,
    deadline: dt.date | None = None,
) -> Proposal:
    """交办: 单办 (one unit), 分办 (each unit replies for its part) or 会办 (the lead unit
    replies for the assisting units)."""
    locked = _lock(proposal, version)
    require_office(actor, locked)
    _check_state(locked, "assign")
    _check_units(locked, mode, units)
    if deadline is not None and deadline <= timezone.localdate():
        raise Invalid({"deadline": "办理期限应晚于今天"})
    locked.handling_mode = mode
    locked.assigned_at = _now()
    _create_assignments(locked, units, deadline)
    _move(
        locked,
        "assign",
        actor,
        "handling_mode",
        "assigned_at",
        note="、".join(f"{u.name}（{UnitRole(r).label}）" for u, r in units),
    )
    return locked


def _lock_assignment(assignment: Assignment) -> tuple[Assignment, Proposal]:
    proposal = Proposal.objects.select_for_update().get(pk=assignment.proposal_id)
    return Assignment.objects.select_related("unit").get(pk=assignment.pk), proposal


@transaction.atomic
def accept_assignment(*, actor: User, assignment: Assignment) -> Assignment:
    """签收."""
    assignment, proposal = _lock_assignment(assignment)
    _require_unit(actor, assignment)
    if assignment.state != AssignmentState.PENDING:
        raise ActionError(f"该交办事项当前状态为“{assignment.get_state_display()}”，不能签收")
    assignment.state, assignment.accepted_at = AssignmentState.ACCEPTED, _now()
    assignment.save(update_fields=["state", "accepted_at"])
    _save(proposal)
    _event(proposal, actor, "accept", "", note=assignment.unit.name)
    return assignment


@transaction.atomic
def object_assignment(*, actor: User, assignment: Assignment, reason: str) -> Assignment:
    """A unit asks to be re-assigned, within the objection period, with a reason. It cannot
    pass the item on itself: the office re-assigns."""
    assignment, proposal = _lock_assignment(assignment)
    _require_unit(actor, assignment)
    if assignment.state != AssignmentState.PENDING:
        raise ActionError("已签收的交办事项不能申请调整")
    if timezone.localdate() > assignment.objection_deadline:
        raise ActionError(f"申请调整的期限（{assignment.objection_deadline:%Y年%m月%d日}）已过")
    if not reason.strip():
        raise Invalid({"reason": "请写明申请调整的理由"})
    assignment.state, assignment.objection_reason = AssignmentState.OBJECTED, reason.strip()
    assignment.save(update_fields=["state", "objection_reason"])
    _save(proposal)
    _event(proposal, actor, "object", "", note=f"{assignment.unit.name}：{reason.strip()}")
    notify(_office_users(proposal.organisation_id), f"承办单位申请调整：{proposal.number}", reason, _url(proposal))
    return assignment


@transaction.atomic
def reassign(
    *,
    actor: User,
    proposal: Proposal,
    cancel: Sequence[Assignment],
    add: Sequence[tuple[HandlingUnit, str]],
    version: int | None,
    mode: str | None = None,
) -> Proposal:
    """改派 by the office: cancel some assignments and add others."""
    locked = _lock(proposal, version)
    require_office(actor, locked)
    _check_state(locked, "reassign")
    cancel_ids = {a.pk for a in cancel}
    remaining = [
        (a.unit, a.role)
        for a in locked.assignments.select_related("unit").exclude(state=AssignmentState.CANCELLED)
        if a.pk not in cancel_ids
    ]
    new_mode = mode or locked.handling_mode
    _check_units(locked, new_mode, [*remaining, *add])
    for a in locked.assignments.filter(pk__in=cancel_ids):
        if a.state in (AssignmentState.REPLIED, AssignmentState.DONE):
            raise ActionError(f"{a.unit.name}已答复，不能改派")
        a.state = AssignmentState.CANCELLED
        a.save(update_fields=["state"])
    _create_assignments(locked, add, None)
    locked.handling_mode = new_mode
    _move(locked, "reassign", actor, "handling_mode", note="改派给：" + "、".join(u.name for u, _ in add))
    return locked


# ---------------------------------------------------------------------------------------
# 4. handling


@transaction.atomic
def record_face_to_face(
    *, actor: User, assignment: Assignment, mode: str, date: dt.date | None, participants: str, note: str = ""
) -> FaceToFace:
    """面商 with the proposer, before or during handling."""
    assignment, proposal = _lock_assignment(assignment)
    _require_unit(actor, assignment)
    errors = {}
    if mode not in ConsultationMode.values:
        errors["mode"] = "面商方式应为面谈、座谈会、电话或其他"
    if date is None:
        errors["date"] = "请填写面商日期"
    elif date > timezone.localdate():
        errors["date"] = "面商日期不能晚于今天"
    if not participants.strip():
        errors["participants"] = "请填写参加人员"
    if errors:
        raise Invalid(errors)
    assert date is not None
    f2f = FaceToFace.objects.create(
        proposal=proposal,
        assignment=assignment,
        mode=mode,
        date=date,
        participants=participants.strip(),
        note=note.strip(),
        round=proposal.round,
        created_by=actor,
    )
    _save(proposal)
    _event(proposal, actor, "face_to_face", "", note=f"{assignment.unit.name} {f2f.get_mode_display()} {date:%Y-%m-%d}")
    return f2f


@transaction.atomic
def send_assist_opinion(*, actor: User, assignment: Assignment, text: str) -> Assignment:
    """会办: an assisting unit sends its opinion to the lead unit."""
    assignment, proposal = _lock_assignment(assignment)
    _require_unit(actor, assignment)
    if assignment.role != UnitRole.ASSIST:
        raise ActionError("只有协办单位需要向主办单位提交协办意见")
    if assignment.state not in (AssignmentState.ACCEPTED,):
        raise ActionError("请先签收")
    if not text.strip():
        raise Invalid({"text": "协办意见不能为空"})
    assignment.opinion, assignment.opinion_at = text.strip(), _now()
    assignment.state, assignment.done_at = AssignmentState.DONE, _now()
    assignment.save(update_fields=["opinion", "opinion_at", "state", "done_at"])
    _save(proposal)
    _event(proposal, actor, "assist_opinion", "", note=assignment.unit.name)
    lead = proposal.assignments.filter(role=UnitRole.LEAD).exclude(state=AssignmentState.CANCELLED).first()
    if lead:
        notify(_unit_users(lead.unit_id), f"协办单位意见：{proposal.number}", assignment.unit.name, _url(proposal))
    return assignment


@transaction.atomic
def submit_reply(
    *, actor: User, assignment: Assignment, reply_class: str, content: str, letter: UploadedFile | None = None
) -> Reply:
    """答复 with its class and the signed reply letter; the office reviews it."""
    assignment, proposal = _lock_assignment(assignment)
    _require_unit(actor, assignment)
    if not assignment.replies_required:
        raise ActionError("协办单位不直接答复，请向主办单位提交协办意见")
    if assignment.state != AssignmentState.ACCEPTED:
        raise ActionError(f"该交办事项当前状态为“{assignment.get_state_display()}”，不能提交答复")
    if proposal.state != State.ASSIGNED:
        raise ActionError(f"提案当前状态为“{proposal.get_state_display()}”，不能提交答复")
    conf = settings_for(proposal.organisation)
    errors = {}
    if reply_class not in {c["code"] for c in conf.reply_classes}:
        errors["reply_class"] = "请选择答复类别：" + "、".join(c["code"] for c in conf.reply_classes)
    if not content.strip():
        errors["content"] = "答复内容不能为空"
    if letter is not None and letter.size and letter.size > 20 * 1024 * 1024:
        errors["letter"] = "答复函文件不能超过20MB"
    if errors:
        raise Invalid(errors)
    reply = Reply.objects.create(
        proposal=proposal,
        assignment=assignment,
        round=proposal.round,
        reply_class=reply_class,
        content=content.strip(),
        submitted_by=actor,
        submitted_at=_now(),
    )
    if letter is not None:
        reply.letter.save(letter.name or "letter.pdf", letter, save=True)
    assignment.state = AssignmentState.REPLIED
    assignment.save(update_fields=["state"])
    _save(proposal)
    _event(proposal, actor, "reply", "", note=f"{assignment.unit.name} {reply_class}类")
    notify(
        _office_users(proposal.organisation_id), f"答复待审核：{proposal.number}", assignment.unit.name, _url(proposal)
    )
    return reply


@transaction.atomic
def review_reply(*, actor: User, reply: Reply, approve: bool, note: str = "", reply_class: str = "") -> Reply:
    """The office approves a reply (it may correct the class) or sends it back with a
    reason. When every required reply of the round is approved the proposal is replied."""
    proposal = Proposal.objects.select_for_update().get(pk=reply.proposal_id)
    require_office(actor, proposal)
    reply = Reply.objects.select_related("assignment__unit").get(pk=reply.pk)
    if reply.state != ReplyState.PENDING:
        raise ActionError("该答复已审核")
    assignment = reply.assignment
    if approve:
        if reply_class:
            if reply_class not in {c["code"] for c in settings_for(proposal.organisation).reply_classes}:
                raise Invalid({"reply_class": "无效的答复类别"})
            reply.reply_class = reply_class
        reply.state = ReplyState.APPROVED
        assignment.state, assignment.done_at = AssignmentState.DONE, _now()
    else:
        if not note.strip():
            raise Invalid({"note": "退回答复须写明理由"})
        reply.state = ReplyState.RETURNED
        assignment.state = AssignmentState.ACCEPTED
    reply.review_note, reply.reviewed_by, reply.reviewed_at = note.strip(), actor, _now()
    reply.save(update_fields=["state", "review_note", "reviewed_by", "reviewed_at", "reply_class"])
    assignment.save(update_fields=["state", "done_at"])
    _save(proposal)
    _event(
        proposal,
        actor,
        "approve_reply" if approve else "return_reply",
        "",
        note=f"{assignment.unit.name}{'：' + note.strip() if note.strip() else ''}",
    )
    if not approve:
        notify(_unit_users(assignment.unit_id), f"答复被退回：{proposal.number}", note, _url(proposal))
        return reply
    required = proposal.assignments.exclude(state=AssignmentState.CANCELLED).exclude(role=UnitRole.ASSIST)
    if not required.exclude(state=AssignmentState.DONE).exists():
        proposal.replied_at = _now()
        _move(proposal, "complete_reply", actor, "replied_at")
        notify(
            _proposer_users(proposal),
            f"提案已答复，请测评：{proposal.number}",
            proposal.title,
            _url(proposal),
            sms=True,
        )
    return reply


@transaction.atomic
def request_extension(
    *, actor: User, assignment: Assignment, new_deadline: dt.date | None, reason: str
) -> ExtensionRequest:
    assignment, proposal = _lock_assignment(assignment)
    _require_unit(actor, assignment)
    if assignment.state not in (AssignmentState.PENDING, AssignmentState.ACCEPTED):
        raise ActionError("该交办事项已答复，无需延期")
    if new_deadline is None or new_deadline <= assignment.deadline:
        raise Invalid({"new_deadline": f"延期后的期限应晚于原期限{assignment.deadline:%Y年%m月%d日}"})
    if not reason.strip():
        raise Invalid({"reason": "请写明延期理由"})
    if assignment.extensions.filter(state=ExtensionState.PENDING).exists():
        raise ActionError("已有待审批的延期申请")
    ext = ExtensionRequest.objects.create(
        assignment=assignment, new_deadline=new_deadline, reason=reason.strip(), requested_by=actor
    )
    _save(proposal)
    _event(
        proposal,
        actor,
        "extension",
        "",
        note=f"{assignment.unit.name} 申请延至{new_deadline:%Y-%m-%d}：{reason.strip()}",
    )
    notify(_office_users(proposal.organisation_id), f"延期申请：{proposal.number}", reason, _url(proposal))
    return ext


@transaction.atomic
def decide_extension(*, actor: User, extension: ExtensionRequest, approve: bool) -> ExtensionRequest:
    ext = ExtensionRequest.objects.select_related("assignment__unit").get(pk=extension.pk)
    proposal = Proposal.objects.select_for_update().get(pk=ext.assignment.proposal_id)
    require_office(actor, proposal)
    if ext.state != ExtensionState.PENDING:
        raise ActionError("该延期申请已审批")
    ext.state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
    ext.decided_by, ext.decided_at = actor, _now()
    ext.save(update_fields=["state", "decided_by", "decided_at"])
    if approve:
        ext.assignment.deadline = ext.new_deadline
        ext.assignment.save(update_fields=["deadline"])
    _save(proposal)
    _event(
        proposal,
        actor,
        "extension_decided",
        "",
        note=f"{ext.assignment.unit.name} {'同意' if approve else '不同意'}延至{ext.new_deadline:%Y-%m-%d}",
    )
    notify(
        _unit_users(ext.assignment.unit_id),
        f"延期申请{'已同意' if approve else '未同意'}：{proposal.number}",
        url=_url(proposal),
    )
    return ext


# ---------------------------------------------------------------------------------------
# 5. rating and 6. publication


@transaction.atomic
def rate(*, actor: User, proposal: Proposal, process: str, result: str, comment: str = "") -> Rating:
    """Every proposer rates the replies of the round. When all have rated: any 不满意 on the
    result sends the proposal back for re-handling (a new round); otherwise it is closed."""
    locked = _lock(proposal, None)
    if actor.role != Role.MEMBER or not actor.person_id:
        raise NotFound("提案不存在")
    persons = {p.pk: p for p in proposer_persons(locked)}
    if actor.person_id not in persons:
        raise NotFound("提案不存在")
    if locked.state != State.REPLIED:
        raise ActionError(f"提案当前状态为“{locked.get_state_display()}”，不能测评")
    errors = {}
    if process not in Satisfaction.values:
        errors["process"] = "请选择对办理过程的满意度"
    if result not in Satisfaction.values:
        errors["result"] = "请选择对办理结果的满意度"
    if result == Satisfaction.UNSATISFIED and not comment.strip():
        errors["comment"] = "选择不满意时请写明意见，以便重新办理"
    if errors:
        raise Invalid(errors)
    if Rating.objects.filter(proposal=locked, person_id=actor.person_id, round=locked.round).exists():
        raise ActionError("您已测评过本轮答复")
    rating = Rating.objects.create(
        proposal=locked,
        person_id=actor.person_id,
        round=locked.round,
        process=process,
        result=result,
        comment=comment.strip(),
    )
    _save(locked)
    _event(locked, actor, "rate", "", note=f"过程{rating.get_process_display()}，结果{rating.get_result_display()}")
    rated = set(Rating.objects.filter(proposal=locked, round=locked.round).values_list("person_id", flat=True))
    if set(persons) <= rated:
        unsatisfied = Rating.objects.filter(proposal=locked, round=locked.round, result=Satisfaction.UNSATISFIED)
        if unsatisfied.exists():
            _rehandle(locked, actor)
        else:
            locked.closed_at = _now()
            _move(locked, "close", actor, "closed_at")
    return rating


def _rehandle(proposal: Proposal, actor: User) -> None:
    """不满意: back to the units for a second round, counted as such."""
    conf = settings_for(proposal.organisation)
    proposal.round += 1
    new_deadline = add_months(timezone.localdate(), max(1, conf.deadline_months // 3 or 1))
    for a in proposal.assignments.exclude(state=AssignmentState.CANCELLED).exclude(role=UnitRole.ASSIST):
        a.state, a.deadline, a.done_at = AssignmentState.ACCEPTED, new_deadline, None
        a.save(update_fields=["state", "deadline", "done_at"])
        notify(
            _unit_users(a.unit_id),
            f"提案退回重办（第{proposal.round}轮）：{proposal.number}",
            url=_url(proposal),
            sms=True,
        )
    _move(proposal, "rehandle", actor, "round", note=f"第{proposal.round}轮办理")


@transaction.atomic
def publish(*, actor: User, proposal: Proposal, version: int | None) -> Proposal:
    """Publish the proposal and its approved replies on the public page (no contact data)."""
    locked = _lock(proposal, version)
    require_office(actor, locked)
    if locked.state not in (State.REPLIED, State.CLOSED):
        raise ActionError("只有已答复的提案可以公开")
    if locked.is_confidential:
        raise ActionError("涉密提案不能公开")
    locked.is_published, locked.published_at = True, _now()
    _save(locked, "is_published", "published_at")
    _event(locked, actor, "publish", "")
    return locked


# ---------------------------------------------------------------------------------------
# settings


SETTING_NUMBERS = {
    "current_session": ("当前会议次数", 1, 20),
    "deadline_months": ("办理期限（月）", 1, 12),
    "objection_days": ("申请调整期限（天）", 1, 30),
    "rating_reminder_days": ("测评提醒（天）", 1, 90),
    "deadline_reminder_days": ("到期提醒（天）", 1, 60),
}


@transaction.atomic
def update_settings(*, actor: User, organisation: Organisation, data: dict[str, Any]) -> ProposalSettings:
    """The proposals office configures its committee: number format, periods, categories,
    not-filed reasons and the reply-class scheme (A-C, A-D, 甲乙丙…)."""
    require_office(actor, organisation)
    conf = ProposalSettings.objects.select_for_update().get(pk=settings_for(organisation).pk)
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    fmt = str(data.get("number_format", conf.number_format)).strip()
    try:
        fmt.format(term=16, session=3, year=2026, seq=42)
        if "{seq" not in fmt:
            raise ValueError
        values["number_format"] = fmt
    except (KeyError, ValueError, IndexError):
        errors["number_format"] = (
            "编号格式须包含{seq}，可用{term}届次、{session}会议次数、{year}年度，如 第{term}届第{session}次会议第{seq:04d}号"
        )
    for key, (label, low, high) in SETTING_NUMBERS.items():
        raw = str(data.get(key, getattr(conf, key))).strip()
        if not raw.isdigit() or not low <= int(raw) <= high:
            errors[key] = f"{label}应为{low}到{high}之间的整数"
        else:
            values[key] = int(raw)
    for key, label in (("categories", "提案类别"), ("not_filed_reasons", "不予立案理由")):
        items = [
            line.strip() for line in str(data.get(key, "\n".join(getattr(conf, key)))).splitlines() if line.strip()
        ]
        if not items or len(set(items)) != len(items):
            errors[key] = f"{label}每行一项，不能为空或重复"
        else:
            values[key] = items
    classes = []
    for n, line in enumerate(str(data.get("reply_classes", "")).splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if len(parts) != 3 or not parts[0] or not parts[1] or parts[2] not in ("是", "否"):
            errors["reply_classes"] = f"答复类别第{n}行应写成“代码|说明|是否计入解决或正在解决（是/否）”"
            break
        classes.append({"code": parts[0], "label": parts[1], "solved": parts[2] == "是"})
    if "reply_classes" not in errors:
        if not classes or len({c["code"] for c in classes}) != len(classes):
            errors["reply_classes"] = "答复类别不能为空，代码不能重复"
        else:
            values["reply_classes"] = classes
    if errors:
        raise Invalid(errors)
    before = {k: getattr(conf, k) for k in values}
    for key, value in values.items():
        setattr(conf, key, value)
    conf.save()
    changed = {k: v for k, v in values.items() if before[k] != v}
    record(
        actor=actor,
        action="proposal_settings.update",
        obj=conf,
        organisation_id=organisation.pk,
        changes={"before": {k: before[k] for k in changed}, "after": changed},
    )
    return conf
