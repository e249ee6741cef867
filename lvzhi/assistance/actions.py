"""Every write of the assistance action: campaigns, pledges, pairings and the ledger. Pages,
API, imports, `seed_demo` and the symposium form call these; each checks scope (404 out of
sight, 403 in sight but not the actor's to change), validates, keeps the rollups true in the
same transaction, audits, and notifies on commit.

Ledger rules: a member logs their own entry (待确认), the office confirms or returns it;
only confirmed entries count. Entries the office records itself, a symposium's pledges
and historic imports are confirmed at once."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from lvzhi.accounts import scoping
from lvzhi.accounts.models import Role
from lvzhi.accounts.scoping import organisation_ids_in_scope
from lvzhi.assistance import rollups
from lvzhi.assistance.models import (
    ActionKind,
    Campaign,
    Entry,
    EntryMember,
    EntryPhoto,
    EntryStatus,
    Pairing,
    Pledge,
    Showcase,
    Source,
)
from lvzhi.assistance.templates_data import TEMPLATES
from lvzhi.audit.log import record, snapshot
from lvzhi.core.errors import ActionError, Conflict, Invalid, NotFound
from lvzhi.notifications.services import notify
from lvzhi.organisations.models import Organisation

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from lvzhi.accounts.models import User
    from lvzhi.households.models import Household
    from lvzhi.members.models import Person

ENTRY_FIELDS = (
    "date",
    "campaign",
    "action_kind",
    "target",
    "household",
    "village",
    "site",
    "summary",
    "money",
    "goods_count",
    "goods_value",
    "industry_households",
    "students",
    "jobs",
    "info_items",
    "materials",
    "key_matters",
    "note",
)
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
PHOTO_MAX_BYTES = 8 * 1024 * 1024


def require_manage(actor: User, organisation: Organisation, what: str = "助推台账") -> None:
    scoping.require_manage(actor, organisation.pk, f"只有本级政协机关工作人员可以维护{what}")


def seated_in(person_id: int, organisation: Organisation) -> bool:
    """A seat in the committee, in its subtree, or in a committee above it."""
    from lvzhi.members.models import Membership

    return Membership.objects.filter(organisation.reach(), person_id=person_id, is_active=True).exists()


# -- campaigns and pledges --------------------------------------------------------------------


@transaction.atomic
def create_campaign(
    *,
    actor: User,
    organisation: Organisation,
    template: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    code: str = "",
    name: str = "",
    targets: Iterable[Organisation] = (),
) -> Campaign:
    require_manage(actor, organisation, "助推活动")
    spec = TEMPLATES.get(template)
    if spec is None:
        raise Invalid({"template": "请选择活动模板"})
    if end_date is None and spec.get("days"):
        end_date = start_date + dt.timedelta(days=int(spec["days"]) - 1)
    if end_date is not None and end_date < start_date:
        raise Invalid({"end_date": "结束日期不能早于开始日期"})
    code = code or f"{organisation.code}-{template}-{start_date:%Y%m%d}"
    if Campaign.objects.filter(code=code).exists():
        raise Invalid({"code": f"活动代码“{code}”已被使用"})
    campaign = Campaign.objects.create(
        organisation=organisation,
        code=code,
        name=name or str(spec["name"]),
        template=template,
        theme=str(spec.get("theme", "")),
        description=str(spec.get("description", "")),
        start_date=start_date,
        end_date=end_date,
    )
    target_list = list(targets)
    for target in target_list:
        if not target.path.startswith(organisation.path):
            raise Invalid({"targets": f"“{target.name}”不是本政协的下级政协"})
    campaign.targets.set(target_list)
    ActionKind.objects.bulk_create(
        ActionKind(campaign=campaign, code=c, name=n, measure=m, need_kind=k, sort_order=i)
        for i, (c, n, m, k) in enumerate(spec["kinds"])
    )
    record(actor=actor, action="assistance.campaign.create", obj=campaign, organisation_id=organisation.pk)
    return campaign


def campaign_applies_to(campaign: Campaign, organisation: Organisation) -> bool:
    """Does the campaign run in the committee (launched there or above it, and targeting it)?"""
    if not organisation.path.startswith(campaign.organisation.path):
        return False
    targets = list(campaign.targets.all())
    return not targets or any(organisation.path.startswith(t.path) for t in targets)


@transaction.atomic
def pledge(
    *,
    actor: User,
    campaign: Campaign,
    person: Person,
    organisation: Organisation,
    action_kind: ActionKind | None = None,
    pledged_on: dt.date | None = None,
    capacity: int = 1,
    money: Any = 0,
    households: int = 0,
    note: str = "",
    source: str = Source.MEMBER,
) -> Pledge:
    """认领: a member for themself, or the office for a member (at a symposium)."""
    own = actor.role == Role.MEMBER and actor.person_id == person.pk
    if not own:
        require_manage(actor, organisation, "认领")
    elif organisation.pk not in organisation_ids_in_scope(actor):
        raise NotFound()
    if not campaign_applies_to(campaign, organisation):
        raise Invalid({"campaign": f"“{campaign.name}”不在{organisation.short_name}开展"})
    if not seated_in(person.pk, organisation):
        raise Invalid({"person": f"{person.name}不是{organisation.short_name}或其上级政协的委员"})
    if action_kind is not None and action_kind.campaign_id != campaign.pk:
        raise Invalid({"action_kind": "行动类别不属于该活动"})
    if capacity < 1 or capacity > 50:
        raise Invalid({"capacity": "可帮扶户数应在1至50之间"})
    if households < 0 or households > 10000:
        raise Invalid({"households": "帮扶户数应为0至10000之间的整数"})
    from lvzhi.assistance.validation import parse_money

    try:
        amount = parse_money(money)
    except ValueError as exc:
        raise Invalid({"money": str(exc)}) from None
    item = Pledge.objects.create(
        campaign=campaign,
        action_kind=action_kind,
        organisation=organisation,
        person=person,
        pledged_on=pledged_on or timezone.localdate(),
        capacity=capacity,
        money=amount,
        households=households,
        note=note[:200],
        source=source,
        created_by=actor,
    )
    rollups.refresh_mobilisation(person.pk)
    record(actor=actor, action="assistance.pledge", obj=item, organisation_id=organisation.pk)
    return item


@transaction.atomic
def withdraw_pledge(*, actor: User, item: Pledge) -> None:
    own = actor.role == Role.MEMBER and actor.person_id == item.person_id
    if not own:
        require_manage(actor, item.organisation, "认领")
    person_id = item.person_id
    record(actor=actor, action="assistance.pledge.withdraw", obj=item, organisation_id=item.organisation_id)
    item.delete()
    rollups.refresh_mobilisation(person_id)


# -- pairings -------------------------------------------------------------------------------


@transaction.atomic
def pair(
    *,
    actor: User,
    organisation: Organisation,
    person: Person,
    household: Household,
    started_on: dt.date | None = None,
    note: str = "",
) -> Pairing:
    """结对: by the office of the household's county (or the city above it)."""
    require_manage(actor, organisation, "结对帮扶")
    if not household.organisation.path.startswith(organisation.path):
        raise NotFound()
    if not seated_in(person.pk, household.organisation):
        raise Invalid({"person": f"{person.name}不是{household.organisation.short_name}或其上级政协的委员"})
    if Pairing.objects.filter(person=person, household=household, ended_on__isnull=True).exists():
        raise Invalid({"person": f"{person.name}已与该户结对"})
    item = Pairing.objects.create(
        organisation=household.organisation,
        person=person,
        household=household,
        started_on=started_on or timezone.localdate(),
        note=note[:200],
        created_by=actor,
    )
    rollups.refresh_mobilisation(person.pk)
    record(actor=actor, action="assistance.pair", obj=item, organisation_id=household.organisation_id)
    return item


