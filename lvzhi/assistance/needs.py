"""Every write to needs (需求): record, edit, assign to a member (对接), mark met (已解决),
close and reopen. Pages, the API and the batch call these; each checks scope first (a need
out of sight answers 404, exactly like a missing one), then the right to act (403), then the
state (a wrong start state is refused in Chinese), locks the row and checks its `version`
(a stale edit is a Conflict), saves, audits and notifies on commit.

States: 待对接 (open) → 已对接 (matched) → 已解决 (met); open or matched → 已关闭 (closed);
met or closed → reopened (back to matched when a member still holds it, else open)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lvzhi.accounts import scoping
from lvzhi.accounts.models import Role
from lvzhi.accounts.scoping import household_filter, need_filter, organisation_ids_in_scope
from lvzhi.assistance.models import Need, NeedKind, NeedStatus, Urgency
from lvzhi.assistance.rollups import refresh_mobilisation
from lvzhi.audit.log import diff, record, snapshot
from lvzhi.core.errors import Conflict, Invalid, NotFound
from lvzhi.core.text import clean, clean_compact
from lvzhi.notifications.services import notify

if TYPE_CHECKING:
    from lvzhi.accounts.models import User
    from lvzhi.households.models import Household
    from lvzhi.members.models import Person
    from lvzhi.organisations.models import Organisation

EDITABLE = ("kind", "urgency", "description")

# action -> the states it may start from
TRANSITIONS: dict[str, frozenset[str]] = {
    "update": frozenset({NeedStatus.OPEN, NeedStatus.MATCHED}),
    "assign": frozenset({NeedStatus.OPEN, NeedStatus.MATCHED}),
    "met": frozenset({NeedStatus.MATCHED}),
    "close": frozenset({NeedStatus.OPEN, NeedStatus.MATCHED}),
    "reopen": frozenset({NeedStatus.MET, NeedStatus.CLOSED}),
}
ACTION_LABELS = {
    "update": "修改",
    "assign": "对接",
    "met": "标记为已解决",
    "close": "关闭",
    "reopen": "重新打开",
}


def require_manage_needs(actor: User, organisation: Organisation) -> None:
    """404 if the committee is out of the actor's sight, 403 if seen but not theirs to change."""
    scoping.require_manage(actor, organisation.pk, "只有本县或上级政协机关工作人员可以管理帮扶需求")


def visible_needs(user: User) -> Any:
    return Need.objects.filter(need_filter(user))


def get_need_for(user: User, pk: int) -> Need:
    """Detail lookups: out of scope is exactly as missing."""
    need = (
        visible_needs(user)
        .select_related(
            "organisation", "household__township", "household__village", "household__organisation", "person"
        )
        .filter(pk=pk)
        .first()
    )
    if need is None:
        raise NotFound("帮扶需求不存在")
    return need


# -- the filtered list: the page, its export and the API read the same rows -----------------


@dataclass(frozen=True)
class NeedFilters:
    """What a needs list is narrowed by; empty means "any"."""

    status: str = ""
    kind: str = ""
    urgency: int | None = None
    township: str = ""  # 乡镇 name
    village: str = ""  # 村 name
    household: str = ""  # 户编号, or its beginning
    organisation: str = ""  # a committee's code: its needs and those of the committees below


def choice_code(value: str, choices: Any) -> str | None:
    """A choice as users write it, its code (``open``) or its label (``待对接``): the code, ""
    for no value, None for a value that is neither."""
    if not value:
        return ""
    return next((str(code) for code, label in choices.choices if value in (str(code), str(label))), None)


def parse_filters(params: Mapping[str, Any]) -> tuple[NeedFilters, dict[str, str]]:
    """The filters from a query (codes or Chinese labels), with a Chinese error for each wrong
    value. The page leaves a wrong value out (its selects cannot send one); the API refuses it."""
    errors: dict[str, str] = {}
    status = choice_code(clean(params.get("status")), NeedStatus)
    if status is None:
        errors["status"] = "状态应为：" + "、".join(str(label) for label in NeedStatus.labels)
    kind = choice_code(clean(params.get("kind")), NeedKind)
    if kind is None:
        errors["kind"] = "需求类别应为：" + "、".join(str(label) for label in NeedKind.labels)
    urgency = choice_code(clean(params.get("urgency")), Urgency)
    if urgency is None:
        errors["urgency"] = "紧急程度应为：1（一般）、2（较急）、3（紧急）"
    found = NeedFilters(
        status=status or "",
        kind=kind or "",
        urgency=int(urgency) if urgency else None,
        township=clean_compact(params.get("township"))[:50],
        village=clean_compact(params.get("village"))[:50],
        household=clean_compact(params.get("household"))[:30],
        organisation=clean(params.get("organisation"))[:40],
    )
    return found, errors


