"""What the API modules (Django Ninja) share."""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any, TypeVar

from django.http import HttpRequest

if TYPE_CHECKING:
    from lvzhi.accounts.models import User

F = TypeVar("F", bound=typing.Callable[..., Any])


def typed(func: F) -> F:
    """Resolve string annotations (``from __future__ import annotations``) before ``paginate``
    wraps the view: Ninja reads the wrapper's signature with the pagination module's globals."""
    func.__annotations__ = typing.get_type_hints(func, include_extras=True)
    return func


def api_user(request: HttpRequest) -> User:
    """The signed-in user of an API request (session or bearer token)."""
    return request.auth  # type: ignore[attr-defined,no-any-return]