@transaction.atomic
def end_pairing(*, actor: User, item: Pairing, ended_on: dt.date | None = None) -> Pairing:
    require_manage(actor, item.organisation, "结对帮扶")
    if item.ended_on is not None:
        raise Invalid({"ended_on": "该结对已结束"})
    ended_on = ended_on or timezone.localdate()
    if ended_on < item.started_on:
        raise Invalid({"ended_on": "结束日期不能早于结对日期"})
    item.ended_on = ended_on
    item.save(update_fields=["ended_on"])
    record(actor=actor, action="assistance.pair.end", obj=item, organisation_id=item.organisation_id)
    return item


# -- the ledger -----------------------------------------------------------------------------


def _office_users(organisation: Organisation) -> list[User]:
    from lvzhi.accounts.models import User

    return list(User.objects.filter(role=Role.OFFICE, organisation=organisation, is_active=True))


def _member_users(person_ids: Iterable[int]) -> list[User]:
    from lvzhi.accounts.models import User

    return list(User.objects.filter(role=Role.MEMBER, person_id__in=list(person_ids), is_active=True))


def _check_persons(organisation: Organisation, person_ids: Sequence[int]) -> None:
    if not person_ids:
        raise Invalid({"persons": "请至少选择一名委员"})
    if len(set(person_ids)) != len(person_ids):
        raise Invalid({"persons": "委员重复填写"})
    for person_id in person_ids:
        if not seated_in(person_id, organisation):
            raise Invalid({"persons": "所选委员不是本政协或其上级政协的委员"})


