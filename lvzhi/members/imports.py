"""Member import from Excel/CSV (kind "members"): each row goes through `validate_member`
(the same validator as the form and the API) and `save_member` (the same action), keyed by
the ID number, so re-importing a file updates the seats instead of duplicating them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.forms.models import model_to_dict

from lvzhi.core.excel import TemplateColumn
from lvzhi.core.importing import Importer, Outcome, register
from lvzhi.members.actions import require_manage, save_member
from lvzhi.members.models import MemberRole, Membership, Party
from lvzhi.members.validation import FIELDS, BodyLookup, validate_member
from lvzhi.organisations.models import Body, BodyKind, Organisation

_NOTES = {
    "name": "委员姓名，最多30个字",
    "id_number": "18位居民身份证号码，末位X大小写均可；请保持该列为文本格式，否则Excel会把末几位变成0。"
    "同一文件中不能重复；已在名单中的委员按身份证号码更新，不会重复添加",
    "gender": "男或女；可不填，按身份证号码自动判断",
    "ethnicity": "如：汉族、回族；不填默认为汉族",
    "party": "、".join(str(label) for _value, label in Party.choices) + "；不填默认为无党派人士",
    "mobile": "11位手机号码",
    "education": "如：大学本科、研究生",
    "employer": "最多100个字",
    "job_title": "最多100个字",
    "expertise": "最多200个字",
    "code": "本政协内的委员编号，可不填",
    "role": "、".join(str(label) for _value, label in MemberRole.choices) + "；不填默认为委员",
    "sector": "须为本政协已设立的界别",
    "working_group": "须为本政协已设立的工作组",
    "special_committee": "须为本政协已设立的专门委员会",
}
_BODY_KINDS = {
    "sector": BodyKind.SECTOR,
    "working_group": BodyKind.WORKING_GROUP,
    "special_committee": BodyKind.SPECIAL_COMMITTEE,
}
_TEXT_COLUMNS = {"id_number", "mobile", "code"}


@register
class MemberImporter(Importer):
    kind = "members"
    title = "委员"
    fields = FIELDS
    key_field = "id_number"
    template_name = "委员导入模板.xlsx"

    bodies: BodyLookup

    def authorise(self) -> None:
        require_manage(self.actor, self.organisation)
        self.bodies = BodyLookup(self.organisation)

    def validate_row(self, raw: Mapping[str, object]) -> tuple[dict[str, Any], dict[str, str]]:
        data, errors = validate_member(raw, self.organisation, bodies=self.bodies, simplify=self.simplify)
        value = raw.get("id_number")
        if "id_number" in errors and isinstance(value, (int, float)) and not isinstance(value, bool):
            # Excel keeps 15 significant digits: an ID number typed into a number cell has
            # lost its last digits, which no check can recover.
            errors["id_number"] = "身份证号码被Excel存成了数字，末几位已丢失；请把该列设置为文本格式后重新填写"
        return data, errors

    def save_row(self, data: dict[str, Any]) -> Outcome:
        existing = (
            Membership.objects.select_related("person")
            .filter(person__id_number=data["id_number"], organisation=self.organisation)
            .first()
        )
        # model_to_dict, not the audit snapshot: the snapshot masks ID numbers and phones.
        before = (model_to_dict(existing.person), model_to_dict(existing)) if existing else None
        membership = save_member(actor=self.actor, organisation=self.organisation, data=data, allow_update=True)
        if before is None:
            return Outcome.CREATED
        fresh = Membership.objects.select_related("person").get(pk=membership.pk)
        after = (model_to_dict(fresh.person), model_to_dict(fresh))
        return Outcome.UNCHANGED if after == before else Outcome.UPDATED

    @classmethod
    def template_columns(cls, organisation: Organisation | None = None) -> list[TemplateColumn]:
        names: dict[str, list[str]] = {}
        if organisation is not None:
            for body in Body.objects.filter(organisation=organisation).order_by("pk"):
                names.setdefault(body.kind, []).append(body.name)
        columns = []
        for f in FIELDS:
            note = _NOTES.get(f.key, "")
            if f.key in _BODY_KINDS and names.get(_BODY_KINDS[f.key]):
                note += "：" + "、".join(names[_BODY_KINDS[f.key]])
            if f.aliases:
                note += f"。列名也可写作：{'、'.join(f.aliases)}"
            width = 22 if f.key in ("id_number", "employer", "job_title") else 14
            columns.append(TemplateColumn(f.label, f.required, note, f.example, f.key in _TEXT_COLUMNS, width))
        return columns
