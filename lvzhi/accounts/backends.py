"""Authentication with lockout: 5 failures lock the account for 15 minutes. Every attempt,
successful or not, is written to the audit log with the client IP."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from lvzhi.accounts.models import User
from lvzhi.audit.log import record


class AccountLocked(Exception):
    def __init__(self, until: Any) -> None:
        self.until = until
        super().__init__("账号已锁定")


def authenticate_with_lockout(username: str, password: str) -> User | None:
    """Return the user, None for wrong credentials, or raise AccountLocked."""
    user = User.objects.filter(username=username).first()
    if user is None:
        User().set_password(password)  # same cost as a real check: no user enumeration by timing
        record(actor=None, action="login.failure", actor_name=username[:150], changes={"reason": "unknown user"})
        return None
    if user.is_locked():
        record(actor=user, action="login.refused_locked")
        raise AccountLocked(user.locked_until)
    if user.check_password(password) and user.is_active:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        user.failed_logins, user.locked_until = 0, None
        record(actor=user, action="login.success")
        return user
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    changes: dict[str, Any] = {"failed_logins": user.failed_logins}
    if user.failed_logins >= settings.LOGIN_FAILURE_LIMIT:
        until = timezone.now() + dt.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
        changes["locked_until"] = until.isoformat()
    record(actor=user, action="login.failure", changes=changes)
    return None


class LockoutBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None:
            return None
        return authenticate_with_lockout(username, password)
