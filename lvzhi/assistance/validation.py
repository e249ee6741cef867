"""Validation shared by the ledger form, the API and the imports: one function per kind of
input, Chinese messages by field, `MemberLookup`, which names a member from a file the way
clerks write them: a name, plus a phone, ID number or member code where names repeat, and
`PlaceLookup`, which names a village or demonstration site the same way. An ambiguous or
unknown name is an error, never a guess."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from lvzhi.assistance.models import QUANTITIES, ActionKind, Campaign, DemoSite, Target
from lvzhi.core.dates import DateError, parse_date
from lvzhi.core.identity import IdentityError, normalise_id_number, normalise_mobile
from lvzhi.core.numbers import parse_count, parse_money
from lvzhi.core.text import clean, clean_compact
from lvzhi.organisations.models import Organisation

if TYPE_CHECKING:
    from lvzhi.households.models import Village

MONEY_FIELDS = ("money", "goods_value")
COUNT_FIELDS = tuple(f for f, _label, _unit in QUANTITIES if f not in MONEY_FIELDS)
SEPARATORS = ("、", "，", ",", "；", ";", "/", " ")


def validate_quantities(raw: Mapping[str, object]) -> tuple[dict[str, Any], dict[str, str]]:
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in MONEY_FIELDS:
        try:
            data[key] = parse_money(raw.get(key))
        except ValueError as exc:
            errors[key] = str(exc)
    for key in COUNT_FIELDS:
        try:
            data[key] = parse_count(raw.get(key))
        except ValueError as exc:
            errors[key] = str(exc)
    if not errors and data["goods_value"] and not data["goods_count"]:
        errors["goods_count"] = "填写了捐物折币，请同时填写捐物件数"
    return data, errors


def validate_entry(
    raw: Mapping[str, object],
    organisation: Organisation,
    *,
    today: dt.date | None = None,
    campaigns: Mapping[str, Campaign] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """A ledger entry's own fields (not its members): date, campaign and action kind,
    target, quantities, summary and note. ``raw`` carries model instances or ids for
    campaign/action_kind/household/village/site (forms), or their names (imports: the
    caller resolves names first)."""
    today = today or timezone.localdate()
    data, errors = validate_quantities(raw)
    try:
        day = parse_date(raw.get("date"))
    except DateError as exc:
        errors["date"] = str(exc)
        day = None
    if day is None and "date" not in errors:
        errors["date"] = "请填写日期"
    elif day is not None and day > today:
        errors["date"] = "日期不能晚于今天"
    data["date"] = day
    summary = clean(raw.get("summary"))
    if not summary:
        errors["summary"] = "请填写帮扶事项，如：为张某某家送去化肥10袋"
    elif len(summary) > 200:
        errors["summary"] = "帮扶事项最多200个字"
    data["summary"] = summary
    data["note"] = clean(raw.get("note"))[:2000]

    campaign = raw.get("campaign")
    if isinstance(campaign, str) and campaigns is not None:
        campaign = campaigns.get(campaign) if campaign else None
        if raw.get("campaign") and campaign is None:
            errors["campaign"] = f"没有名为“{raw.get('campaign')}”的助推活动"
    if campaign is not None and not isinstance(campaign, Campaign):
        errors["campaign"] = "请选择助推活动"
        campaign = None
    if campaign is not None:
        from lvzhi.assistance.actions import campaign_applies_to

        if not campaign_applies_to(campaign, organisation):
            errors["campaign"] = f"“{campaign.name}”不在{organisation.short_name}开展"
            campaign = None
    data["campaign"] = campaign
    kind = raw.get("action_kind")
    if isinstance(kind, str):
        name = kind
        kind = None
        if name:
            if campaign is None:
                errors.setdefault("action_kind", "填写行动类别时请同时填写助推活动")
            else:
                kind = next((k for k in campaign.action_kinds.all() if k.name == name or k.code == name), None)
                if kind is None:
                    names = "、".join(k.name for k in campaign.action_kinds.all())
                    errors["action_kind"] = f"“{campaign.name}”没有“{name}”这一行动类别（可选：{names}）"
    if isinstance(kind, ActionKind) and (campaign is None or kind.campaign_id != campaign.pk):
        errors["action_kind"] = "行动类别不属于所选助推活动"
    data["action_kind"] = kind if isinstance(kind, ActionKind) else None
    if campaign is not None and day is not None and "date" not in errors:
        if day < campaign.start_date or (campaign.end_date and day > campaign.end_date):
            end = f"{campaign.end_date:%Y年%m月%d日}" if campaign.end_date else "今"
            errors["date"] = f"日期不在“{campaign.name}”的活动期间（{campaign.start_date:%Y年%m月%d日}至{end}）内"

    target = clean(raw.get("target")) or Target.HOUSEHOLD
    labels = {str(label): value for value, label in Target.choices}
    target = labels.get(target, target)
    if target not in Target.values:
        errors["target"] = "帮扶对象应为：" + "、".join(labels)
    data["target"] = target
    data["household"] = raw.get("household") if target == Target.HOUSEHOLD else None
    data["village"] = raw.get("village") if target == Target.VILLAGE else None
    data["site"] = raw.get("site") if target == Target.SITE else None
    if target == Target.HOUSEHOLD and data["household"] is None and "household" not in errors:
        errors["household"] = "帮扶对象为贫困户时，请填写户编号"
    if target == Target.VILLAGE and data["village"] is None:
        errors["village"] = "帮扶对象为村（社区）时，请选择村"
    if target == Target.SITE and data["site"] is None:
        errors["site"] = "帮扶对象为示范点时，请选择示范点"
    household = data["household"]
    if household is not None and not household.organisation.path.startswith(organisation.path):
        if not organisation.path.startswith(household.organisation.path):
            errors["household"] = "该贫困户不在本政协所辖范围内"
    site = data["site"]
    if isinstance(site, DemoSite) and not (
        site.organisation_id == organisation.pk or site.partners.filter(pk=organisation.pk).exists()
    ):
        errors["site"] = "该示范点不属于本政协"
    return data, errors


class PlaceLookup:
    """The villages (村/社区) and demonstration sites (示范点) a ledger entry of a committee
    may name, as the ledger form offers them: the villages of the committee and of those
    below it, the sites it runs or co-runs. A village is named by its id or its name, written
    “乡镇名村名” (or with the township apart) where two townships have one of that name, as in
    the import; a site by its id or name. Anything else is ValueError with the reason in
    Chinese, the same for a place of another county as for one that does not exist."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation

    def villages(self) -> QuerySet[Village]:
        """The villages of the committee and of those below it."""
        from lvzhi.households.models import Village

        return Village.objects.filter(organisation__path__startswith=self.organisation.path).select_related("township")

    def sites(self) -> QuerySet[DemoSite]:
        """The sites the committee runs or co-runs."""
        org = self.organisation
        return DemoSite.objects.filter(Q(organisation=org) | Q(partners=org)).distinct()

    @staticmethod
    def _id(value: object) -> int | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        text = clean_compact(value)
        return int(text) if text.isdigit() else None

    def village(self, value: object, township: object = None) -> Village:
        org = self.organisation
        villages = self.villages()
        pk = self._id(value)
        if pk is not None:
            found = villages.filter(pk=pk).first()
            if found is None:
                raise ValueError(f"{org.short_name}所辖范围内没有ID为{pk}的村（社区）")
            return found
        name, township_name = clean_compact(value), clean_compact(township)
        if not name:
            raise ValueError("请填写村（社区）")
        # “城关镇红旗村”: the village's name is a tail of the text, its township the rest.
        tails = [name[i:] for i in range(len(name))]
        candidates = [
            v
            for v in villages.filter(name__in=tails)
            if (v.name == name or v.township.name + v.name == name)
            and (not township_name or v.township.name == township_name)
        ]
        written = f"{township_name}{name}" if township_name and not name.startswith(township_name) else name
        if not candidates:
            raise ValueError(f"{org.short_name}所辖范围内没有名为“{written}”的村（社区）")
        if len(candidates) > 1:
            raise ValueError(f"有{len(candidates)}个“{name}”，请写成“乡镇名村名”或同时填写乡镇")
        return candidates[0]

    def site(self, value: object) -> DemoSite:
        org = self.organisation
        sites = self.sites()
        pk = self._id(value)
        if pk is not None:
            found = sites.filter(pk=pk).first()
            if found is None:
                raise ValueError(f"{org.short_name}没有ID为{pk}的助推示范点")
            return found
        name = clean(value)
        if not name:
            raise ValueError("请填写助推示范点")
        named = list(sites.filter(name=name)[:2])
        if not named:
            raise ValueError(f"{org.short_name}没有名为“{name}”的助推示范点")
        if len(named) > 1:
            raise ValueError(f"有多个名为“{name}”的助推示范点，请填写示范点ID")
        return named[0]


