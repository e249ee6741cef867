"""Writes to the committee tree: the system administrator maintains committees; office
clerks maintain their own bodies and handling units."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from lvzhi.accounts.models import Role
from lvzhi.accounts.scoping import managed_organisation_ids, organisation_ids_in_scope
from lvzhi.audit.log import record, snapshot
from lvzhi.core.errors import Forbidden, Invalid, NotFound
from lvzhi.organisations.models import Body, HandlingUnit, Organisation, Term

if TYPE_CHECKING:
    from lvzhi.accounts.models import User


def _require_sysadmin(actor: User) -> None:
    if actor.role != Role.SYSADMIN:
        raise Forbidden("只有系统管理员可以维护政协组织")


def _require_office(actor: User, organisation: Organisation) -> None:
    if actor.role == Role.SYSADMIN:
        return
    if organisation.pk not in managed_organisation_ids(actor):
        if organisation.pk not in organisation_ids_in_scope(actor):
            raise NotFound()
        raise Forbidden()


@transaction.atomic
def create_organisation(
    *,
    actor: User,
    code: str,
    name: str,
    short_name: str,
    level: str,
    parent: Organisation | None = None,
    division_code: str = "",
    sort_order: int = 0,
) -> Organisation:
    _require_sysadmin(actor)
    if Organisation.objects.filter(code=code).exists():
        raise Invalid({"code": f"代码“{code}”已被使用"})
    if Organisation.objects.filter(name=name).exists():
        raise Invalid({"name": f"名称“{name}”已存在"})
    org = Organisation.objects.create(
        code=code,
        name=name,
        short_name=short_name,
        level=level,
        parent=parent,
        division_code=division_code,
        sort_order=sort_order,
    )
    record(actor=actor, action="organisation.create", obj=org, organisation_id=org.pk, changes={"after": snapshot(org)})
    return org


@transaction.atomic
def create_term(
    *,
    actor: User,
    organisation: Organisation,
    number: int,
    name: str,
    start_date: Any = None,
    end_date: Any = None,
    is_current: bool = True,
) -> Term:
    _require_office(actor, organisation)
    if is_current:
        organisation.terms.filter(is_current=True).update(is_current=False)
    term = Term.objects.create(
        organisation=organisation,
        number=number,
        name=name,
        start_date=start_date,
        end_date=end_date,
        is_current=is_current,
    )
    record(
        actor=actor, action="term.create", obj=term, organisation_id=organisation.pk, changes={"after": snapshot(term)}
    )
    return term


@transaction.atomic
def create_body(
    *, actor: User, organisation: Organisation, kind: str, name: str, township: str = "", sort_order: int = 0
) -> Body:
    _require_office(actor, organisation)
    if Body.objects.filter(organisation=organisation, kind=kind, name=name).exists():
        raise Invalid({"name": f"“{name}”已存在"})
    body = Body.objects.create(
        organisation=organisation, kind=kind, name=name, township=township, sort_order=sort_order
    )
    record(
        actor=actor, action="body.create", obj=body, organisation_id=organisation.pk, changes={"after": snapshot(body)}
    )
    return body


@transaction.atomic
def create_handling_unit(
    *, actor: User, organisation: Organisation, name: str, kind: str, contact_name: str = "", contact_phone: str = ""
) -> HandlingUnit:
    _require_office(actor, organisation)
    if HandlingUnit.objects.filter(organisation=organisation, name=name).exists():
        raise Invalid({"name": f"承办单位“{name}”已存在"})
    unit = HandlingUnit.objects.create(
        organisation=organisation, name=name, kind=kind, contact_name=contact_name, contact_phone=contact_phone
    )
    record(
        actor=actor,
        action="handling_unit.create",
        obj=unit,
        organisation_id=organisation.pk,
        changes={"after": snapshot(unit)},
    )
    return unit