def filtered_needs(user: User, f: NeedFilters) -> Any:
    """The needs the user sees, narrowed by ``f``, with what a list row shows (no query per
    row). A committee out of sight answers 404, like a missing one."""
    from lvzhi.organisations.models import Organisation

    qs = visible_needs(user).select_related(
        "organisation", "household__organisation", "household__township", "household__village", "person"
    )
    if f.organisation:
        org = Organisation.objects.filter(code=f.organisation, pk__in=organisation_ids_in_scope(user)).first()
        if org is None:
            raise NotFound("政协组织不存在")
        qs = qs.filter(organisation__path__startswith=org.path)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.urgency is not None:
        qs = qs.filter(urgency=f.urgency)
    if f.township:
        qs = qs.filter(household__township__name=f.township)
    if f.village:
        qs = qs.filter(household__village__name=f.village)
    if f.household:
        qs = qs.filter(household__number__startswith=f.household)
    return qs


def _check_visible(actor: User, need: Need) -> None:
    if not Need.objects.filter(need_filter(actor), pk=need.pk).exists():
        raise NotFound("帮扶需求不存在")


def _check_state(need: Need, action: str) -> None:
    if need.status not in TRANSITIONS[action]:
        raise Invalid(
            {"status": f"该需求当前为“{NeedStatus(need.status).label}”，不能{ACTION_LABELS[action]}"},
            message=f"该需求当前为“{NeedStatus(need.status).label}”，不能{ACTION_LABELS[action]}",
        )


def _locked(need: Need, version: int) -> Need:
    locked = Need.objects.select_for_update().select_related("household__organisation", "household__township")
    row = locked.get(pk=need.pk)
    if row.version != version:
        raise Conflict("该需求已被他人修改，请刷新页面后重试")
    return row


