"""`record`: the single code path that writes the audit log, called by every action
(pages, API, imports and commands alike) and by the login code."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import TYPE_CHECKING, Any

from django.db import models
from django.forms.models import model_to_dict

from lvzhi.audit import context
from lvzhi.audit.models import AuditEntry

if TYPE_CHECKING:
    from lvzhi.accounts.models import User

# Never copied into the log in clear: the log is read by the audit administrator, who has
# no right to personal data.
SENSITIVE_FIELDS = {"id_number", "mobile", "password", "contact_phone"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, decimal.Decimal)):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value


def _masked(key: str, value: Any) -> Any:
    return ("***" if value else "") if key in SENSITIVE_FIELDS else value


def snapshot(obj: models.Model, fields: list[str] | None = None, *, mask: bool = True) -> dict[str, Any]:
    """The object's field values as JSON. ``mask=False`` keeps personal data in clear: for
    comparing before and after, never for writing to the log."""
    data = {key: _jsonable(value) for key, value in model_to_dict(obj, fields=fields).items()}
    return {key: _masked(key, value) for key, value in data.items()} if mask else data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Only the fields that changed: {"before": {...}, "after": {...}}. Pass unmasked
    snapshots so a change of a personal field is seen; its values are masked here."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {
        "before": {k: _masked(k, before.get(k)) for k in keys},
        "after": {k: _masked(k, after[k]) for k in keys},
    }


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    organisation_id: int | None = None,
    changes: dict[str, Any] | None = None,
    actor_name: str = "",
) -> AuditEntry:
    ctx = context.current()
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor_name or (actor.username if actor is not None else "system"),
        ip=ctx.ip,
        request_id=ctx.request_id,
        source=ctx.source,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        organisation_id=organisation_id,
        changes=changes or {},
    )
