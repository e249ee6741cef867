"""Who is acting, from where, under which request id: set by the request middleware for
pages and API, and by `command_context` for management commands, read by `record`."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditContext:
    request_id: str
    ip: str | None
    source: str


_current: ContextVar[AuditContext | None] = ContextVar("lvzhi_audit_context", default=None)


def current() -> AuditContext:
    ctx = _current.get()
    if ctx is None:
        return AuditContext(request_id=str(uuid.uuid4()), ip=None, source="system")
    return ctx


@contextlib.contextmanager
def use(ctx: AuditContext) -> Iterator[AuditContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def command_context(name: str) -> contextlib.AbstractContextManager[AuditContext]:
    """One request id for a whole management-command run."""
    return use(AuditContext(request_id=str(uuid.uuid4()), ip=None, source=f"command:{name}"))