class MemberLookup:
    """Members of a committee's files: its own seats, those of its subtree and of the
    committees above it (a city member may help in a county)."""

    def __init__(self, organisation: Organisation) -> None:
        from lvzhi.members.models import Membership

        seats = Membership.objects.filter(organisation.reach(), is_active=True)
        self.by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
        seen: set[int] = set()
        for row in seats.values(
            "person_id", "person__name", "person__mobile", "person__id_number", "code", "organisation__short_name"
        ).order_by("person_id"):
            if row["person_id"] in seen:
                for entry in self.by_name[row["person__name"]]:
                    if entry["person_id"] == row["person_id"] and row["code"]:
                        entry["codes"].add(row["code"])
                continue
            seen.add(row["person_id"])
            self.by_name[row["person__name"]].append(
                {
                    "person_id": row["person_id"],
                    "mobile": row["person__mobile"],
                    "id_number": row["person__id_number"],
                    "codes": {row["code"]} if row["code"] else set(),
                }
            )

    def resolve(self, name: object, hint: object = None) -> int:
        """The person id, or ValueError with the reason in Chinese."""
        text = clean_compact(name)
        if not text:
            raise ValueError("请填写委员姓名")
        candidates = self.by_name.get(text, [])
        if not candidates:
            raise ValueError(f"本政协及上级政协委员名单中没有“{text}”")
        hint_text = clean_compact(hint)
        if hint_text:
            matches = [c for c in candidates if self._matches(c, hint_text)]
            if not matches:
                raise ValueError(f"“{text}”的手机号码、身份证号码或委员编号与名单不符")
            candidates = matches
        if len(candidates) > 1:
            raise ValueError(f"名单中有{len(candidates)}名“{text}”，请同时填写其手机号码、身份证号码或委员编号以区分")
        return int(candidates[0]["person_id"])

    @staticmethod
    def _matches(candidate: Mapping[str, Any], hint: str) -> bool:
        if hint in candidate["codes"]:
            return True
        try:
            if normalise_mobile(hint) == candidate["mobile"]:
                return True
        except (IdentityError, ValueError):
            pass
        try:
            return normalise_id_number(hint) == candidate["id_number"]
        except (IdentityError, ValueError):
            return False

    def resolve_many(self, names: object, hints: object = None) -> list[int]:
        """'张三、李四' with hints '138…、' (in the same order, blank where not needed)."""
        text = clean(names)
        for sep in SEPARATORS[1:]:
            text = text.replace(sep, SEPARATORS[0])
        parts = [p for p in text.split(SEPARATORS[0]) if p]
        hint_text = clean(hints)
        for sep in SEPARATORS[1:-1]:
            hint_text = hint_text.replace(sep, SEPARATORS[0])
        hint_parts = hint_text.split(SEPARATORS[0]) if hint_text else []
        if hint_parts and len(hint_parts) != len(parts):
            raise ValueError("区分信息的个数应与委员姓名的个数相同（不需要区分的留空，用“、”隔开）")
        ids: list[int] = []
        for index, name in enumerate(parts):
            person = self.resolve(name, hint_parts[index] if hint_parts else None)
            if person in ids:
                raise ValueError(f"“{name}”重复填写")
            ids.append(person)
        if not ids:
            raise ValueError("请填写委员姓名")
        return ids