def _check_photos(photos: Sequence[UploadedFile]) -> None:
    if len(photos) > 9:
        raise Invalid({"photos": "每条台账最多上传9张照片"})
    for photo in photos:
        if (photo.content_type or "") not in PHOTO_TYPES:
            raise Invalid({"photos": f"“{photo.name}”不是 JPG、PNG 或 WebP 图片"})
        if (photo.size or 0) > PHOTO_MAX_BYTES:
            raise Invalid({"photos": f"“{photo.name}”超过8MB，请压缩后上传"})


def _save_members(entry: Entry, person_ids: Sequence[int]) -> None:
    EntryMember.objects.filter(entry=entry).delete()
    EntryMember.objects.bulk_create(
        EntryMember(entry=entry, person_id=p, date=entry.date, counted=entry.counted) for p in person_ids
    )


@transaction.atomic
def log_entry(
    *,
    actor: User,
    organisation: Organisation,
    data: dict[str, Any],
    person_ids: Sequence[int],
    photos: Sequence[UploadedFile] = (),
    source: str | None = None,
    batch: str = "",
) -> Entry:
    """A member logs their own entry (pending), or the office records one (confirmed).
    ``data`` is the output of `validate_entry` (the caller shows its errors)."""
    if actor.role == Role.MEMBER:
        if organisation.pk not in organisation_ids_in_scope(actor) or not actor.person_id:
            raise NotFound()
        if actor.person_id not in person_ids:
            raise Invalid({"persons": "委员填报的台账须包含本人"})
        status, source = EntryStatus.PENDING, Source.MEMBER
    else:
        require_manage(actor, organisation)
        status, source = EntryStatus.CONFIRMED, source or Source.OFFICE
    _check_persons(organisation, person_ids)
    _check_photos(photos)
    now = timezone.now()
    entry = Entry.objects.create(
        organisation=organisation,
        status=status,
        source=source,
        batch=batch,
        created_by=actor,
        confirmed_by=actor if status == EntryStatus.CONFIRMED else None,
        confirmed_at=now if status == EntryStatus.CONFIRMED else None,
        **{k: data[k] for k in ENTRY_FIELDS if k in data},
    )
    _save_members(entry, person_ids)
    for photo in photos:
        EntryPhoto.objects.create(entry=entry, image=photo)
    if entry.counted:
        rollups.apply_entry(entry, +1)
    record(actor=actor, action="assistance.entry.create", obj=entry, organisation_id=organisation.pk)
    if status == EntryStatus.PENDING:
        url = reverse("assistance:entry", args=[entry.pk])
        notify(_office_users(organisation), f"{actor.person or actor}填报了助推台账，待确认", entry.summary, url)
    return entry


def _locked(entry: Entry, version: int) -> Entry:
    fresh = Entry.objects.select_for_update(of=("self",)).select_related("organisation", "household").get(pk=entry.pk)
    if fresh.version != version:
        raise Conflict("这条台账已被他人修改，请刷新后再操作")
    return fresh


