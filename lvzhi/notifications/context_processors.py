"""The unread count next to the bell in the navigation bar."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from lvzhi.notifications.models import Notification


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    """One COUNT query, for authenticated users only, and only if a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()
        )
    }
