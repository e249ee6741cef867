"""Errors raised by actions, each with a message for the user (Chinese, or its translation in
the active language). Views and the API turn them into the matching HTTP status."""

from __future__ import annotations

from django.utils.translation import gettext as _


class ActionError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(ActionError):
    """Missing, or outside the user's scope: the two are indistinguishable on purpose."""

    status = 404

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("对象不存在"))


class Forbidden(ActionError):
    status = 403

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("没有执行此操作的权限"))


class Conflict(ActionError):
    status = 409

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("该记录已被他人修改，请刷新页面后重试"))


class Invalid(ActionError):
    status = 400

    def __init__(self, errors: dict[str, str], message: str | None = None) -> None:
        super().__init__(message or _("提交的内容有误，请按提示修改"), errors)

    def __str__(self) -> str:
        return "；".join(self.errors.values()) or self.message
