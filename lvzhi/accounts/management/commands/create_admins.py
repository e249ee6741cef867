"""`manage.py create_admins`: the installation step that creates the three administrators
(系统管理员, 安全管理员, 审计管理员) of a new installation. Nobody exists yet to act, so this is
the one place accounts are made without an acting user; it is audited as 'system'.

Passwords are asked interactively, or read from LVZHI_SYSADMIN_PASSWORD,
LVZHI_SECADMIN_PASSWORD and LVZHI_AUDITOR_PASSWORD (for scripted installs)."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lvzhi.accounts.actions import check_password_strength
from lvzhi.accounts.models import Role, User
from lvzhi.audit.context import command_context
from lvzhi.audit.log import record, snapshot
from lvzhi.core.errors import Invalid

ADMINS = (
    ("sysadmin", "系统管理员", Role.SYSADMIN, "LVZHI_SYSADMIN_PASSWORD"),
    ("secadmin", "安全管理员", Role.SECADMIN, "LVZHI_SECADMIN_PASSWORD"),
    ("auditor", "审计管理员", Role.AUDITOR, "LVZHI_AUDITOR_PASSWORD"),
)


class Command(BaseCommand):
    help = "创建三员账号（系统管理员、安全管理员、审计管理员），仅用于新安装"

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(role__in=[r for _, _, r, _ in ADMINS]).exists():
            raise CommandError("已存在管理员账号，拒绝重复创建")
        passwords = {}
        for username, label, _role, env in ADMINS:
            password = os.environ.get(env) or getpass.getpass(f"{label}（{username}）的密码：")
            try:
                check_password_strength(password, User(username=username))
            except Invalid as exc:
                raise CommandError(f"{label}的密码不符合要求：{exc}") from None
            passwords[username] = password
        if len(set(passwords.values())) < len(passwords):
            raise CommandError("三个管理员的密码必须各不相同")
        with command_context("create_admins"), transaction.atomic():
            for username, label, role, _env in ADMINS:
                user = User(username=username, full_name=label, role=role)
                user.set_password(passwords[username])
                user.save()
                record(
                    actor=None,
                    action="account.bootstrap",
                    obj=user,
                    changes={"after": snapshot(user, ["username", "role"])},
                )
        self.stdout.write(
            self.style.SUCCESS("已创建：sysadmin（系统管理员）、secadmin（安全管理员）、auditor（审计管理员）")
        )
