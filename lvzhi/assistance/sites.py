"""Demonstration sites (助推示范点) and their projects (爱心超市, 扶贫工厂, 爱心书屋…): the
reads every page uses (`visible_sites`, `site_support`) and the two writes (`create_site`,
`save_project`), in the style of `actions.py`: scope checked (404 out of sight, 403 in sight
but not the actor's to change), input validated with Chinese messages, audited, atomic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum

from lvzhi.accounts.models import Role
from lvzhi.accounts.scoping import organisation_ids_in_scope
from lvzhi.assistance.actions import require_manage
from lvzhi.assistance.models import DemoSite, Entry, EntryMember, EntryStatus, ProjectKind, SiteProject, Target
from lvzhi.assistance.validation import parse_money
from lvzhi.audit.log import diff, record, snapshot
from lvzhi.core.errors import Invalid, NotFound
from lvzhi.core.text import clean
from lvzhi.organisations.models import Organisation

if TYPE_CHECKING:
    from lvzhi.accounts.models import User
    from lvzhi.households.models import Village


# -- reads ----------------------------------------------------------------------------------


def visible_sites(user: User) -> QuerySet[DemoSite]:
    """Office clerks and leaders: the sites led by, or run jointly with, a committee in scope."""
    if user.role not in (Role.OFFICE, Role.LEADER):
        return DemoSite.objects.none()
    ids = organisation_ids_in_scope(user)
    return DemoSite.objects.filter(Q(organisation_id__in=ids) | Q(partners__in=ids)).distinct()


def site_support(site_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The members and money behind each site: confirmed entries with the site as target
    (money summed, members counted once). Two grouped queries for any number of sites."""
    ids = list(site_ids)
    support: dict[int, dict[str, Any]] = {pk: {"money": 0, "entries": 0, "members": 0} for pk in ids}
    entries = (
        Entry.objects.filter(site_id__in=ids, target=Target.SITE, status=EntryStatus.CONFIRMED)
        .values("site_id")
        .annotate(money=Sum("money"), n=Count("pk"))
    )
    for row in entries:
        support[row["site_id"]].update(money=row["money"] or 0, entries=row["n"])
    members = (
        EntryMember.objects.filter(entry__site_id__in=ids, entry__target=Target.SITE, counted=True)
        .values("entry__site_id")
        .annotate(n=Count("person_id", distinct=True))
    )
    for row in members:
        support[row["entry__site_id"]]["members"] = row["n"]
    return support


# -- writes ---------------------------------------------------------------------------------


def _related(a: Organisation, b: Organisation) -> bool:
    """Partners are committees above or below the lead one (市县两级联动)."""
    return a.pk != b.pk and (a.path.startswith(b.path) or b.path.startswith(a.path))


@transaction.atomic
def create_site(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    started_on: dt.date | None,
    village: Village | None = None,
    partners: Iterable[Organisation] = (),
    description: str = "",
) -> DemoSite:
    """设立助推示范点: by the office of the lead committee (or of the committee above it)."""
    require_manage(actor, organisation, "助推示范点")
    errors: dict[str, str] = {}
    name = clean(name)
    if not name:
        errors["name"] = "请填写示范点名称"
    elif len(name) > 100:
        errors["name"] = "示范点名称不能超过100字"
    elif DemoSite.objects.filter(organisation=organisation, name=name).exists():
        errors["name"] = f"{organisation.short_name}已有名为“{name}”的示范点"
    if started_on is None:
        errors["started_on"] = "请填写设立日期"
    if village is not None and not village.organisation.path.startswith(organisation.path):
        errors["village"] = f"所选村（社区）不在{organisation.short_name}"
    partner_list = list(partners)
    for partner in partner_list:
        if not _related(partner, organisation):
            errors["partners"] = f"“{partner.name}”不是{organisation.short_name}的上级或下级政协"
    if errors or started_on is None:
        raise Invalid(errors)
    site = DemoSite.objects.create(
        organisation=organisation,
        name=name,
        village=village,
        description=description.strip(),
        started_on=started_on,
    )
    site.partners.set(partner_list)
    record(actor=actor, action="assistance.site.create", obj=site, organisation_id=organisation.pk)
    return site


def _progress(value: object) -> int:
    text = clean(value).removesuffix("%").removesuffix("％")
    if not text.isdigit() or not 0 <= int(text) <= 100:
        raise ValueError("进度应为0至100之间的整数")
    return int(text)


@transaction.atomic
def save_project(
    *,
    actor: User,
    site: DemoSite,
    data: dict[str, Any],
    project: SiteProject | None = None,
) -> SiteProject:
    """Add a project to a site, or update one (its kind, name, budget, progress, note).
    ``data`` holds the raw form values; nothing is saved unless every one is valid."""
    require_manage(actor, site.organisation, "示范点项目")
    if project is not None and project.site_id != site.pk:
        raise NotFound()
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    kind = clean(data.get("kind"))
    if kind not in ProjectKind.values:
        errors["kind"] = "请选择项目类别：" + "、".join(str(label) for label in ProjectKind.labels)
    values["kind"] = kind
    values["name"] = clean(data.get("name"))
    if not values["name"]:
        errors["name"] = "请填写项目名称"
    elif len(values["name"]) > 100:
        errors["name"] = "项目名称不能超过100字"
    for key, parse in (("budget", parse_money), ("progress", _progress)):
        try:
            values[key] = parse(data.get(key))
        except ValueError as exc:
            errors[key] = str(exc)
    values["note"] = clean(data.get("note"))
    if len(values["note"]) > 300:
        errors["note"] = "进展情况不能超过300字"
    if errors:
        raise Invalid(errors)
    if project is None:
        project = SiteProject.objects.create(site=site, **values)
        record(actor=actor, action="assistance.site.project.create", obj=project, organisation_id=site.organisation_id)
        return project
    before = snapshot(project, mask=False)
    for key, value in values.items():
        setattr(project, key, value)
    project.save(update_fields=[*values, "updated_at"])
    record(
        actor=actor,
        action="assistance.site.project.update",
        obj=project,
        organisation_id=site.organisation_id,
        changes=diff(before, snapshot(project, mask=False)),
    )
    return project


def partner_choices(user: User) -> QuerySet[Organisation]:
    """Committees a clerk may name as partners: those in scope and those above his own."""
    paths = user.organisation.chain_paths() if user.organisation else []
    return Organisation.objects.filter(Q(pk__in=organisation_ids_in_scope(user)) | Q(path__in=paths)).order_by("path")
