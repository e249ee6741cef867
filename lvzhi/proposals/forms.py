"""Forms of the proposal pages. They render and parse; the rules (案由不能为空, the
category list, the states) live in the actions, whose Chinese messages land on the fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lvzhi.core.errors import ActionError
from lvzhi.organisations.models import Organisation
from lvzhi.proposals.models import ProposalKind, Satisfaction

_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}


class DraftForm(forms.Form):
    """起草/修改提案. Fields are optional here: the action says what is missing."""

    organisation = forms.ChoiceField(label=_("所属政协"), required=False, widget=forms.Select(attrs=_SELECT))
    title = forms.CharField(
        label=_("案由"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "off", "data-testid": "title"}),
    )
    analysis = forms.CharField(label=_("情况分析"), required=False, widget=forms.Textarea(attrs={**_TEXT, "rows": 6}))
    suggestions = forms.CharField(
        label=_("具体建议"), required=False, widget=forms.Textarea(attrs={**_TEXT, "rows": 6})
    )
    suggested_units = forms.CharField(
        label=_("建议承办单位"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs=_TEXT),
        help_text=_("多个单位用顿号分隔"),
    )
    category = forms.ChoiceField(label=_("类别"), required=False, widget=forms.Select(attrs=_SELECT))
    kind = forms.ChoiceField(
        label=_("提案类型"),
        choices=ProposalKind.choices,
        initial=ProposalKind.ROUTINE,
        widget=forms.RadioSelect,
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        organisations: Sequence[Organisation] = (),
        categories: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if len(organisations) > 1:
            cast(forms.ChoiceField, self.fields["organisation"]).choices = [(o.code, o.name) for o in organisations]
        else:
            del self.fields["organisation"]
        cast(forms.ChoiceField, self.fields["category"]).choices = [("", _("请选择")), *((c, c) for c in categories)]
        # Similar proposals while typing: advisory, never blocking.
        self.fields["title"].widget.attrs.update(
            {
                "hx-get": reverse("proposals:similar"),
                "hx-trigger": "keyup changed delay:500ms",
                "hx-target": "#similar-panel",
                "hx-include": "[name=organisation],[name=exclude]",
                "hx-sync": "this:replace",
            }
        )

    @property
    def action_data(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            key: data.get(key) or ""
            for key in ("title", "analysis", "suggestions", "suggested_units", "category", "kind")
        }


class RatingForm(forms.Form):
    """测评: process and result satisfaction, with a comment (required for 不满意)."""

    process = forms.ChoiceField(
        label=_("办理过程满意度"), choices=Satisfaction.choices, required=False, widget=forms.RadioSelect
    )
    result = forms.ChoiceField(
        label=_("办理结果满意度"), choices=Satisfaction.choices, required=False, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见"),
        required=False,
        widget=forms.Textarea(attrs={**_TEXT, "rows": 3}),
        help_text=_("选择不满意时请写明意见，以便重新办理"),
    )


def add_action_errors(form: forms.Form, exc: ActionError) -> None:
    """An action's errors on the form's fields (or on top when there is no such field)."""
    if not exc.errors:
        form.add_error(None, exc.message)
    for key, message in exc.errors.items():
        form.add_error(key if key in form.fields else None, message)
