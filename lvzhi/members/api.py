"""Members (委员) over the API: the list page's filter (`member_list`), the form's validator
(`validate_member`) and the same actions, so the API accepts, refuses and audits exactly
what the pages do. ID and mobile numbers are masked unless the user may see them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate
from pydantic import ConfigDict

from lvzhi.accounts.scoping import can_see_personal_data
from lvzhi.core.api import api_user, typed
from lvzhi.core.errors import Forbidden, Invalid, NotFound
from lvzhi.core.identity import mask_id_number, mask_mobile
from lvzhi.members import actions
from lvzhi.members.models import Membership, MembershipQuerySet
from lvzhi.members.queries import FILTER_KEYS, member_list
from lvzhi.members.validation import validate_member
from lvzhi.organisations.models import Organisation

router = Router()


PERSONAL_FIELDS = ("id_number", "mobile")


def _shows_personal(obj: Membership, context: dict[str, Any]) -> bool:
    return can_see_personal_data(api_user(context["request"]), obj.person_id)


class MemberOut(Schema):
    id: int
    version: int
    organisation: str = Field(..., alias="organisation.code")
    organisation_name: str = Field(..., alias="organisation.name")
    person_id: int
    name: str = Field(..., alias="person.name")
    gender: str = Field(..., alias="person.get_gender_display")
    birth_date: dt.date | None = Field(None, alias="person.birth_date")
    ethnicity: str = Field(..., alias="person.ethnicity")
    party: str = Field(..., alias="person.party")
    party_display: str = Field(..., alias="person.get_party_display")
    id_number: str
    mobile: str
    education: str = Field(..., alias="person.education")
    employer: str = Field(..., alias="person.employer")
    job_title: str = Field(..., alias="person.job_title")
    expertise: str = Field(..., alias="person.expertise")
    code: str
    role: str
    role_display: str = Field(..., alias="get_role_display")
    sector: str | None
    working_group: str | None
    special_committee: str | None
    is_active: bool

    @staticmethod
    def resolve_id_number(obj: Membership, context: dict[str, Any]) -> str:
        value = obj.person.id_number
        return value if _shows_personal(obj, context) else mask_id_number(value)

    @staticmethod
    def resolve_mobile(obj: Membership, context: dict[str, Any]) -> str:
        value = obj.person.mobile
        return value if _shows_personal(obj, context) else mask_mobile(value)

    @staticmethod
    def resolve_sector(obj: Membership) -> str | None:
        return obj.sector.name if obj.sector else None

    @staticmethod
    def resolve_working_group(obj: Membership) -> str | None:
        return obj.working_group.name if obj.working_group else None

    @staticmethod
    def resolve_special_committee(obj: Membership) -> str | None:
        return obj.special_committee.name if obj.special_committee else None


class SeatOut(Schema):
    id: int
    organisation: str = Field(..., alias="organisation.code")
    organisation_name: str = Field(..., alias="organisation.name")
    role: str
    role_display: str = Field(..., alias="get_role_display")
    is_active: bool


class MemberDetailOut(MemberOut):
    term: str | None = Field(None, alias="term.name")
    seats: list[SeatOut]

    @staticmethod
    def resolve_seats(obj: Membership, context: dict[str, Any]) -> list[Membership]:
        """The person's other seats the user may see (a member of county and city)."""
        return list(
            Membership.objects.visible_to(api_user(context["request"]))
            .filter(person_id=obj.person_id)
            .select_related("organisation")
            .order_by("organisation__path")
        )


class MemberFilters(Schema):
    organisation: str = ""
    sector: str = ""
    working_group: str = ""
    party: str = ""
    role: str = ""
    level: str = ""
    q: str = ""
    active: str = Field("", description="1 在任（默认），0 已离任，all 全部")


class MemberFields(Schema):
    """Member data as strings, as typed into the form (政治面貌 and 职务 by name or value)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    id_number: str | None = None
    gender: str | None = None
    ethnicity: str | None = None
    party: str | None = None
    mobile: str | None = None
    education: str | None = None
    employer: str | None = None
    job_title: str | None = None
    expertise: str | None = None
    code: str | None = None
    role: str | None = None
    sector: str | None = None
    working_group: str | None = None
    special_committee: str | None = None


class MemberCreateIn(MemberFields):
    organisation: str = Field(..., description="政协组织代码")


class MemberPatchIn(MemberFields):
    version: int = Field(..., description="编辑开始时读到的 version；他人已修改则返回409")


@router.get("", response=list[MemberOut], summary="委员名单")
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
@typed
def list_members(request: HttpRequest, filters: Query[MemberFilters]) -> MembershipQuerySet:
    """与委员名单页面相同的筛选，按姓氏笔画为序。"""
    params = {key: getattr(filters, key) for key in FILTER_KEYS}
    return member_list(api_user(request), params)


@router.get("/{member_id}", response=MemberDetailOut, summary="委员详情")
def get_member(request: HttpRequest, member_id: int) -> Membership:
    return actions.get_membership_for(api_user(request), member_id)


@router.post("", response={201: MemberDetailOut}, summary="新增委员")
def create_member(request: HttpRequest, payload: MemberCreateIn) -> Status[Membership]:
    user = api_user(request)
    org = Organisation.objects.visible_to(user).filter(code=payload.organisation.strip()).first()
    if org is None:
        raise NotFound("政协组织不存在")
    # Scope before validation: the validator's messages name the committee's bodies.
    actions.require_manage(user, org)
    raw = payload.model_dump(exclude={"organisation"}, exclude_none=True)
    data, errors = validate_member(raw, org)
    if errors:
        raise Invalid(errors)
    membership = actions.save_member(actor=user, organisation=org, data=data)
    return Status(201, actions.get_membership_for(user, membership.pk))


@router.patch("/{member_id}", response=MemberDetailOut, summary="修改委员信息")
def update_member(request: HttpRequest, member_id: int, payload: MemberPatchIn) -> Membership:
    """只修改提交的字段；version 过期（他人已保存）则返回409，不覆盖他人修改。"""
    user = api_user(request)
    membership = actions.get_membership_for(user, member_id)
    actions.require_manage(user, membership.organisation)
    raw: dict[str, object] = payload.model_dump(exclude={"version"}, exclude_unset=True)
    person = membership.person
    if not can_see_personal_data(user, person.pk):
        hidden = [key for key in PERSONAL_FIELDS if key in raw]
        if hidden:
            raise Forbidden("您没有查看或修改身份证号码、手机号码的权限")
    if "gender" in raw and "id_number" not in raw:
        raw["id_number"] = person.id_number  # so a gender contradicting the ID number is refused
    data, errors = validate_member(raw, membership.organisation, partial=True)
    if errors:
        raise Invalid(errors)
    actions.update_member(actor=user, membership=membership, data=data, version=payload.version)
    return actions.get_membership_for(user, member_id)
