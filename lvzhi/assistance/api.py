"""The assistance action over the API (/api/v1/assistance/): the figures, and the ledger for
scripts and the members' phone apps — through the same actions, validation and scoping as
the pages. Out of scope answers 404 like a missing object; a stale ``version`` 409."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from lvzhi.accounts.models import Role, User
from lvzhi.accounts.scoping import organisation_ids_in_scope
from lvzhi.assistance import actions
from lvzhi.assistance.figures import Filters, assistance_figures
from lvzhi.assistance.models import Campaign, Entry
from lvzhi.assistance.validation import validate_entry
from lvzhi.core.dates import DateError, parse_date
from lvzhi.core.errors import Invalid, NotFound
from lvzhi.organisations.models import Organisation

router = Router()


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


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
    user = _user(request)
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
    household: str | None
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

    @staticmethod
    def from_entry(entry: Entry) -> dict[str, Any]:
        return {
            **{f: getattr(entry, f) for f in EntryOut.model_fields if hasattr(entry, f) and f != "organisation"},
            "organisation": entry.organisation.code,
            "status_label": entry.get_status_display(),
            "campaign": entry.campaign.code if entry.campaign else None,
            "household": entry.household.number if entry.household else None,
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
    target: str | None = None
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
    return Entry.objects.visible_to(user).select_related("organisation", "campaign", "household")


def _entry(user: User, pk: int) -> Entry:
    entry = _entries(user).filter(pk=pk).first()
    if entry is None:
        raise NotFound("台账不存在")
    return entry


@router.get("/entries", response=list[EntryOut], summary="助推台账（本人可见范围）")
@paginate(PageNumberPagination, page_size=50)
def entries(request: HttpRequest, status: str | None = None, organisation: str | None = None) -> list[dict[str, Any]]:
    qs = _entries(_user(request)).prefetch_related("persons")
    if status:
        qs = qs.filter(status=status)
    if organisation:
        qs = qs.filter(organisation__code=organisation)
    return [EntryOut.from_entry(e) for e in qs]


@router.post("/entries", response={201: EntryOut}, summary="填报助推台账（委员本人：待确认；机关：直接确认）")
def create_entry(request: HttpRequest, payload: EntryIn) -> Status:
    user = _user(request)
    org = _organisation(user, payload.organisation)
    raw: dict[str, Any] = payload.dict(exclude={"organisation", "persons"})
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
    if errors:
        raise Invalid(errors)
    persons = list(payload.persons)
    if user.role == Role.MEMBER and user.person_id and user.person_id not in persons:
        persons.insert(0, user.person_id)
    entry = actions.log_entry(actor=user, organisation=org, data=data, person_ids=persons)
    return Status(201, EntryOut.from_entry(_entry(user, entry.pk)))


@router.post("/entries/{pk}/confirm", response=EntryOut, summary="确认台账（机关）")
def confirm(request: HttpRequest, pk: int, payload: VersionIn) -> dict[str, Any]:
    user = _user(request)
    entry = actions.confirm_entry(actor=user, entry=_entry(user, pk), version=payload.version)
    return EntryOut.from_entry(_entry(user, entry.pk))


@router.post("/entries/{pk}/reject", response=EntryOut, summary="退回台账（机关，须填写原因）")
def reject(request: HttpRequest, pk: int, payload: VersionIn) -> dict[str, Any]:
    user = _user(request)
    entry = actions.reject_entry(actor=user, entry=_entry(user, pk), version=payload.version, reason=payload.reason)
    return EntryOut.from_entry(_entry(user, entry.pk))
