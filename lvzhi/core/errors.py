"""Errors raised by actions, each with a message for the user in Chinese. Views and the API
turn them into the matching HTTP status."""

from __future__ import annotations


class ActionError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(ActionError):
    """Missing, or outside the user's scope: the two are indistinguishable on purpose."""

    status = 404

    def __init__(self, message: str = "对象不存在") -> None:
        super().__init__(message)


class Forbidden(ActionError):
    status = 403

    def __init__(self, message: str = "没有执行此操作的权限") -> None:
        super().__init__(message)


class Conflict(ActionError):
    status = 409

    def __init__(self, message: str = "该记录已被他人修改，请刷新页面后重试") -> None:
        super().__init__(message)


class Invalid(ActionError):
    status = 400

    def __init__(self, errors: dict[str, str], message: str = "提交的内容有误，请按提示修改") -> None:
        super().__init__(message, errors)