def _validate(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if "kind" in data:
        if data["kind"] not in NeedKind.values:
            errors["kind"] = "请选择需求类别"
        clean["kind"] = data["kind"]
    if "urgency" in data:
        try:
            urgency = int(data["urgency"])
        except (TypeError, ValueError):
            urgency = 0
        if urgency not in Urgency.values:
            errors["urgency"] = "请选择紧急程度"
        clean["urgency"] = urgency
    if "description" in data:
        text = str(data["description"] or "").strip()
        if not text:
            errors["description"] = "请填写需求描述"
        elif len(text) > 500:
            errors["description"] = "需求描述不能超过500字"
        clean["description"] = text
    if errors:
        raise Invalid(errors)
    return clean


def _finish_text(text: str, what: str, limit: int = 300) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid({"result": f"请填写{what}"})
    if len(text) > limit:
        raise Invalid({"result": f"{what}不能超过{limit}字"})
    return text


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # before the pages are wired into the site
        return ""


def notify_assigned(person_id: int, count: int = 1, need: Need | None = None) -> None:
    """Tell the member (on commit) that needs were assigned to them."""
    from lvzhi.accounts.models import User

    users = list(User.objects.filter(role=Role.MEMBER, person_id=person_id, is_active=True))
    if need is not None:
        title = f"新的帮扶需求：{need.household.township.name}{need.get_kind_display()}"
        body = need.description
    else:
        title = f"您有{count}条新的帮扶需求待对接"
        body = "请在“我的帮扶需求”中查看，解决后点击“已解决”。"
    notify(users, title, body, _url("needs:mine"))


@transaction.atomic
def record_need(
    *,
    actor: User,
    household: Household,
    kind: str,
    description: str,
    urgency: int = Urgency.NORMAL,
    recorded_on: dt.date | None = None,
) -> Need:
    """登记需求: by an office clerk of the household's county or a committee above it."""
    from lvzhi.households.models import Household

    if not Household.objects.filter(household_filter(actor), pk=household.pk).exists():
        raise NotFound("贫困户不存在")
    require_manage_needs(actor, household.organisation)
    data = _validate({"kind": kind, "urgency": urgency, "description": description})
    today = timezone.localdate()
    recorded_on = recorded_on or today
    if recorded_on > today:
        raise Invalid({"recorded_on": "登记日期不能晚于今天"})
    need = Need.objects.create(
        organisation=household.organisation,
        household=household,
        recorded_on=recorded_on,
        recorded_by=actor,
        **data,
    )
    record(
        actor=actor,
        action="assistance.need.create",
        obj=need,
        organisation_id=need.organisation_id,
        changes={"after": snapshot(need)},
    )
    return need


@transaction.atomic
def update_need(*, actor: User, need: Need, data: dict[str, Any], version: int) -> Need:
    _check_visible(actor, need)
    require_manage_needs(actor, need.organisation)
    clean = _validate({k: v for k, v in data.items() if k in EDITABLE})
    row = _locked(need, version)
    _check_state(row, "update")
    before = snapshot(row, mask=False)
    for key, value in clean.items():
        setattr(row, key, value)
    row.version = version + 1
    row.save(update_fields=[*clean, "version"])
    record(
        actor=actor,
        action="assistance.need.update",
        obj=row,
        organisation_id=row.organisation_id,
        changes=diff(before, snapshot(row, mask=False)),
    )
    return row


@transaction.atomic
def assign_need(*, actor: User, need: Need, person: Person, version: int, day: dt.date | None = None) -> Need:
    """对接: give the need to a member with an active seat in the household's county or a
    committee above it; stores the score and its reasons and tells the member."""
    from lvzhi.assistance.matching import load_profiles, place_of, score_at

    _check_visible(actor, need)
    require_manage_needs(actor, need.organisation)
    row = _locked(need, version)
    _check_state(row, "assign")
    if row.person_id == person.pk:
        raise Invalid({"person": f"该需求已由{person.name}对接"})
    place = place_of(row)
    profile = load_profiles(place.ancestor_ids, day=day, person_ids=[person.pk]).get(person.pk)
    if profile is None:
        raise Invalid({"person": f"{person.name}不是{place.county_name}或其上级政协的在任委员"})
    s = score_at(row.kind, place, profile)
    before = snapshot(row, mask=False)
    day = day or timezone.localdate()
    row.status = NeedStatus.MATCHED
    row.person = person
    row.assigned_on = day
    row.match_score = s.total
    row.match_reasons = s.reasons
    row.version = version + 1
    row.save(update_fields=["status", "person", "assigned_on", "match_score", "match_reasons", "version"])
    record(
        actor=actor,
        action="assistance.need.assign",
        obj=row,
        organisation_id=row.organisation_id,
        changes=diff(before, snapshot(row, mask=False)),
    )
    refresh_mobilisation(person.pk)
    notify_assigned(person.pk, need=row)
    return row


def _may_finish(actor: User, need: Need) -> None:
    """The assigned member, or an office clerk of the county (or above)."""
    if actor.role == Role.MEMBER and actor.person_id is not None and actor.person_id == need.person_id:
        return
    require_manage_needs(actor, need.organisation)


@transaction.atomic
def mark_met(*, actor: User, need: Need, version: int, result: str, day: dt.date | None = None) -> Need:
    """已解决: the member who took the need, or the office, records what was done."""
    _check_visible(actor, need)
    _may_finish(actor, need)
    text = _finish_text(result, "办理结果")
    row = _locked(need, version)
    _check_state(row, "met")
    before = snapshot(row, mask=False)
    row.status = NeedStatus.MET
    row.closed_on = day or timezone.localdate()
    row.result = text
    row.version = version + 1
    row.save(update_fields=["status", "closed_on", "result", "version"])
    record(
        actor=actor,
        action="assistance.need.met",
        obj=row,
        organisation_id=row.organisation_id,
        changes=diff(before, snapshot(row, mask=False)),
    )
    return row


@transaction.atomic
def close_need(*, actor: User, need: Need, version: int, reason: str, day: dt.date | None = None) -> Need:
    """关闭: the office closes a need that will not be met (moved away, no longer needed)."""
    _check_visible(actor, need)
    require_manage_needs(actor, need.organisation)
    text = _finish_text(reason, "关闭原因")
    row = _locked(need, version)
    _check_state(row, "close")
    before = snapshot(row, mask=False)
    row.status = NeedStatus.CLOSED
    row.closed_on = day or timezone.localdate()
    row.result = f"关闭：{text}"[:300]
    row.version = version + 1
    row.save(update_fields=["status", "closed_on", "result", "version"])
    record(
        actor=actor,
        action="assistance.need.close",
        obj=row,
        organisation_id=row.organisation_id,
        changes=diff(before, snapshot(row, mask=False)),
    )
    return row


@transaction.atomic
def reopen_need(*, actor: User, need: Need, version: int) -> Need:
    """重新打开: a met or closed need goes back to its member (已对接), or to 待对接."""
    _check_visible(actor, need)
    require_manage_needs(actor, need.organisation)
    row = _locked(need, version)
    _check_state(row, "reopen")
    before = snapshot(row, mask=False)
    row.status = NeedStatus.MATCHED if row.person_id else NeedStatus.OPEN
    row.closed_on = None
    row.result = ""
    row.version = version + 1
    row.save(update_fields=["status", "closed_on", "result", "version"])
    record(
        actor=actor,
        action="assistance.need.reopen",
        obj=row,
        organisation_id=row.organisation_id,
        changes=diff(before, snapshot(row, mask=False)),
    )
    return row
