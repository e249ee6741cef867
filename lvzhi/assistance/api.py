"""The assistance action over the API (/api/v1/assistance/): the figures, the ledger and the
needs (帮扶需求: list, detail, record, edit, status, 对接, suggested members) for scripts and
the members' phone apps — through the same actions, validation and scoping as the pages.
Out of scope answers 404 like a missing object; a stale ``version`` 409; a wrong start state
or bad input 400 with Chinese field errors (422 when the JSON itself has the wrong shape)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, ValidationInfo, model_validator

from lvzhi.accounts.models import Role, User
from lvzhi.accounts.scoping import managed_organisation_ids, organisation_ids_in_scope
from lvzhi.assistance import actions, needs
from lvzhi.assistance.figures import Filters, assistance_figures
from lvzhi.assistance.matching import suggest
from lvzhi.assistance.models import Campaign, Entry, Need, NeedKind, Target, Urgency
from lvzhi.assistance.validation import PlaceLookup, validate_entry
from lvzhi.core.api import api_user, typed
from lvzhi.core.dates import DateError, parse_date
from lvzhi.core.errors import Invalid, NotFound
from lvzhi.core.masking import HouseholdPrivacy
from lvzhi.core.text import clean_compact
from lvzhi.organisations.models import Organisation

if TYPE_CHECKING:
    from lvzhi.members.models import Person

router = Router()


def _organisation(user: User, code: str, *, figures: bool = False) -> Organisation:
    org = Organisation.objects.filter(code=code).first()
    if org is None or org.pk not in organisation_ids_in_scope(user):
        raise NotFound("政协组织不存在")
    if figures and user.role not in (Role.OFFICE, Role.LEADER):
        raise NotFound("政协组织不存在")
    return org


def _date(value: str | None, key: str) -> dt.date | None:
    try:
        return parse_date(value)
    except DateError as exc:
        raise Invalid({key: str(exc)}) from None


class FiguresQuery(Schema):
    organisation: str = Field(description="政协组织代码")
    campaign: str | None = Field(None, description="助推活动代码")
    date_from: str | None = Field(None, alias="from", description="起始日期")
    as_of: str | None = Field(None, description="截至日期（含），默认今天")


@router.get("/figures", summary="助推行动统计（动员面、参与率、捐资、捐物…，比率为0至1的小数）")
def figures(request: HttpRequest, query: Query[FiguresQuery]) -> dict[str, Any]:
    user = api_user(request)
    org = _organisation(user, query.organisation, figures=True)
    campaign = None
    if query.campaign:
        campaign = Campaign.objects.visible_to(user).filter(code=query.campaign).first()
        if campaign is None:
            raise NotFound("助推活动不存在")
    start, end = _date(query.date_from, "from"), _date(query.as_of, "as_of")
    if start and end and start > end:
        raise Invalid({"from": "起始日期不能晚于截至日期"})
    return assistance_figures(Filters(org, campaign, start, end))


class EntryOut(Schema):
    id: int
    organisation: str
    date: dt.date
    status: str
    status_label: str
    campaign: str | None
    target: str
    household: str | None
    village: str | None
    site: str | None
    summary: str
    money: Decimal
    goods_count: int
    goods_value: Decimal
    industry_households: int
    students: int
    jobs: int
    info_items: int
    materials: int
    key_matters: int
    members: list[str]
    version: int

    @model_validator(mode="before")
    @classmethod
    def _from_model(cls, value: Any) -> Any:
        value = value._obj if isinstance(value, DjangoGetter) else value
        return EntryOut.from_entry(value) if isinstance(value, Entry) else value

    @staticmethod
    def from_entry(entry: Entry) -> dict[str, Any]:
        return {
            **{f: getattr(entry, f) for f in EntryOut.model_fields if hasattr(entry, f) and f != "organisation"},
            "organisation": entry.organisation.code,
            "status_label": entry.get_status_display(),
            "campaign": entry.campaign.code if entry.campaign else None,
            "household": entry.household.number if entry.household else None,
            "village": str(entry.village) if entry.village else None,
            "site": entry.site.name if entry.site else None,
            "members": [p.name for p in entry.persons.all()],
        }


class EntryIn(Schema):
    organisation: str
    date: str
    summary: str
    persons: list[int] = Field(default_factory=list, description="委员（人员）ID；委员本人填报时可省略")
    campaign: str | None = None
    action_kind: str | None = None
    household: str | None = Field(None, description="户编号")
    village: int | str | None = Field(
        None, description="村（社区）：ID或名称，几个乡镇有同名村时写“乡镇名村名”或同时填写 township"
    )
    township: str | None = Field(None, description="村（社区）所在乡镇名称（区分同名村时填写）")
    site: int | str | None = Field(None, description="助推示范点：ID或名称")
    target: str | None = Field(
        None,
        description="帮扶对象：household 贫困户、village 村（社区）、site 助推示范点、general 面上帮扶（或中文名称）；"
        "省略时按所填的户编号、村或示范点确定",
    )
    money: str | None = None
    goods_count: str | None = None
    goods_value: str | None = None
    industry_households: str | None = None
    students: str | None = None
    jobs: str | None = None
    info_items: str | None = None
    materials: str | None = None
    key_matters: str | None = None
    note: str | None = None


class VersionIn(Schema):
    version: int
    reason: str = ""


def _entries(user: User) -> Any:
    return Entry.objects.visible_to(user).select_related(
        "organisation", "campaign", "household", "village__township", "site"
    )


def _entry(user: User, pk: int) -> Entry:
    entry = _entries(user).filter(pk=pk).first()
    if entry is None:
        raise NotFound("台账不存在")
    return entry


@router.get("/entries", response=list[EntryOut], summary="助推台账（本人可见范围）")
@paginate(PageNumberPagination, page_size=50)
def entries(request: HttpRequest, status: str | None = None, organisation: str | None = None) -> Any:
    # The queryset, not a list: the page is sliced in the database (a province's ledger).
    qs = _entries(api_user(request)).prefetch_related("persons")
    if status:
        qs = qs.filter(status=status)
    if organisation:
        qs = qs.filter(organisation__code=organisation)
    return qs


@router.post("/entries", response={201: EntryOut}, summary="填报助推台账（委员本人：待确认；机关：直接确认）")
def create_entry(request: HttpRequest, payload: EntryIn) -> Status:
    user = api_user(request)
    org = _organisation(user, payload.organisation)
    raw: dict[str, Any] = payload.dict(exclude={"organisation", "persons", "village", "township", "site"})
    place_errors = _resolve_place(raw, payload, org)
    if raw.get("household"):
        from lvzhi.households.models import Household

        household = (
            Household.objects.filter(number=raw["household"], organisation__path__startswith=org.path).first()
            or Household.objects.visible_to(user).filter(number=raw["household"]).first()
        )
        if household is None:
            raise Invalid({"household": f"没有户编号为“{raw['household']}”的贫困户"})
        raw["household"] = household
    campaigns = {c.code: c for c in Campaign.objects.visible_to(user)}
    campaigns.update({c.name: c for c in Campaign.objects.visible_to(user)})
    raw["campaign"] = raw.get("campaign") or ""
    raw["action_kind"] = raw.get("action_kind") or ""
    raw = {k: v for k, v in raw.items() if v is not None}
    data, errors = validate_entry(raw, org, campaigns=campaigns)
    errors = {**errors, **place_errors}
    if errors:
        raise Invalid(errors)
    persons = list(payload.persons)
    if user.role == Role.MEMBER and user.person_id and user.person_id not in persons:
        persons.insert(0, user.person_id)
    entry = actions.log_entry(actor=user, organisation=org, data=data, person_ids=persons)
    return Status(201, EntryOut.from_entry(_entry(user, entry.pk)))


PLACES = {"village": "村（社区）", "site": "助推示范点"}


def _resolve_place(raw: dict[str, Any], payload: EntryIn, org: Organisation) -> dict[str, str]:
    """The village or site named, found as the form and the import find them (PlaceLookup),
    into ``raw``. Left out, the target follows from what was named. Errors by field."""
    named = [key for key in PLACES if getattr(payload, key) not in (None, "")]
    if not raw.get("target") and not raw.get("household") and named:
        raw["target"] = named[0]
    labels = {str(label): value for value, label in Target.choices}
    target = labels.get(raw.get("target") or "", raw.get("target") or Target.HOUSEHOLD)
    places = PlaceLookup(org)
    errors: dict[str, str] = {}
    for key in named:
        if target != key:
            errors[key] = f"只有帮扶对象为“{PLACES[key]}”时才填写{PLACES[key]}"
            continue
        try:
            raw[key] = (
                places.village(payload.village, payload.township) if key == "village" else places.site(payload.site)
            )
        except ValueError as exc:
            errors[key] = str(exc)
    return errors


@router.post("/entries/{pk}/confirm", response=EntryOut, summary="确认台账（机关）")
def confirm(request: HttpRequest, pk: int, payload: VersionIn) -> dict[str, Any]:
    user = api_user(request)
    entry = actions.confirm_entry(actor=user, entry=_entry(user, pk), version=payload.version)
    return EntryOut.from_entry(_entry(user, entry.pk))


@router.post("/entries/{pk}/reject", response=EntryOut, summary="退回台账（机关，须填写原因）")
def reject(request: HttpRequest, pk: int, payload: VersionIn) -> dict[str, Any]:
    user = api_user(request)
    entry = actions.reject_entry(actor=user, entry=_entry(user, pk), version=payload.version, reason=payload.reason)
    return EntryOut.from_entry(_entry(user, entry.pk))


# -- needs (帮扶需求) ----------------------------------------------------------------------------
# The pages' rules: a clerk of the household's county (or the city above) records, assigns,
# closes and reopens; the member who took a need marks it met; leaders read. Everything else
# about a need out of sight answers 404, exactly like a missing one.


class In(Schema):
    model_config = ConfigDict(extra="forbid")


def _need_row(n: Need, privacy: HouseholdPrivacy) -> dict[str, Any]:
    """A list row. Needs ``organisation``, ``household__township``/``__village`` and ``person``."""
    household = n.household
    return {
        "id": n.pk,
        "organisation": n.organisation.code,
        "organisation_name": n.organisation.short_name,
        "household": household.number,
        "head_name": privacy.head(household),
        "township": household.township.name,
        "village": household.village.name,
        "kind": n.kind,
        "kind_display": n.get_kind_display(),
        "urgency": n.urgency,
        "urgency_display": n.get_urgency_display(),
        "description": n.description,
        "status": n.status,
        "status_display": n.get_status_display(),
        "recorded_on": n.recorded_on,
        "person_id": n.person_id,
        "person": n.person.name if n.person else None,
        "assigned_on": n.assigned_on,
        "match_score": n.match_score,
        "match_reasons": [r for r in n.match_reasons.split("；") if r],
        "closed_on": n.closed_on,
        "result": n.result,
        "version": n.version,
    }


class NeedOut(Schema):
    id: int
    organisation: str = Field(..., description="所属县区政协代码")
    organisation_name: str
    household: str = Field(..., description="户编号")
    head_name: str = Field(..., description="户主姓名；没有个人信息查看权限的用户看到“姓+某某”")
    township: str = Field(..., description="乡镇")
    village: str = Field(..., description="村（社区）")
    kind: str = Field(..., description="需求类别代码")
    kind_display: str
    urgency: int = Field(..., description="紧急程度：1一般、2较急、3紧急")
    urgency_display: str
    description: str
    status: str = Field(..., description="open 待对接、matched 已对接、met 已解决、closed 已关闭")
    status_display: str
    recorded_on: dt.date
    person_id: int | None = Field(None, description="对接委员（人员）ID")
    person: str | None = Field(None, description="对接委员姓名")
    assigned_on: dt.date | None
    match_score: float | None = Field(None, description="对接时的匹配得分（0–100）")
    match_reasons: list[str] = Field(..., description="对接时的匹配理由")
    closed_on: dt.date | None
    result: str = Field(..., description="办理结果或关闭原因")
    version: int = Field(..., description="修改或变更状态时原样提交；他人已修改则返回409")

    @model_validator(mode="before")
    @classmethod
    def _from_model(cls, value: Any, info: ValidationInfo) -> Any:
        value = value._obj if isinstance(value, DjangoGetter) else value
        if not isinstance(value, Need):
            return value
        request = (info.context or {}).get("request")
        return _need_row(value, HouseholdPrivacy.for_request(request) if request is not None else HouseholdPrivacy())


class NeedDetailOut(NeedOut):
    phone: str = Field(..., description="户联系电话；没有个人信息查看权限的用户看到脱敏号码")
    allowed: list[str] = Field(
        ..., description="本人现在可做的操作：edit 修改、assign 对接、met 已解决、close 关闭、reopen 重新打开"
    )


def _need_detail(user: User, pk: int) -> dict[str, Any]:
    need = needs.get_need_for(user, pk)
    managed = need.organisation_id in managed_organisation_ids(user)
    own = user.role == Role.MEMBER and user.person_id is not None and user.person_id == need.person_id
    may = {"edit": managed, "assign": managed, "met": managed or own, "close": managed, "reopen": managed}
    transitions = {"edit": "update", "assign": "assign", "met": "met", "close": "close", "reopen": "reopen"}
    privacy = HouseholdPrivacy.of(user)
    return {
        **_need_row(need, privacy),
        "phone": privacy.phone(need.household, need.household.phone),
        "allowed": [name for name, ok in may.items() if ok and need.status in needs.TRANSITIONS[transitions[name]]],
    }


class NeedQuery(Schema):
    status: str = Field("", description="状态：代码或中文名称，如 open 或 待对接")
    kind: str = Field("", description="需求类别：代码或中文名称，如 medical 或 医疗救助")
    urgency: str = Field("", description="紧急程度：1、2、3 或 一般、较急、紧急")
    township: str = Field("", description="乡镇名称")
    village: str = Field("", description="村（社区）名称")
    household: str = Field("", description="户编号（或其开头几位）")
    organisation: str = Field("", description="政协组织代码：该政协及其下级政协的需求")


@router.get("/needs", response=list[NeedOut], summary="帮扶需求列表（本人可见范围）")
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
@typed
def list_needs(request: HttpRequest, filters: Query[NeedQuery]) -> Any:
    """机关和领导看本级（市级含所辖县区）的需求，委员看对接给自己的需求；与“帮扶需求”页面的筛选相同。"""
    parsed, errors = needs.parse_filters(filters.dict())
    if errors:
        raise Invalid(errors)
    return needs.filtered_needs(api_user(request), parsed)


def _kind(value: str, errors: dict[str, str]) -> str:
    code = needs.choice_code(value.strip(), NeedKind)
    if not code:
        errors["kind"] = "需求类别应为：" + "、".join(str(label) for label in NeedKind.labels)
    return code or ""


def _urgency(value: int | str, errors: dict[str, str]) -> int:
    code = needs.choice_code(str(value).strip(), Urgency)
    if not code:
        errors["urgency"] = "紧急程度应为：1（一般）、2（较急）、3（紧急）"
    return int(code) if code else 0


class NeedIn(In):
    household: str = Field(..., description="户编号")
    organisation: str = Field("", description="所属县区政协代码；几个县区有同一户编号时必填")
    kind: str = Field(..., description="需求类别：代码或中文名称，如 medical 或 医疗救助")
    urgency: int | str = Field(Urgency.NORMAL, description="紧急程度：1、2、3 或 一般、较急、紧急，默认较急")
    description: str = Field(..., description="需求描述（500字以内）")
    recorded_on: str | None = Field(None, description="登记日期，默认今天")


@router.post("/needs", response={201: NeedDetailOut}, summary="登记帮扶需求（本县或上级政协机关）")
def create_need(request: HttpRequest, payload: NeedIn) -> Status:
    """按户编号找到贫困户后登记需求，与“登记需求”页面相同。"""
    from lvzhi.households.models import Household

    user = api_user(request)
    errors: dict[str, str] = {}
    kind = _kind(payload.kind, errors)
    urgency = _urgency(payload.urgency, errors)
    recorded_on = None
    try:
        recorded_on = parse_date(payload.recorded_on)
    except DateError as exc:
        errors["recorded_on"] = str(exc)
    number = clean_compact(payload.household)
    households = Household.objects.visible_to(user).filter(number=number)
    if payload.organisation.strip():
        org = _organisation(user, payload.organisation.strip())
        households = households.filter(organisation__path__startswith=org.path)
    found = list(households.select_related("organisation")[:2]) if number else []
    if not found:
        errors["household"] = f"未找到户编号为“{number}”的贫困户" if number else "请填写户编号"
    elif len(found) > 1:
        errors["organisation"] = f"几个县区都有户编号“{number}”，请填写所属县区政协代码"
    if errors:
        raise Invalid(errors)
    need = needs.record_need(
        actor=user,
        household=found[0],
        kind=kind,
        urgency=urgency,
        description=payload.description,
        recorded_on=recorded_on,
    )
    return Status(201, _need_detail(user, need.pk))


@router.get("/needs/{need_id}", response=NeedDetailOut, summary="帮扶需求详情")
def get_need(request: HttpRequest, need_id: int) -> dict[str, Any]:
    return _need_detail(api_user(request), need_id)


class NeedEditIn(In):
    version: int = Field(..., description="读到的 version")
    kind: str | None = None
    urgency: int | str | None = None
    description: str | None = None


@router.patch("/needs/{need_id}", response=NeedDetailOut, summary="修改帮扶需求（待对接、已对接的）")
def edit_need(request: HttpRequest, need_id: int, payload: NeedEditIn) -> dict[str, Any]:
    """只改提交了的字段：需求类别、紧急程度、需求描述。"""
    user = api_user(request)
    need = needs.get_need_for(user, need_id)
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    if payload.kind is not None:
        data["kind"] = _kind(payload.kind, errors)
    if payload.urgency is not None:
        data["urgency"] = _urgency(payload.urgency, errors)
    if payload.description is not None:
        data["description"] = payload.description
    if not data and not errors:
        errors["description"] = "请至少提交需求类别、紧急程度或需求描述中的一项"
    if errors:
        raise Invalid(errors)
    needs.update_need(actor=user, need=need, data=data, version=payload.version)
    return _need_detail(user, need_id)


# A status as users write it -> the action that leads there.
STATUS_ACTIONS = {
    "matched": "assign",
    "已对接": "assign",
    "met": "met",
    "已解决": "met",
    "closed": "close",
    "已关闭": "close",
    "reopen": "reopen",
    "重新打开": "reopen",
}


class StatusIn(In):
    status: str = Field(
        ...,
        description="matched 已对接（须填 person）、met 已解决（须填 result）、closed 已关闭（须填 reason）、"
        "reopen 重新打开（已解决或已关闭的需求，回到原对接委员或待对接）",
    )
    version: int = Field(..., description="读到的 version；他人已修改则返回409")
    person: int | None = Field(None, description="对接委员（人员）ID")
    result: str = Field("", description="办理结果")
    reason: str = Field("", description="关闭原因")


def _person(person_id: int | None) -> Person:
    from lvzhi.members.models import Person

    person = Person.objects.filter(pk=person_id).first() if person_id else None
    if person is None:
        raise Invalid({"person": "请选择对接委员" if not person_id else "没有该委员"})
    return person


@router.post("/needs/{need_id}/status", response=NeedDetailOut, summary="变更帮扶需求状态")
def change_status(request: HttpRequest, need_id: int, payload: StatusIn) -> dict[str, Any]:
    """已对接、已解决（对接委员本人或机关）、已关闭、重新打开；不允许的起始状态返回400及原因。"""
    user = api_user(request)
    need = needs.get_need_for(user, need_id)
    action = STATUS_ACTIONS.get(payload.status.strip())
    if action is None:
        raise Invalid({"status": "状态应为：matched（已对接）、met（已解决）、closed（已关闭）或 reopen（重新打开）"})
    if action == "assign":
        needs.assign_need(actor=user, need=need, person=_person(payload.person), version=payload.version)
    elif action == "met":
        needs.mark_met(actor=user, need=need, version=payload.version, result=payload.result)
    elif action == "close":
        needs.close_need(actor=user, need=need, version=payload.version, reason=payload.reason)
    else:
        needs.reopen_need(actor=user, need=need, version=payload.version)
    return _need_detail(user, need_id)


class AssignIn(In):
    person: int = Field(..., description="对接委员（人员）ID，见 suggestions")
    version: int = Field(..., description="读到的 version；他人已修改则返回409")


@router.post("/needs/{need_id}/assign", response=NeedDetailOut, summary="对接委员")
def assign(request: HttpRequest, need_id: int, payload: AssignIn) -> dict[str, Any]:
    """把需求交给本县或上级政协的在任委员（已对接的可改派），记下匹配得分和理由并通知委员。"""
    user = api_user(request)
    need = needs.get_need_for(user, need_id)
    needs.assign_need(actor=user, need=need, person=_person(payload.person), version=payload.version)
    return _need_detail(user, need_id)


class ReasonOut(Schema):
    reason: str
    points: int


class SuggestionOut(Schema):
    person_id: int
    name: str
    employer: str
    job_title: str
    score: int = Field(..., description="匹配得分（0–100）")
    fits: bool = Field(..., description="是否与该类需求对口（一键匹配只对接对口委员）")
    reasons: list[ReasonOut] = Field(..., description="得分的每一项：理由和分值")
    load: int = Field(..., description="在帮的需求数")
    capacity: int = Field(..., description="可帮扶户数")
    current: bool = Field(..., description="是否为当前对接委员")


@router.get("/needs/{need_id}/suggestions", response=list[SuggestionOut], summary="推荐对接委员（按匹配得分排序）")
def suggestions(request: HttpRequest, need_id: int, limit: int = 10) -> list[dict[str, Any]]:
    """本县及上级政协在任委员，对口的在前、得分高的在前，每人附可读的匹配理由（机关工作人员）。"""
    user = api_user(request)
    need = needs.get_need_for(user, need_id)
    needs.require_manage_needs(user, need.organisation)
    if not 1 <= limit <= 50:
        raise Invalid({"limit": "limit 应为1至50之间的整数"})
    return [
        {
            "person_id": c.person.pk,
            "name": c.person.name,
            "employer": c.person.employer,
            "job_title": c.person.job_title,
            "score": c.score.total,
            "fits": c.score.fits,
            "reasons": [{"reason": r, "points": p} for r, p in c.score.parts],
            "load": c.profile.load,
            "capacity": c.profile.capacity,
            "current": c.person.pk == need.person_id,
        }
        for c in suggest(need, limit=limit)
    ]
