from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lvzhi.accounts.models import Role, User
from lvzhi.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _env(monkeypatch: pytest.MonkeyPatch, *passwords: str) -> None:
    for name, value in zip(
        ("LVZHI_SYSADMIN_PASSWORD", "LVZHI_SECADMIN_PASSWORD", "LVZHI_AUDITOR_PASSWORD"), passwords, strict=True
    ):
        monkeypatch.setenv(name, value)


def test_it_creates_the_three_administrators_once(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, "Sys@admin1", "Sec@admin1", "Aud@admin1")
    call_command("create_admins")
    assert {u.username: u.role for u in User.objects.all()} == {
        "sysadmin": Role.SYSADMIN,
        "secadmin": Role.SECADMIN,
        "auditor": Role.AUDITOR,
    }
    assert User.objects.get(username="auditor").check_password("Aud@admin1")
    assert AuditEntry.objects.filter(action="account.bootstrap").count() == 3
    with pytest.raises(CommandError, match="已存在"):
        call_command("create_admins")


def test_it_refuses_weak_or_shared_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, "weak", "Sec@admin1", "Aud@admin1")
    with pytest.raises(CommandError, match="不符合要求"):
        call_command("create_admins")
    _env(monkeypatch, "Same@pass1", "Same@pass1", "Aud@admin1")
    with pytest.raises(CommandError, match="各不相同"):
        call_command("create_admins")
    assert not User.objects.exists()
