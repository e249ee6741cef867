"""The navigation each role sees."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lvzhi.accounts.models import Role


def menu_for(user: Any) -> list[tuple[str, str]]:
    if not user.is_authenticated:
        return []
    items: list[tuple[str, str]] = [(_("首页"), reverse("home"))]
    role = user.role
    if role in (Role.OFFICE, Role.LEADER):
        items += [
            (_("组织机构"), reverse("organisations:tree")),
            (pgettext("菜单", "委员"), reverse("members:list")),
        ]
        if role == Role.OFFICE:
            items += [(_("导入委员"), reverse("members:import"))]
        items += [(_("提案"), reverse("proposals:inbox" if role == Role.OFFICE else "proposals:list"))]
        items += [
            (_("承办单位"), reverse("organisations:units")),
            (_("统计"), reverse("members:figures")),
            (_("提案统计"), reverse("proposal_figures:page")),
        ]
    elif role == Role.MEMBER:
        items += [(_("我的履职档案"), reverse("members:mine"))]
        items += [(_("我的提案"), reverse("proposals:mine"))]
    elif role == Role.UNIT:
        items += [(_("本单位"), reverse("organisations:units"))]
        items += [(_("承办提案"), reverse("handling:inbox"))]
    elif role == Role.SYSADMIN:
        items += [(_("账号管理"), reverse("accounts:users")), (_("政协组织"), reverse("organisations:tree"))]
    elif role == Role.SECADMIN:
        items += [(_("角色与权限"), reverse("accounts:roles"))]
    elif role == Role.AUDITOR:
        items += [(_("审计日志"), reverse("audit:list"))]
    return items


def menu_groups_for(user: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """Dropdown groups after the flat items: the assistance action (脱贫攻坚助推行动), the
    household register first; a member's group holds their own part of it."""
    if not user.is_authenticated:
        return []
    if user.role == Role.MEMBER:
        mine: list[tuple[str, str]] = [
            (_("我的助推"), reverse("assistance:mine")),
            (_("我的帮扶需求"), reverse("needs:mine")),
            (_("结对贫困户"), reverse("households:list")),
        ]
        if user.person_id:
            mine.append((_("我的助推档案"), reverse("assistance_figures:member", args=[user.person_id])))
        return [(_("脱贫攻坚助推"), mine)]
    if user.role not in (Role.OFFICE, Role.LEADER):
        return []
    office = user.role == Role.OFFICE
    items: list[tuple[str, str]] = [
        (_("贫困户档案"), reverse("households:list")),
        (_("档案完整性"), reverse("households:completeness")),
    ]
    if office:
        items += [(_("导入贫困户"), reverse("households:import")), (_("台账审核"), reverse("assistance:review"))]
    items += [(_("助推台账"), reverse("assistance:ledger"))]
    if office:
        items += [(_("座谈会认捐"), reverse("assistance:symposium"))]
    items += [
        (_("帮扶需求"), reverse("needs:list")),
        (_("助推活动"), reverse("assistance:campaigns")),
        (_("助推示范点"), reverse("sites:list")),
        (_("每周助推典型"), reverse("assistance_figures:showcase")),
        (_("助推统计"), reverse("assistance_figures:page")),
    ]
    return [(_("脱贫攻坚助推"), items)]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None:
        return {"menu": [], "menu_groups": []}
    return {"menu": menu_for(user), "menu_groups": menu_groups_for(user), "current_path": request.path}
