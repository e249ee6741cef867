"""The navigation each role sees."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from lvzhi.accounts.models import Role


def menu_for(user: Any) -> list[tuple[str, str]]:
    if not user.is_authenticated:
        return []
    items: list[tuple[str, str]] = [("首页", reverse("home"))]
    role = user.role
    if role in (Role.OFFICE, Role.LEADER):
        items += [
            ("组织机构", reverse("organisations:tree")),
            ("委员", reverse("members:list")),
            ("承办单位", reverse("organisations:units")),
            ("统计", reverse("members:figures")),
        ]
        if role == Role.OFFICE:
            items.insert(items.index(("委员", reverse("members:list"))) + 1, ("导入委员", reverse("members:import")))
    elif role == Role.MEMBER:
        items += [("我的履职档案", reverse("members:mine"))]
    elif role == Role.UNIT:
        items += [("本单位", reverse("organisations:units"))]
    elif role == Role.SYSADMIN:
        items += [("账号管理", reverse("accounts:users")), ("政协组织", reverse("organisations:tree"))]
    elif role == Role.SECADMIN:
        items += [("角色与权限", reverse("accounts:roles"))]
    elif role == Role.AUDITOR:
        items += [("审计日志", reverse("audit:list"))]
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None:
        return {"menu": []}
    return {"menu": menu_for(user), "current_path": request.path}
