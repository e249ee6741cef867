from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lvzhi.accounts.backends import AccountLocked, authenticate_with_lockout
from lvzhi.accounts.models import Role, User
from lvzhi.organisations.models import HandlingUnit, Organisation


class LoginForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    password = forms.CharField(label=gettext_lazy("密码"), widget=forms.PasswordInput)

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            user = authenticate_with_lockout(data["username"], data["password"])
        except AccountLocked as exc:
            until = exc.until.astimezone().strftime("%H:%M")
            raise forms.ValidationError(
                _("连续登录失败次数过多，账号已锁定，请于%(until)s后再试") % {"until": until}
            ) from None
        if user is None:
            raise forms.ValidationError(_("用户名或密码错误（连续失败5次将锁定15分钟）"))
        self.user = user
        return data


class AccountCreateForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    full_name = forms.CharField(label=gettext_lazy("姓名"), max_length=30)
    password = forms.CharField(
        label=gettext_lazy("初始密码"),
        widget=forms.PasswordInput,
        help_text=gettext_lazy("至少8位，含大写、小写、数字、符号中的三类"),
    )


class GrantRoleForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=Role.choices, required=False)
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("所属政协"), queryset=Organisation.objects.all(), required=False
    )
    handling_unit = forms.ModelChoiceField(
        label=gettext_lazy("承办单位"), queryset=HandlingUnit.objects.select_related("organisation"), required=False
    )
    person_id_number = forms.CharField(label=gettext_lazy("委员身份证号码（委员账号）"), max_length=18, required=False)
    can_view_personal_data = forms.BooleanField(
        label=gettext_lazy("可查看个人敏感信息（身份证号、手机号）"), required=False
    )
