"""Account administration, split three ways (三权分立):
- the system administrator creates, disables and resets accounts (no role, no data);
- the security administrator grants roles, scope and the personal-data right;
- the audit administrator only reads the audit log.
None can do another's job."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from lvzhi.accounts.models import ADMIN_ROLES, Role, User
from lvzhi.audit.log import diff, record, snapshot
from lvzhi.core.errors import Forbidden, Invalid
from lvzhi.members.models import Person
from lvzhi.organisations.models import HandlingUnit, Organisation

ACCOUNT_FIELDS = [
    "username",
    "full_name",
    "role",
    "organisation",
    "handling_unit",
    "person",
    "can_view_personal_data",
    "is_active",
]


def check_password_strength(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Invalid({"password": "；".join(exc.messages)}) from None


@transaction.atomic
def create_account(*, actor: User, username: str, full_name: str, password: str) -> User:
    """System administrator: a new account has no role until the security administrator
    grants one."""
    if actor.role != Role.SYSADMIN:
        raise Forbidden("只有系统管理员可以创建账号")
    if not username or User.objects.filter(username=username).exists():
        raise Invalid({"username": f"用户名“{username}”已存在" if username else "用户名不能为空"})
    user = User(username=username, full_name=full_name)
    check_password_strength(password, user)
    user.set_password(password)
    user.save()
    record(actor=actor, action="account.create", obj=user, changes={"after": snapshot(user, ACCOUNT_FIELDS)})
    return user


@transaction.atomic
def set_account_active(*, actor: User, user: User, active: bool) -> User:
    if actor.role != Role.SYSADMIN:
        raise Forbidden("只有系统管理员可以停用或启用账号")
    if user.pk == actor.pk:
        raise Invalid({"is_active": "不能停用自己的账号"})
    before = snapshot(user, ACCOUNT_FIELDS, mask=False)
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(
        actor=actor,
        action="account.activate" if active else "account.deactivate",
        obj=user,
        changes=diff(before, snapshot(user, ACCOUNT_FIELDS, mask=False)),
    )
    return user


@transaction.atomic
def reset_password(*, actor: User, user: User, password: str) -> User:
    if actor.role != Role.SYSADMIN and actor.pk != user.pk:
        raise Forbidden("只有系统管理员可以重置他人密码")
    check_password_strength(password, user)
    user.set_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["password", "failed_logins", "locked_until"])
    record(actor=actor, action="account.password", obj=user)
    return user


@transaction.atomic
def grant_role(
    *,
    actor: User,
    user: User,
    role: str,
    organisation: Organisation | None = None,
    handling_unit: HandlingUnit | None = None,
    person: Person | None = None,
    can_view_personal_data: bool = False,
) -> User:
    """Security administrator: give an account its role and scope."""
    if actor.role != Role.SECADMIN:
        raise Forbidden("只有安全管理员可以分配角色和权限")
    if user.pk == actor.pk:
        raise Invalid({"role": "不能修改自己的角色"})
    errors: dict[str, str] = {}
    if role not in Role.values:
        errors["role"] = "无效的角色"
    if role in (Role.OFFICE, Role.LEADER) and organisation is None:
        errors["organisation"] = "机关工作人员和领导须指定所属政协"
    if role == Role.UNIT:
        if handling_unit is None:
            errors["handling_unit"] = "承办单位工作人员须指定承办单位"
        else:
            organisation = handling_unit.organisation
    if role == Role.MEMBER:
        if person is None:
            errors["person"] = "委员账号须关联委员本人"
        elif organisation is None:
            first = person.memberships.select_related("organisation").first()
            organisation = first.organisation if first else None
    if can_view_personal_data and role not in (Role.OFFICE, Role.LEADER):
        errors["can_view_personal_data"] = "只有机关工作人员和领导可以被授予查看个人敏感信息的权限"
    if errors:
        raise Invalid(errors)
    before = snapshot(user, ACCOUNT_FIELDS, mask=False)
    user.role = role
    user.organisation = organisation if role not in ADMIN_ROLES else None
    user.handling_unit = handling_unit if role == Role.UNIT else None
    user.person = person if role == Role.MEMBER else None
    user.can_view_personal_data = can_view_personal_data
    user.save(update_fields=["role", "organisation", "handling_unit", "person", "can_view_personal_data"])
    record(
        actor=actor,
        action="account.grant_role",
        obj=user,
        organisation_id=user.organisation_id,
        changes=diff(before, snapshot(user, ACCOUNT_FIELDS, mask=False)),
    )
    return user
