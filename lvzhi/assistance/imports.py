"""Imports of the assistance action (`import_data assistance|pairings`).

- `assistance`: ledger entries. An office import of historic ledgers counts as confirmed.
  Members are named as clerks write them: names (several separated by 、) plus, where a name
  repeats in the roster, a phone, ID number or member code in 区分信息; an ambiguous or
  unknown name is a row error, never a guess. Households by 户编号 within the committee's
  counties. Large files are saved in bulk and the rollups moved by the new rows only
  (`save_confirmed_entries`); small ones go through the action row by row.
- `pairings`: 结对 of members with households, through `actions.pair`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop

from lvzhi.assistance import actions, rollups
from lvzhi.assistance.models import (
    Campaign,
    DemoSite,
    Entry,
    EntryMember,
    EntryStatus,
    Pairing,
    Source,
)
from lvzhi.assistance.validation import MemberLookup, validate_entry
from lvzhi.core.dates import DateError, parse_date
from lvzhi.core.excel import TemplateColumn
from lvzhi.core.importing import Importer, ImportReport, Outcome, register
from lvzhi.core.text import clean, clean_compact
from lvzhi.members.validation import Field

BULK_THRESHOLD = 200  # rows; above this the entries are bulk-inserted and the rollups moved in bulk

LEDGER_FIELDS: list[Field] = [
    Field("date", gettext_noop("日期"), True, ("帮扶日期", "时间"), "2018-11-20"),
    Field("persons", gettext_noop("委员姓名"), True, ("委员", "姓名", "参与委员"), "王建国、李华"),
    Field("hints", gettext_noop("区分信息"), False, ("手机号码", "委员编号", "身份证号码"), ""),
    Field("campaign", gettext_noop("助推活动"), False, ("活动", "活动名称"), "三送三帮"),
    Field("action_kind", gettext_noop("行动类别"), False, ("类别", "助推行动"), "送一次爱心"),
    Field("target", gettext_noop("帮扶对象"), False, ("对象类别",), "贫困户"),
    Field("household", gettext_noop("户编号"), False, ("贫困户编号",), "5303250010001"),
    Field("village", gettext_noop("村（社区）"), False, ("行政村", "村"), ""),
    Field("site", gettext_noop("示范点"), False, ("助推示范点",), ""),
    Field("summary", gettext_noop("帮扶事项"), True, ("事项", "内容"), "为该户送去化肥10袋"),
    Field("money", gettext_noop("捐资（元）"), False, ("捐资", "捐款（元）", "捐款"), "1000"),
    Field("goods_count", gettext_noop("捐物（件次）"), False, ("捐物",), "2"),
    Field("goods_value", gettext_noop("捐物折币（元）"), False, ("折币", "折币（元）"), "600"),
    Field("industry_households", gettext_noop("帮扶发展产业（户）"), False, ("发展产业（户）", "产业（户）"), ""),
    Field("students", gettext_noop("资助学生（名）"), False, ("资助学生",), ""),
    Field("jobs", gettext_noop("就业岗位（个）"), False, ("就业岗位", "协调就业岗位"), ""),
    Field("info_items", gettext_noop("送信息（条）"), False, ("送信息",), ""),
    Field("materials", gettext_noop("送资料读物（份）"), False, ("送科技读物", "资料（份）"), ""),
    Field("key_matters", gettext_noop("关键小事（件）"), False, ("关键小事",), ""),
    Field("note", gettext_noop("说明"), False, ("备注",), ""),
]
_LEDGER_NOTES = {
    "date": "如 2018-11-20 或 2018年11月20日，不能晚于今天；填写了助推活动的，须在活动期间内",
    "persons": "参与的委员，多人用“、”隔开；须为本政协或上级政协在任委员",
    "hints": "名单中有同名委员时填写其手机号码、身份证号码或委员编号，多人时按姓名顺序用“、”隔开，不需要的留空",
    "campaign": "本政协或上级政协已开展的助推活动名称，可不填",
    "action_kind": "所填活动的行动类别名称",
    "target": "贫困户、村（社区）、助推示范点或面上帮扶；不填默认为贫困户",
    "household": "帮扶对象为贫困户时必填，须为已建档的户编号",
    "village": "帮扶对象为村时填写，写作“乡镇名村名”或村名",
    "site": "帮扶对象为示范点时填写示范点名称",
}


class _Lookups:
    """Names in the file -> objects, built once per import."""

    def __init__(self, organisation: Any) -> None:
        from lvzhi.households.models import Household, Village

        self.members = MemberLookup(organisation)
        paths = organisation.chain_paths()
        self.campaigns: dict[str, Campaign] = {}
        for c in Campaign.objects.filter(organisation__path__in=paths).prefetch_related("action_kinds"):
            self.campaigns.setdefault(c.name, c)
            self.campaigns[c.code] = c
        county_q = Household.objects.filter(organisation__path__startswith=organisation.path)
        self.households = {h.number: h for h in county_q.select_related("organisation")}
        self.villages: dict[str, list[Any]] = {}
        for v in Village.objects.filter(organisation__path__startswith=organisation.path).select_related("township"):
            self.villages.setdefault(v.name, []).append(v)
            self.villages.setdefault(v.township.name + v.name, []).append(v)
        self.sites = {s.name: s for s in DemoSite.objects.filter(organisation__path__in=paths)}
        self.sites.update(
            {s.name: s for s in DemoSite.objects.filter(organisation__path__startswith=organisation.path)}
        )


@register
class LedgerImporter(Importer):
    kind = "assistance"
    title = "助推台账"
    fields = LEDGER_FIELDS
    template_name = "助推台账导入模板.xlsx"

    lookups: _Lookups

    def authorise(self) -> None:
        actions.require_manage(self.actor, self.organisation)
        self.lookups = _Lookups(self.organisation)
        self.pending: list[tuple[dict[str, Any], list[int]]] = []

    @classmethod
    def template_columns(cls, organisation: Any = None) -> list[TemplateColumn]:
        return [
            TemplateColumn(
                f.label, f.required, _LEDGER_NOTES.get(f.key, ""), f.example, text=f.key in ("household", "hints")
            )
            for f in cls.fields
        ]

    def validate_row(self, raw: Mapping[str, object]) -> tuple[dict[str, Any], dict[str, str]]:
        errors: dict[str, str] = {}
        resolved: dict[str, object] = dict(raw)
        number = clean_compact(raw.get("household"))
        if number:
            household = self.lookups.households.get(number)
            if household is None:
                errors["household"] = f"本政协所辖范围内没有户编号为“{number}”的贫困户"
            resolved["household"] = household
        else:
            resolved["household"] = None
        village_name = clean_compact(raw.get("village"))
        resolved["village"] = None
        if village_name:
            villages = self.lookups.villages.get(village_name, [])
            if len(villages) != 1:
                errors["village"] = (
                    f"没有名为“{village_name}”的村"
                    if not villages
                    else f"有{len(villages)}个“{village_name}”，请写成“乡镇名村名”"
                )
            else:
                resolved["village"] = villages[0]
        site_name = clean(raw.get("site"))
        resolved["site"] = self.lookups.sites.get(site_name) if site_name else None
        if site_name and resolved["site"] is None:
            errors["site"] = f"没有名为“{site_name}”的示范点"
        resolved["campaign"] = clean(raw.get("campaign"))
        resolved["action_kind"] = clean(raw.get("action_kind"))
        data, entry_errors = validate_entry(resolved, self.organisation, campaigns=self.lookups.campaigns)
        for key, message in entry_errors.items():
            errors.setdefault(key, message)
        try:
            data["persons"] = self.lookups.members.resolve_many(raw.get("persons"), raw.get("hints"))
        except ValueError as exc:
            errors["persons"] = str(exc)
        return data, errors

    def save_row(self, data: dict[str, Any]) -> Outcome:
        actions.log_entry(
            actor=self.actor,
            organisation=self.organisation,
            data=data,
            person_ids=data["persons"],
            source=Source.IMPORT,
            batch=self.batch,
        )
        return Outcome.CREATED

    @property
    def batch(self) -> str:
        return f"导入：{getattr(self, 'filename', '')}"[:60]

    def run(self, source: Any, filename: str = "", **kwargs: Any) -> ImportReport:
        self.filename = filename
        return super().run(source, filename, **kwargs)

    def _save(self, valid: list[tuple[int, dict[str, Any]]], report: ImportReport, headers: Mapping[str, str]) -> None:
        if len(valid) <= BULK_THRESHOLD:
            super()._save(valid, report, headers)
            return
        self._bulk_save(valid, report)

    def _bulk_save(self, valid: list[tuple[int, dict[str, Any]]], report: ImportReport) -> None:
        total = len(valid)
        if self.progress:
            self.progress(0, total)
        save_confirmed_entries(
            actor=self.actor,
            organisation=self.organisation,
            items=[(data, data["persons"]) for _number, data in valid],
            batch=self.batch,
            note=self.filename,
        )
        if self.progress:
            self.progress(total, total)
        report.created = total
        report.saved = True


def insert_confirmed(
    actor: Any, organisation: Any, items: list[tuple[dict[str, Any], list[int]]], batch: str, source: str
) -> list[Entry]:
    """The bulk insert of `save_confirmed_entries` alone (entries confirmed by ``actor`` now,
    with their members), without the rollups; the benchmark times it against a rebuild."""
    from django.utils import timezone

    now = timezone.now()
    entries = Entry.objects.bulk_create(
        [
            Entry(
                organisation=organisation,
                status=EntryStatus.CONFIRMED,
                source=source,
                batch=batch,
                created_by=actor,
                confirmed_by=actor,
                confirmed_at=now,
                **{k: data[k] for k in actions.ENTRY_FIELDS if k in data},
            )
            for data, _persons in items
        ],
        batch_size=2000,
    )
    EntryMember.objects.bulk_create(
        [
            EntryMember(entry=entry, person_id=p, date=entry.date, counted=True)
            for entry, (_data, persons) in zip(entries, items, strict=True)
            for p in persons
        ],
        batch_size=5000,
    )
    return entries


@transaction.atomic
def save_confirmed_entries(
    *,
    actor: Any,
    organisation: Any,
    items: list[tuple[dict[str, Any], list[int]]],
    batch: str,
    source: str = Source.IMPORT,
    note: str = "",
) -> list[Entry]:
    """Historic ledgers in bulk: entries (validated by the caller) saved as confirmed, with
    one audit record. The rollups of the committee and those above it move by the new rows
    only, in the same transaction: the touch pairs of the members and households the file
    names are read as they stand, the rows inserted, and those subjects' pairs moved from
    what they were to what they are (`rollups.Retouch`); the sums are added from the rows
    themselves (`rollups.apply_entries`). Mobilisation comes from pledges, pairings and
    needs, never from the ledger, so an import leaves it as it is."""
    from lvzhi.audit.log import record

    actions.require_manage(actor, organisation)
    members = {p for _data, persons in items for p in persons}
    households = {data["household"].pk for data, _persons in items if data.get("household") is not None}
    touches = rollups.Retouch(organisation, members=members, households=households)  # as they stand
    entries = insert_confirmed(actor, organisation, items, batch, source)
    saved = [(entry, persons) for entry, (_data, persons) in zip(entries, items, strict=True)]
    touches.add(saved)
    rollups.apply_entries(organisation, saved)
    record(
        actor=actor,
        action="assistance.entry.import",
        organisation_id=organisation.pk,
        changes={"rows": len(entries), "file": note, "batch": batch},
    )
    return entries


PAIRING_FIELDS: list[Field] = [
    Field("person", gettext_noop("委员姓名"), True, ("委员", "姓名"), "王建国"),
    Field("hint", gettext_noop("区分信息"), False, ("手机号码", "委员编号", "身份证号码"), ""),
    Field("household", gettext_noop("户编号"), True, ("贫困户编号",), "5303250010001"),
    Field("started_on", gettext_noop("结对日期"), False, ("日期",), "2018-03-01"),
    Field("note", gettext_noop("备注"), False, (), ""),
]


@register
class PairingImporter(Importer):
    kind = "pairings"
    title = "结对帮扶"
    fields = PAIRING_FIELDS
    template_name = "结对帮扶导入模板.xlsx"

    def authorise(self) -> None:
        actions.require_manage(self.actor, self.organisation, "结对帮扶")
        self.lookups = _Lookups(self.organisation)

    @classmethod
    def template_columns(cls, organisation: Any = None) -> list[TemplateColumn]:
        notes = {
            "person": "须为本政协或上级政协在任委员",
            "hint": "名单中有同名委员时填写其手机号码、身份证号码或委员编号",
            "household": "须为本政协所辖范围内已建档的户编号",
            "started_on": "不填为今天",
        }
        return [
            TemplateColumn(f.label, f.required, notes.get(f.key, ""), f.example, text=f.key in ("household", "hint"))
            for f in cls.fields
        ]

    def row_key(self, data: Mapping[str, Any]) -> str | None:
        if "person" in data and data.get("household") is not None:
            return f"{data['person']}:{data['household'].pk}"
        return None

    key_field = "household"

    def validate_row(self, raw: Mapping[str, object]) -> tuple[dict[str, Any], dict[str, str]]:
        data: dict[str, Any] = {"note": clean(raw.get("note"))[:200]}
        errors: dict[str, str] = {}
        try:
            data["person"] = self.lookups.members.resolve(raw.get("person"), raw.get("hint"))
        except ValueError as exc:
            errors["person"] = str(exc)
        number = clean_compact(raw.get("household"))
        household = self.lookups.households.get(number)
        if not number:
            errors["household"] = "请填写户编号"
        elif household is None:
            errors["household"] = f"本政协所辖范围内没有户编号为“{number}”的贫困户"
        data["household"] = household
        try:
            data["started_on"] = parse_date(raw.get("started_on"))
        except DateError as exc:
            errors["started_on"] = str(exc)
        if "person" in data and household is not None:
            if Pairing.objects.filter(person_id=data["person"], household=household, ended_on__isnull=True).exists():
                errors["household"] = "该委员已与该户结对"
        return data, errors

    def save_row(self, data: dict[str, Any]) -> Outcome:
        from lvzhi.members.models import Person

        actions.pair(
            actor=self.actor,
            organisation=data["household"].organisation,
            person=Person.objects.get(pk=data["person"]),
            household=data["household"],
            started_on=data["started_on"],
            note=data["note"],
        )
        return Outcome.CREATED