@transaction.atomic
def confirm_entry(*, actor: User, entry: Entry, version: int) -> Entry:
    require_manage(actor, entry.organisation)
    entry = _locked(entry, version)
    if entry.status != EntryStatus.PENDING:
        raise ActionError(f"这条台账当前为“{entry.get_status_display()}”，不能确认")
    entry.status = EntryStatus.CONFIRMED
    entry.confirmed_by = actor
    entry.confirmed_at = timezone.now()
    entry.reject_reason = ""
    entry.version = F("version") + 1
    entry.save(update_fields=["status", "confirmed_by", "confirmed_at", "reject_reason", "version"])
    entry.refresh_from_db()
    EntryMember.objects.filter(entry=entry).update(counted=True)
    rollups.apply_entry(entry, +1)
    record(actor=actor, action="assistance.entry.confirm", obj=entry, organisation_id=entry.organisation_id)
    persons = EntryMember.objects.filter(entry=entry).values_list("person_id", flat=True)
    notify(
        _member_users(persons), "您填报的助推台账已确认", entry.summary, reverse("assistance:entry", args=[entry.pk])
    )
    return entry


@transaction.atomic
def confirm_entries(*, actor: User, entries: Iterable[tuple[Entry, int]]) -> int:
    """Confirm several pending entries at once (the office's batch button): each with the
    version the clerk saw; one stale or already handled entry confirms none."""
    done = 0
    for entry, version in entries:
        confirm_entry(actor=actor, entry=entry, version=version)
        done += 1
    return done


@transaction.atomic
def reject_entry(*, actor: User, entry: Entry, version: int, reason: str) -> Entry:
    require_manage(actor, entry.organisation)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": "请填写退回原因"})
    entry = _locked(entry, version)
    if entry.status != EntryStatus.PENDING:
        raise ActionError(f"这条台账当前为“{entry.get_status_display()}”，不能退回")
    entry.status = EntryStatus.REJECTED
    entry.reject_reason = reason[:200]
    entry.version = F("version") + 1
    entry.save(update_fields=["status", "reject_reason", "version"])
    entry.refresh_from_db()
    record(actor=actor, action="assistance.entry.reject", obj=entry, organisation_id=entry.organisation_id)
    persons = EntryMember.objects.filter(entry=entry).values_list("person_id", flat=True)
    notify(_member_users(persons), "您填报的助推台账被退回", reason, reverse("assistance:entry", args=[entry.pk]))
    return entry


def _may_edit(actor: User, entry: Entry) -> None:
    if actor.role == Role.MEMBER:
        if not actor.person_id or not EntryMember.objects.filter(entry=entry, person_id=actor.person_id).exists():
            raise NotFound()
        if entry.status == EntryStatus.CONFIRMED:
            raise ActionError("已确认的台账不能由委员修改，如需更正请联系政协机关")
        return
    require_manage(actor, entry.organisation)


@transaction.atomic
def update_entry(*, actor: User, entry: Entry, data: dict[str, Any], person_ids: Sequence[int], version: int) -> Entry:
    """Edit an entry. A member's edit of a returned entry sends it back for confirmation; an
    office edit of a confirmed entry moves its figures (taken out, then added again)."""
    _may_edit(actor, entry)
    entry = _locked(entry, version)
    if actor.role == Role.MEMBER and actor.person_id not in person_ids:
        raise Invalid({"persons": "委员填报的台账须包含本人"})
    _check_persons(entry.organisation, person_ids)
    before = snapshot(entry)
    if entry.counted:
        rollups.apply_entry(entry, -1)
    for key in ENTRY_FIELDS:
        if key in data:
            setattr(entry, key, data[key])
    if actor.role == Role.MEMBER:
        entry.status = EntryStatus.PENDING
    entry.version += 1
    entry.save()
    _save_members(entry, person_ids)
    if entry.counted:
        entry.refresh_from_db()
        rollups.apply_entry(entry, +1)
    from lvzhi.audit.log import diff

    record(
        actor=actor,
        action="assistance.entry.update",
        obj=entry,
        organisation_id=entry.organisation_id,
        changes=diff(before, snapshot(entry)),
    )
    return entry


@transaction.atomic
def delete_entry(*, actor: User, entry: Entry, version: int) -> None:
    _may_edit(actor, entry)
    entry = _locked(entry, version)
    if entry.counted:
        rollups.apply_entry(entry, -1)
    record(actor=actor, action="assistance.entry.delete", obj=entry, organisation_id=entry.organisation_id)
    entry.delete()


