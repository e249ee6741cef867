"""Forms of the ledger and campaign pages. They render and parse; the rules (日期不能晚于今天,
金额不能为负数, the household in the committee's county...) live in `validation.py` and the
actions, whose Chinese messages land on the fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lvzhi.assistance.models import QUANTITIES, ActionKind, Campaign, DemoSite, EntryStatus, Source, Target
from lvzhi.assistance.templates_data import template_choices
from lvzhi.organisations.models import Organisation

if TYPE_CHECKING:
    from lvzhi.households.models import Village

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
MONEY_KEYS = ("money", "goods_value")
ENTRY_TARGETS = list(Target.choices)  # 贫困户、村（社区）、助推示范点、面上帮扶


def _choices(items: Sequence[Any], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *((str(i.pk), str(i)) for i in items)]


def number_input(key: str) -> forms.TextInput:
    """Numeric keyboard on phones: decimals for yuan, digits for counts."""
    mode = "decimal" if key in MONEY_KEYS else "numeric"
    return forms.TextInput(attrs={**_TEXT, "inputmode": mode, "autocomplete": "off", "placeholder": "0"})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; their type and size are checked by the action."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, (list, tuple)):
            return [super(PhotosField, self).clean(d, initial) for d in data]
        return super().clean(data, initial)


class EntryForm(forms.Form):
    """填报/录入/修改台账. Fields are optional here: `validate_entry` says what is missing."""

    organisation = forms.ChoiceField(label=_("所属政协"), required=False, widget=forms.Select(attrs=_SELECT))
    date = forms.CharField(
        label=_("日期"), required=False, widget=forms.DateInput(attrs={**_TEXT, "type": "date"}, format="%Y-%m-%d")
    )
    campaign = forms.ChoiceField(label=_("助推活动"), required=False, widget=forms.Select(attrs=_SELECT))
    action_kind = forms.ChoiceField(label=_("行动类别"), required=False, widget=forms.Select(attrs=_SELECT))
    target = forms.ChoiceField(
        label=_("帮扶对象"), choices=ENTRY_TARGETS, initial=Target.HOUSEHOLD, widget=forms.RadioSelect
    )
    household = forms.CharField(
        label=_("贫困户户编号"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "off", "list": "household-options"}),
        help_text=_("输入户编号或户主姓名查找结对户；也可直接填写本县户编号"),
    )
    # Plain values, not ChoiceFields: the view checks them against the committee's villages
    # and sites and says in Chinese what is wrong, once.
    village = forms.CharField(label=_("村（社区）"), required=False, widget=forms.Select(attrs=_SELECT))
    site = forms.CharField(label=_("助推示范点"), required=False, widget=forms.Select(attrs=_SELECT))
    summary = forms.CharField(
        label=_("帮扶事项"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": _("如：为张某某家送去化肥10袋")}),
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={**_TEXT, "rows": 2}))
    photos = PhotosField(
        label=_("照片"),
        required=False,
        widget=MultipleFileInput(attrs={**_TEXT, "accept": "image/*"}),
        help_text=_("可选多张，JPG、PNG 或 WebP，每张不超过8MB，最多9张"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        organisations: Sequence[Organisation] = (),
        campaigns: Sequence[Campaign] = (),
        kinds: Sequence[ActionKind] = (),
        villages: Sequence[Village] = (),
        sites: Sequence[DemoSite] = (),
        with_photos: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._places(villages, sites)
        if len(organisations) > 1:
            cast(forms.ChoiceField, self.fields["organisation"]).choices = [(o.code, o.name) for o in organisations]
        else:
            del self.fields["organisation"]
        if not with_photos:
            del self.fields["photos"]
        cast(forms.ChoiceField, self.fields["campaign"]).choices = _choices(campaigns, str(_("不属于具体活动")))
        cast(forms.ChoiceField, self.fields["action_kind"]).choices = _choices(kinds, str(_("请选择")))
        # Choosing a campaign reloads the select of its action kinds.
        self.fields["campaign"].widget.attrs.update(
            {"hx-get": reverse("assistance:kinds"), "hx-target": "#id_action_kind", "hx-swap": "innerHTML"}
        )
        self.fields["household"].widget.attrs.update(
            {
                "hx-get": reverse("assistance:households"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#household-options",
                "hx-include": "[name=organisation]",
                "hx-sync": "this:replace",
            }
        )
        for key, label, unit in QUANTITIES:
            self.fields[key] = forms.CharField(
                label=f"{label}（{unit}）", required=False, max_length=20, widget=number_input(key)
            )

    def _places(self, villages: Sequence[Village], sites: Sequence[DemoSite]) -> None:
        """The villages (by township) and sites of the committee to choose from; a target
        with nothing to choose is not offered."""
        targets = cast(forms.ChoiceField, self.fields["target"])
        offered: dict[str, bool] = {Target.VILLAGE: bool(villages), Target.SITE: bool(sites)}
        targets.choices = [(v, label) for v, label in ENTRY_TARGETS if offered.get(v, True)]
        by_township: dict[str, list[tuple[str, str]]] = {}
        for village in villages:
            by_township.setdefault(village.township.name, []).append((str(village.pk), village.name))
        if villages:
            village_choices: list[Any] = [("", _("请选择")), *by_township.items()]
            cast(forms.Select, self.fields["village"].widget).choices = village_choices
        else:
            del self.fields["village"]
        if sites:
            cast(forms.Select, self.fields["site"].widget).choices = _choices(sites, str(_("请选择")))
        else:
            del self.fields["site"]

    @property
    def quantity_fields(self) -> list[forms.BoundField]:
        return [self[key] for key, _label, _unit in QUANTITIES]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        skip = {key for key, _label, _unit in QUANTITIES} | {"target", "household", "village", "site", "version"}
        skip |= {"photos", "note"}
        return [self[name] for name in self.fields if name not in skip]

    def raw(self) -> dict[str, Any]:
        """The submitted values as `validate_entry` takes them (objects resolved by the view)."""
        data = self.data
        keys = ("date", "target", "summary", "note", *(key for key, _label, _unit in QUANTITIES))
        return {key: data.get(key, "") for key in keys}

    def add_errors(self, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            self.add_error(key if key in self.fields else None, message)


def today_initial() -> dict[str, Any]:
    return {"date": timezone.localdate().isoformat(), "target": Target.HOUSEHOLD}


class LedgerFilterForm(forms.Form):
    """助推台账 filters; the same parsed values drive the list and its export."""

    campaign = forms.ChoiceField(label=_("活动"), required=False, widget=forms.Select(attrs=_SELECT))
    action_kind = forms.ChoiceField(label=_("行动类别"), required=False, widget=forms.Select(attrs=_SELECT))
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), *EntryStatus.choices],
        widget=forms.Select(attrs=_SELECT),
    )
    source = forms.ChoiceField(
        label=_("来源"), required=False, choices=[("", _("全部")), *Source.choices], widget=forms.Select(attrs=_SELECT)
    )
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={**_TEXT, "type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={**_TEXT, "type": "date"})
    )
    member = forms.CharField(label=_("委员姓名"), required=False, max_length=30, widget=forms.TextInput(attrs=_TEXT))
    household = forms.CharField(label=_("户编号"), required=False, max_length=30, widget=forms.TextInput(attrs=_TEXT))

    def __init__(
        self, *args: Any, campaigns: Sequence[Campaign] = (), kinds: Sequence[ActionKind] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["campaign"]).choices = _choices(campaigns, str(_("全部")))
        cast(forms.ChoiceField, self.fields["action_kind"]).choices = _choices(kinds, str(_("全部")))
        self.fields["campaign"].widget.attrs.update(
            {
                "hx-get": reverse("assistance:kinds") + "?filter=1",
                "hx-target": "#id_action_kind",
                "hx-swap": "innerHTML",
            }
        )


class CampaignForm(forms.Form):
    """发起助推活动 from a template (活动模板)."""

    template = forms.ChoiceField(label=_("活动模板"), required=False, widget=forms.Select(attrs=_SELECT))
    name = forms.CharField(
        label=_("活动名称"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_("留空则用模板名称"),
    )
    start_date = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={**_TEXT, "type": "date"}),
        error_messages={"invalid": _("请填写正确的日期")},
    )
    end_date = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={**_TEXT, "type": "date"}),
        help_text=_("留空：百日会战按100天计，其他活动长期开展"),
        error_messages={"invalid": _("请填写正确的日期")},
    )
    targets = forms.MultipleChoiceField(
        label=_("参与政协"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则为本政协及所有下级政协"),
    )

    def __init__(self, *args: Any, below: Sequence[Organisation] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["template"]).choices = [("", _("请选择")), *template_choices()]
        cast(forms.MultipleChoiceField, self.fields["targets"]).choices = [(o.code, o.name) for o in below]
        if not below:
            del self.fields["targets"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("start_date") and "start_date" not in self.errors:
            self.add_error("start_date", _("请填写开始日期"))
        return data
