"""Users, their role (one per account, as 等保 level 3's separation of duties wants), and API
tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    NONE = "", _("未授权")
    OFFICE = "office", _("机关工作人员")
    LEADER = "leader", _("领导")
    MEMBER = "member", _("委员")
    UNIT = "unit", _("承办单位工作人员")
    SYSADMIN = "sysadmin", _("系统管理员")
    SECADMIN = "secadmin", _("安全管理员")
    AUDITOR = "auditor", _("审计管理员")


ADMIN_ROLES = {Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR}


class User(AbstractUser):
    """An account. The system administrator creates it; the security administrator gives it
    a role and a committee (or handling unit, or member record)."""

    full_name = models.CharField(_("姓名"), max_length=30, blank=True)
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.NONE, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("所属政协"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    handling_unit = models.ForeignKey(
        "organisations.HandlingUnit",
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clerks",
    )
    person = models.OneToOneField(
        "members.Person",
        verbose_name=_("委员本人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="user",
    )
    can_view_personal_data = models.BooleanField(_("可查看个人敏感信息"), default=False)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())


class ApiToken(models.Model):
    """A bearer token for scripts. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, hours: int = 12) -> str:
        token = "lvz_" + secrets.token_urlsafe(32)
        cls.objects.create(
            user=user,
            digest=cls.digest_of(token),
            prefix=token[:8],
            expires_at=timezone.now() + dt.timedelta(hours=hours),
        )
        return token
