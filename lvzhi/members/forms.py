from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lvzhi.members.models import Gender, MemberRole, Party
from lvzhi.members.validation import FIELD_BY_KEY, BodyLookup, source_label, validate_member
from lvzhi.organisations.models import BodyKind, Organisation


class MemberForm(forms.Form):
    """Every field is validated by `validate_member`, the same code the import and the API use."""

    # Required-ness is checked by validate_member, so the message is the same everywhere.
    name = forms.CharField(
        label=_("姓名"), max_length=30, required=False, widget=forms.TextInput(attrs={"required": True})
    )
    id_number = forms.CharField(
        label=_("身份证号码"), max_length=40, required=False, widget=forms.TextInput(attrs={"required": True})
    )
    gender = forms.ChoiceField(
        label=_("性别"),
        choices=[("", _("按身份证号码"))] + [(source_label(g), g.label) for g in Gender],
        required=False,
    )
    ethnicity = forms.CharField(label=_("民族"), max_length=20, required=False, initial="汉族")
    party = forms.ChoiceField(label=_("政治面貌"), choices=[(source_label(p), p.label) for p in Party], required=False)
    mobile = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    education = forms.CharField(label=_("学历"), max_length=20, required=False)
    employer = forms.CharField(label=_("工作单位"), max_length=100, required=False)
    job_title = forms.CharField(label=_("职务职称"), max_length=100, required=False)
    expertise = forms.CharField(label=_("专长"), max_length=200, required=False)
    code = forms.CharField(label=_("委员编号"), max_length=20, required=False)
    role = forms.ChoiceField(
        label=_("政协职务"), choices=[(source_label(r), r.label) for r in MemberRole], initial="委员"
    )
    sector = forms.ChoiceField(label=_("界别"), required=False)
    working_group = forms.ChoiceField(label=_("工作组"), required=False)
    special_committee = forms.ChoiceField(label=_("专门委员会"), required=False)
    simplify = forms.BooleanField(label=_("将繁体字转换为简体"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.bodies = BodyLookup(organisation)
        for key, kind in (
            ("sector", BodyKind.SECTOR),
            ("working_group", BodyKind.WORKING_GROUP),
            ("special_committee", BodyKind.SPECIAL_COMMITTEE),
        ):
            self.fields[key].choices = [("", "——")] + [(n, n) for n in self.bodies.names(kind)]  # type: ignore[attr-defined]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css + (" form-select-sm" if css == "form-select" else ""))
        self.member_data: dict[str, Any] = {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        raw = {k: cleaned.get(k, "") for k in FIELD_BY_KEY}
        data, errors = validate_member(
            raw, self.organisation, bodies=self.bodies, simplify=bool(cleaned.get("simplify"))
        )
        for key, message in errors.items():
            if key in self.fields and key not in self.errors:
                self.add_error(key, message)
        self.member_data = data
        return cleaned
