"""Sending notifications: in-app always; email where the user has an address and email is
configured; SMS through a pluggable sender (the default only logs, with the number masked)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from lvzhi.core.identity import mask_mobile
from lvzhi.notifications.models import Notification

if TYPE_CHECKING:
    from lvzhi.accounts.models import User

logger = logging.getLogger("lvzhi.notifications")


class SmsSender(Protocol):
    def send(self, mobile: str, text: str) -> None: ...


class LoggingSmsSender:
    """The default SMS sender: writes the message to the log instead of an SMS gateway."""

    def send(self, mobile: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_mobile(mobile), text)


def sms_sender() -> SmsSender:
    path = getattr(settings, "LVZHI_SMS_SENDER", "lvzhi.notifications.services.LoggingSmsSender")
    return import_string(path)()  # type: ignore[no-any-return]


def _mobile_of(user: User) -> str:
    if user.person_id and user.person is not None:
        return user.person.mobile
    return ""


def notify(
    users: Iterable[User], title: str, body: str = "", url: str = "", *, key: str = "", sms: bool = False
) -> None:
    """Queue a notification to each user, sent once the current transaction commits (so a
    rolled-back action notifies nobody). With ``key``, a user gets that notification at most
    once a day."""
    recipients = [u for u in {u.pk: u for u in users if u is not None and u.is_active}.values()]
    if not recipients:
        return

    def send() -> None:
        today = timezone.localdate()
        rows = []
        for user in recipients:
            if key and Notification.objects.filter(user=user, key=key, created_at__date=today).exists():
                continue
            rows.append(Notification(user=user, title=title, body=body, url=url, key=key))
            if user.email and getattr(settings, "EMAIL_HOST", ""):
                send_mail(title, f"{body}\n{url}", None, [user.email], fail_silently=True)
            if sms and (mobile := _mobile_of(user)):
                sms_sender().send(mobile, title)
        Notification.objects.bulk_create(rows)

    transaction.on_commit(send)
