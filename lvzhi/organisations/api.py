"""Committees and handling units, read-only, each scoped by ``visible_to``."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from lvzhi.accounts.models import User
from lvzhi.accounts.scoping import can_see_personal_data
from lvzhi.core.api import api_user, typed
from lvzhi.core.errors import NotFound
from lvzhi.core.identity import mask_mobile
from lvzhi.core.text import clean
from lvzhi.organisations.models import BodyKind, HandlingUnit, HandlingUnitQuerySet, Organisation, Term

router = Router()


class OrganisationOut(Schema):
    code: str
    name: str
    short_name: str
    level: str
    level_display: str = Field(..., alias="get_level_display")
    parent: str | None = Field(None, alias="parent.code")
    division_code: str


class TermOut(Schema):
    number: int
    name: str
    start_date: dt.date | None
    end_date: dt.date | None


class BodyOut(Schema):
    id: int
    name: str
    township: str


class BodyGroupOut(Schema):
    kind: str
    label: str
    bodies: list[BodyOut]


class OrganisationDetailOut(OrganisationOut):
    """Bodies and terms come prefetched with the committee (no query per group)."""

    current_term: TermOut | None
    terms: list[TermOut]
    body_groups: list[BodyGroupOut]
    children: list[str]

    @staticmethod
    def resolve_current_term(obj: Organisation) -> Term | None:
        return next((t for t in obj.terms.all() if t.is_current), None)

    @staticmethod
    def resolve_body_groups(obj: Organisation) -> list[dict[str, object]]:
        bodies = list(obj.bodies.all())
        return [
            {"kind": kind, "label": str(label), "bodies": [b for b in bodies if b.kind == kind]}
            for kind, label in BodyKind.choices
        ]

    @staticmethod
    def resolve_children(obj: Organisation, context: dict[str, object]) -> list[str]:
        user = api_user(context["request"])  # type: ignore[arg-type]
        return list(Organisation.objects.visible_to(user).filter(parent=obj).values_list("code", flat=True))


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    kind_display: str = Field(..., alias="get_kind_display")
    organisation: str = Field(..., alias="organisation.code")
    organisation_name: str = Field(..., alias="organisation.name")
    contact_name: str
    contact_phone: str
    is_active: bool

    @staticmethod
    def resolve_contact_phone(obj: HandlingUnit, context: dict[str, object]) -> str:
        request: HttpRequest = context["request"]  # type: ignore[assignment]
        user: User = request.auth  # type: ignore[attr-defined]
        return obj.contact_phone if can_see_personal_data(user) else mask_mobile(obj.contact_phone)


class ClerkOut(Schema):
    username: str
    full_name: str = Field(..., alias="display_name")


class UnitDetailOut(UnitOut):
    clerks: list[ClerkOut]

    @staticmethod
    def resolve_clerks(obj: HandlingUnit) -> list[User]:
        return list(obj.clerks.filter(is_active=True).order_by("username"))


class UnitFilters(Schema):
    organisation: str = ""
    kind: str = ""
    q: str = ""


@router.get("/organisations", response=list[OrganisationOut], summary="政协组织列表")
def list_organisations(request: HttpRequest) -> list[Organisation]:
    return list(Organisation.objects.visible_to(api_user(request)).select_related("parent"))


@router.get("/organisations/{code}", response=OrganisationDetailOut, summary="政协组织详情")
def get_organisation(request: HttpRequest, code: str) -> Organisation:
    org = (
        Organisation.objects.visible_to(api_user(request))
        .select_related("parent")
        .prefetch_related("terms", "bodies")
        .filter(code=code)
        .first()
    )
    if org is None:
        raise NotFound("政协组织不存在")
    return org


@router.get("/handling-units", response=list[UnitOut], summary="承办单位列表")
@paginate(PageNumberPagination, page_size=50, max_page_size=200)
@typed
def list_units(request: HttpRequest, filters: Query[UnitFilters]) -> HandlingUnitQuerySet:
    qs = HandlingUnit.objects.visible_to(api_user(request)).select_related("organisation")
    if code := clean(filters.organisation):
        qs = qs.filter(organisation__code=code)
    if kind := clean(filters.kind):
        qs = qs.filter(kind=kind)
    if q := clean(filters.q):
        qs = qs.filter(Q(name__icontains=q) | Q(contact_name__icontains=q))
    return qs.order_by("organisation__path", "kind", "id")


@router.get("/handling-units/{unit_id}", response=UnitDetailOut, summary="承办单位详情")
def get_unit(request: HttpRequest, unit_id: int) -> HandlingUnit:
    unit = HandlingUnit.objects.visible_to(api_user(request)).select_related("organisation").filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("承办单位不存在")
    return unit
