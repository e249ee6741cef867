"""API authentication: a bearer token for scripts (POST /auth/token with username and
password, the same lockout as the login page), and who am I."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.security import HttpBearer

from lvzhi.accounts.backends import AccountLocked, authenticate_with_lockout
from lvzhi.accounts.models import ApiToken, User
from lvzhi.audit.log import record
from lvzhi.core.errors import ActionError

TOKEN_HOURS = 12

router = Router()


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer lvz_…``: the token's digest is looked up; expired tokens and
    disabled accounts are refused."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        token = token.strip()
        if not token:
            return None
        found = (
            ApiToken.objects.select_related("user", "user__organisation")
            .filter(digest=ApiToken.digest_of(token), expires_at__gt=timezone.now())
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


class Unauthenticated(ActionError):
    status = 401


class Locked(ActionError):
    status = 423


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    role_display: str
    organisation: str | None
    organisation_name: str | None
    handling_unit_id: int | None
    can_view_personal_data: bool


@router.post("/token", auth=None, response=TokenOut, summary="获取API令牌")
def issue_token(request: HttpRequest, payload: TokenIn) -> dict[str, object]:
    """用户名和密码换取有效期12小时的令牌；连续失败5次锁定15分钟。"""
    try:
        user = authenticate_with_lockout(payload.username.strip(), payload.password)
    except AccountLocked as exc:
        until = timezone.localtime(exc.until).strftime("%H:%M")
        raise Locked(f"连续登录失败次数过多，账号已锁定，请于{until}后再试") from None
    if user is None:
        raise Unauthenticated("用户名或密码错误（连续失败5次将锁定15分钟）")
    token = ApiToken.issue(user, hours=TOKEN_HOURS)
    issued = ApiToken.objects.get(digest=ApiToken.digest_of(token))
    record(actor=user, action="api_token.issue", obj=issued, changes={"expires_at": issued.expires_at.isoformat()})
    return {"token": token, "expires_at": issued.expires_at}


@router.get("/me", response=MeOut, summary="当前用户")
def me(request: HttpRequest) -> dict[str, object]:
    user: User = request.auth  # type: ignore[attr-defined]
    org = user.organisation
    return {
        "username": user.username,
        "full_name": user.display_name,
        "role": user.role,
        "role_display": user.get_role_display(),
        "organisation": org.code if org else None,
        "organisation_name": org.name if org else None,
        "handling_unit_id": user.handling_unit_id,
        "can_view_personal_data": user.can_view_personal_data,
    }
