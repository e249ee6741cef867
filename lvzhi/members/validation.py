"""One validator for member data, shared by the form, the API and the Excel import, so the
three accept and refuse exactly the same input with the same Chinese messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lvzhi.core.identity import IdentityError, birth_date_from_id, gender_from_id, normalise_id_number, normalise_mobile
from lvzhi.core.text import clean, to_simplified
from lvzhi.members.models import Gender, MemberRole, Party
from lvzhi.organisations.models import Body, BodyKind, Organisation


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # plain Chinese: also matched against Excel column headers; display with gettext(label)
    required: bool = False
    aliases: tuple[str, ...] = ()
    example: str = ""


# Column order of the import template and the export. Labels are marked for translation with
# gettext_noop only: they stay Chinese here (Excel headers) and are translated where displayed.
FIELDS: list[Field] = [
    Field("name", gettext_noop("姓名"), True, ("委员姓名",), "王建国"),
    Field("id_number", gettext_noop("身份证号码"), True, ("身份证号", "公民身份号码", "身份证"), "11010519491231002X"),
    Field("gender", gettext_noop("性别"), False, (), "男"),
    Field("ethnicity", gettext_noop("民族"), False, (), "汉族"),
    Field("party", gettext_noop("政治面貌"), False, ("党派",), "民盟"),
    Field("mobile", gettext_noop("手机号码"), False, ("手机", "联系电话", "手机号"), "13812341234"),
    Field("education", gettext_noop("学历"), False, ("文化程度",), "大学本科"),
    Field("employer", gettext_noop("工作单位"), False, ("单位",), "示例市第一中学"),
    Field("job_title", gettext_noop("职务职称"), False, ("职务（职称）", "职称"), "校长、高级教师"),
    Field("expertise", gettext_noop("专长"), False, ("特长",), "基础教育"),
    Field("code", gettext_noop("委员编号"), False, ("编号",), "0001"),
    Field("role", gettext_noop("政协职务"), False, ("职务类别", "委员职务"), "委员"),
    Field("sector", gettext_noop("界别"), False, (), "教育界"),
    Field("working_group", gettext_noop("工作组"), False, (), "第一工作组"),
    Field("special_committee", gettext_noop("专门委员会"), False, ("专委会",), ""),
]
FIELD_BY_KEY = {f.key: f for f in FIELDS}
MAX_LENGTH = {
    "name": 30,
    "ethnicity": 20,
    "education": 20,
    "employer": 100,
    "job_title": 100,
    "expertise": 200,
    "code": 20,
}

_PARTY_ALIASES = {
    "中国共产党": Party.CPC,
    "中共": Party.CPC,
    "共产党员": Party.CPC,
    "党员": Party.CPC,
    "中国国民党革命委员会": Party.RCCK,
    "中国民主同盟": Party.CDL,
    "中国民主建国会": Party.CNDCA,
    "中国民主促进会": Party.CAPD,
    "中国农工民主党": Party.CPWDP,
    "农工民主党": Party.CPWDP,
    "中国致公党": Party.CZGP,
    "台湾民主自治同盟": Party.TDSGL,
    "无党派": Party.NONPARTY,
    "无党派人士": Party.NONPARTY,
    "无": Party.NONPARTY,
}


_SOURCE_LABELS: dict[type[Any], dict[str, Any]] = {}


def _source_labels(choices: type[Any]) -> dict[str, Any]:
    """Chinese label -> choice (gettext without a catalogue gives the source string)."""
    if choices not in _SOURCE_LABELS:
        with translation.override(None):
            _SOURCE_LABELS[choices] = {str(choice.label): choice for choice in choices}
    return _SOURCE_LABELS[choices]


def source_label(choice: Any) -> str:
    """The Chinese label of a choice whatever the active language: what forms post and Excel holds."""
    return next(label for label, c in _source_labels(type(choice)).items() if c == choice)


def _choice(value: str, choices: type[Any], aliases: Mapping[str, Any] | None = None) -> Any:
    for choice in choices:
        if value == choice.value:
            return choice
    labels = _source_labels(choices)
    if value in labels:
        return labels[value]
    for choice in choices:
        if value == str(choice.label):  # the label in the active language, e.g. English
            return choice
    if aliases and value in aliases:
        return aliases[value]
    return None


class BodyLookup:
    """Names of sectors, working groups and special committees of one committee, looked up
    once per import rather than once per row."""

    def __init__(self, organisation: Organisation) -> None:
        self.by_kind: dict[str, dict[str, Body]] = {}
        for body in Body.objects.filter(organisation=organisation):
            self.by_kind.setdefault(body.kind, {})[body.name] = body

    def get(self, kind: str, name: str) -> Body | None:
        return self.by_kind.get(kind, {}).get(name)

    def names(self, kind: str) -> list[str]:
        return list(self.by_kind.get(kind, {}))


_BODY_FIELDS = {
    "sector": BodyKind.SECTOR,
    "working_group": BodyKind.WORKING_GROUP,
    "special_committee": BodyKind.SPECIAL_COMMITTEE,
}


def validate_member(
    raw: Mapping[str, object],
    organisation: Organisation,
    *,
    bodies: BodyLookup | None = None,
    simplify: bool = False,
    partial: bool = False,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Turn raw values (strings as typed, or cells) into clean data. Returns (data, errors);
    errors map a field key to a Chinese reason. With ``partial`` only the keys present are
    checked (API PATCH). With ``simplify`` traditional characters become simplified."""
    bodies = bodies or BodyLookup(organisation)
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def text(key: str) -> str:
        value = clean(raw.get(key))
        return to_simplified(value) if simplify else value

    keys = [f.key for f in FIELDS if not partial or f.key in raw]
    for key in keys:
        field = FIELD_BY_KEY[key]
        value = text(key)
        if field.required and not value:
            errors[key] = _("%(label)s不能为空") % {"label": _(field.label)}
            continue
        if key in MAX_LENGTH and len(value) > MAX_LENGTH[key]:
            errors[key] = _("%(label)s不能超过%(max)s个字") % {"label": _(field.label), "max": MAX_LENGTH[key]}
            continue
        if key == "name":
            data["name"] = value.replace(" ", "")
        elif key == "id_number":
            try:
                data["id_number"] = normalise_id_number(value)
            except IdentityError as exc:
                errors[key] = str(exc)
        elif key == "mobile":
            if value:
                try:
                    data["mobile"] = normalise_mobile(value)
                except IdentityError as exc:
                    errors[key] = str(exc)
            else:
                data["mobile"] = ""
        elif key == "gender":
            if value:
                gender = _choice(value, Gender)
                if gender is None:
                    errors[key] = _("性别只能填写“男”或“女”")
                else:
                    data["gender"] = gender.value
        elif key == "party":
            if value:
                party = _choice(value, Party, _PARTY_ALIASES)
                if party is None:
                    errors[key] = _("无法识别的政治面貌“%(value)s”") % {"value": value}
                else:
                    data["party"] = party.value
            elif not partial:
                data["party"] = Party.NONPARTY.value
        elif key == "role":
            if value:
                role = _choice(value, MemberRole, {"常务委员": MemberRole.STANDING, "政协委员": MemberRole.MEMBER})
                if role is None:
                    errors[key] = _("政协职务应为主席、副主席、秘书长、常委或委员")
                else:
                    data["role"] = role.value
            elif not partial:
                data["role"] = MemberRole.MEMBER.value
        elif key in _BODY_FIELDS:
            if value:
                body = bodies.get(_BODY_FIELDS[key], value)
                if body is None:
                    known = _("、").join(bodies.names(_BODY_FIELDS[key])[:8])
                    errors[key] = _("%(organisation)s没有名为“%(value)s”的%(label)s") % {
                        "organisation": organisation.short_name,
                        "value": value,
                        "label": _(field.label),
                    } + (_("（可选：%(known)s等）") % {"known": known} if known else "")
                else:
                    data[key] = body
            else:
                data[key] = None
        elif key == "ethnicity":
            data[key] = value or ("汉族" if not partial else value)
        else:
            data[key] = value

    id_number = data.get("id_number")
    if id_number:
        derived = gender_from_id(id_number)
        if data.get("gender") and data["gender"] != derived:
            errors["gender"] = _("性别与身份证号码不符")
        data.setdefault("gender", derived)
        data["birth_date"] = birth_date_from_id(id_number)
        if data["birth_date"] > dt.date.today():
            errors["id_number"] = _("身份证号码中的出生日期晚于今天")
    return data, errors