@transaction.atomic
def record_symposium(
    *,
    actor: User,
    organisation: Organisation,
    campaign: Campaign,
    date: dt.date,
    title: str,
    rows: Sequence[tuple[dict[str, Any], Sequence[int]]],
) -> list[Entry]:
    """A symposium (座谈会) in one sitting: each row is (validated entry data, members); all are
    confirmed at once and share a batch name, or none is saved."""
    require_manage(actor, organisation)
    if not rows:
        raise Invalid({"rows": "请至少填写一行"})
    batch = f"座谈会：{title}"[:60]
    entries = []
    for index, (data, persons) in enumerate(rows, start=1):
        try:
            entries.append(
                log_entry(
                    actor=actor,
                    organisation=organisation,
                    data={**data, "campaign": campaign, "date": date},
                    person_ids=persons,
                    source=Source.SYMPOSIUM,
                    batch=batch,
                )
            )
        except Invalid as exc:
            raise Invalid({f"{index}.{k}": v for k, v in exc.errors.items()}, f"第{index}行：{exc}") from None
    return entries


# -- the weekly showcase --------------------------------------------------------------------


@transaction.atomic
def pick_showcase(*, actor: User, organisation: Organisation, week: dt.date, person: Person, story: str) -> Showcase:
    require_manage(actor, organisation, "助推典型")
    if not seated_in(person.pk, organisation):
        raise Invalid({"person": f"{person.name}不是本政协委员"})
    monday = week - dt.timedelta(days=week.weekday())
    item, _created = Showcase.objects.update_or_create(
        organisation=organisation, week=monday, defaults={"person": person, "story": story[:2000], "created_by": actor}
    )
    record(actor=actor, action="assistance.showcase", obj=item, organisation_id=organisation.pk)
    return item


def showcase_stamp(item: Showcase) -> str:
    """What the clerk saw when the form was drawn. The model has no `version` column, so an
    edit or delete carries this stamp instead and is refused if the pick changed meanwhile."""
    seen = f"{item.week:%Y-%m-%d}|{item.person_id}|{item.story}"
    return hashlib.sha256(seen.encode()).hexdigest()[:16]


def _locked_showcase(item: Showcase, seen: str | None) -> Showcase:
    row = Showcase.objects.select_for_update().filter(pk=item.pk).first()
    if row is None:
        raise Conflict("该助推典型已被他人删除，请刷新页面")
    if seen is not None and showcase_stamp(row) != seen:
        raise Conflict("该助推典型已被他人修改，请刷新页面后重试")
    return row


@transaction.atomic
def edit_showcase(
    *, actor: User, item: Showcase, week: dt.date, person: Person, story: str, seen: str | None = None
) -> Showcase:
    """修改 a pick: another week (one pick per committee and week), member or story."""
    from lvzhi.audit.log import diff

    require_manage(actor, item.organisation, "助推典型")
    row = _locked_showcase(item, seen)
    if not seated_in(person.pk, item.organisation):
        raise Invalid({"person": f"{person.name}不是本政协委员"})
    story = (story or "").strip()
    if not story:
        raise Invalid({"story": "请填写事迹"})
    if len(story) > 2000:
        raise Invalid({"story": "事迹不能超过2000字"})
    monday = week - dt.timedelta(days=week.weekday())
    taken = Showcase.objects.filter(organisation_id=row.organisation_id, week=monday).exclude(pk=row.pk)
    if taken.exists():
        raise Invalid({"week": f"{monday:%Y年%m月%d日}这一周已选定助推典型，请改那一条或先删除它"})
    before = snapshot(row)
    row.week, row.person, row.story = monday, person, story
    row.save(update_fields=["week", "person", "story"])
    record(
        actor=actor,
        action="assistance.showcase.update",
        obj=row,
        organisation_id=row.organisation_id,
        changes=diff(before, snapshot(row)),
    )
    return row


@transaction.atomic
def delete_showcase(*, actor: User, item: Showcase, seen: str | None = None) -> None:
    """删除 a pick; the log keeps what it was."""
    require_manage(actor, item.organisation, "助推典型")
    row = _locked_showcase(item, seen)
    record(
        actor=actor,
        action="assistance.showcase.delete",
        obj=row,
        organisation_id=row.organisation_id,
        changes={"before": snapshot(row)},
    )
    row.delete()
