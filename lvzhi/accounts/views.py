from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from lvzhi.accounts import actions
from lvzhi.accounts.forms import AccountCreateForm, GrantRoleForm, LoginForm
from lvzhi.accounts.models import Role, User
from lvzhi.core.errors import ActionError
from lvzhi.core.http import action_errors
from lvzhi.core.identity import IdentityError, normalise_id_number
from lvzhi.members.models import Membership, Person
from lvzhi.organisations.models import HandlingUnit, Organisation


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        login(request, form.user, backend="lvzhi.accounts.backends.LockoutBackend")
        next_url = request.GET.get("next", "")
        return redirect(next_url if next_url.startswith("/") and not next_url.startswith("//") else "home")
    return render(request, "accounts/login.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context: dict[str, object] = {}
    if user.role in (Role.OFFICE, Role.LEADER):
        orgs = Organisation.objects.visible_to(user)
        visible = Membership.objects.visible_to(user)
        context["cards"] = [
            (_("政协组织"), orgs.count()),
            (pgettext("菜单", "委员"), visible.filter(is_active=True).count()),
            (_("承办单位"), HandlingUnit.objects.visible_to(user).count()),
        ]
    elif user.role == Role.MEMBER:
        context["seats"] = Membership.objects.visible_to(user).select_related("organisation", "sector")
    return render(request, "accounts/home.html", context)


def _require(user: User, role: str) -> None:
    if user.role != role:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("您的角色不能使用此功能"))


@login_required
def users(request: HttpRequest) -> HttpResponse:
    """System administrator: accounts (create, disable, reset password)."""
    actor: User = request.user  # type: ignore[assignment]
    _require(actor, Role.SYSADMIN)
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.create_account(actor=actor, **form.cleaned_data)
        except ActionError as exc:
            for field, msg in exc.errors.items():
                form.add_error(field if field in form.fields else None, msg)
        else:
            messages.success(
                request, _("已创建账号 %(username)s，请由安全管理员分配角色") % {"username": created.username}
            )
            return redirect("accounts:users")
    q = request.GET.get("q", "").strip()
    qs = User.objects.select_related("organisation").order_by("username")
    if q:
        qs = qs.filter(username__icontains=q) | qs.filter(full_name__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/users.html", {"form": form, "page": page, "q": q})


@login_required
@require_POST
@action_errors
def user_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    _require(actor, Role.SYSADMIN)
    target = get_object_or_404(User, pk=pk)
    try:
        actions.set_account_active(actor=actor, user=target, active=not target.is_active)
    except ActionError as exc:
        messages.error(request, _("；").join(exc.errors.values()) or exc.message)
    return redirect("accounts:users")


@login_required
def roles(request: HttpRequest) -> HttpResponse:
    """Security administrator: roles and rights of every account."""
    actor: User = request.user  # type: ignore[assignment]
    _require(actor, Role.SECADMIN)
    q = request.GET.get("q", "").strip()
    qs = User.objects.select_related("organisation", "handling_unit").order_by("username")
    if q:
        qs = qs.filter(username__icontains=q) | qs.filter(full_name__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/roles.html", {"page": page, "q": q})


@login_required
@action_errors
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    _require(actor, Role.SECADMIN)
    target = get_object_or_404(User, pk=pk)
    initial = {
        "role": target.role,
        "organisation": target.organisation_id,
        "handling_unit": target.handling_unit_id,
        "person_id_number": target.person.id_number if target.person else "",
        "can_view_personal_data": target.can_view_personal_data,
    }
    form = GrantRoleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = None
        if data["person_id_number"]:
            try:
                person = Person.objects.filter(id_number=normalise_id_number(data["person_id_number"])).first()
            except IdentityError as exc:
                form.add_error("person_id_number", str(exc))
            else:
                if person is None:
                    form.add_error("person_id_number", _("没有该身份证号码的委员"))
        if form.is_valid():
            try:
                actions.grant_role(
                    actor=actor,
                    user=target,
                    role=data["role"],
                    organisation=data["organisation"],
                    handling_unit=data["handling_unit"],
                    person=person,
                    can_view_personal_data=data["can_view_personal_data"],
                )
            except ActionError as exc:
                for field, msg in exc.errors.items():
                    form.add_error(field if field in form.fields else None, msg)
            else:
                messages.success(request, _("已更新 %(username)s 的角色与权限") % {"username": target.username})
                return redirect("accounts:roles")
    return render(request, "accounts/role_edit.html", {"form": form, "target": target})


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    error = ""
    if request.method == "POST":
        if not user.check_password(request.POST.get("old_password", "")):
            error = _("原密码不正确")
        elif request.POST.get("new_password") != request.POST.get("new_password2"):
            error = _("两次输入的新密码不一致")
        else:
            try:
                actions.reset_password(actor=user, user=user, password=request.POST.get("new_password", ""))
            except ActionError as exc:
                error = _("；").join(exc.errors.values())
            else:
                login(request, user, backend="lvzhi.accounts.backends.LockoutBackend")
                messages.success(request, _("密码已修改"))
                return redirect("home")
    return render(request, "accounts/password.html", {"error": error})
