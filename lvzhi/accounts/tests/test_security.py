"""等保 level 3 application controls: passwords, lockout, sessions, deploy settings, and the
three-way split of administration."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from lvzhi.accounts import actions
from lvzhi.accounts.models import Role, User
from lvzhi.audit.models import AuditEntry
from lvzhi.core.errors import Forbidden, Invalid
from lvzhi.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


def post_login(client: Client, username: str, password: str) -> str:
    return client.post("/accounts/login/", {"username": username, "password": password}).content.decode()


def test_it_locks_after_five_failures_for_fifteen_minutes(world: World) -> None:
    c = Client()
    for _ in range(5):
        assert "用户名或密码错误" in post_login(c, "alice", "wrong-Pass1")
    page = post_login(c, "alice", PASSWORD)
    assert "账号已锁定" in page
    alice = User.objects.get(username="alice")
    remaining = alice.locked_until - timezone.now()  # type: ignore[operator]
    assert 14 * 60 < remaining.total_seconds() <= 15 * 60
    assert c.get("/members/").status_code == 302  # still not logged in
    # After the lock expires the right password works again.
    User.objects.filter(pk=alice.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    c.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert c.get("/members/").status_code == 200


def test_it_audits_logins_with_ip(world: World) -> None:
    c = Client(REMOTE_ADDR="10.1.2.3")
    post_login(c, "alice", "wrong-Pass1")
    c.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    post_login(c, "nobody", "x")
    entries = AuditEntry.objects.filter(action__startswith="login.").order_by("id")
    assert [(e.action, e.actor_name, e.ip) for e in entries] == [
        ("login.failure", "alice", "10.1.2.3"),
        ("login.success", "alice", "10.1.2.3"),
        ("login.failure", "nobody", "10.1.2.3"),
    ]
    assert all(PASSWORD not in str(e.changes) for e in entries)


@pytest.mark.parametrize(
    ("password", "ok"),
    [("Short1!", False), ("alllowercase", False), ("lower123456", False), ("Lower1234", True), ("lower12!@#", True)],
)
def test_it_enforces_the_password_policy(world: World, password: str, ok: bool) -> None:
    if ok:
        user = actions.create_account(actor=world.sysadmin, username="newbie", full_name="新人", password=password)
        assert user.check_password(password)
    else:
        with pytest.raises(Invalid) as exc:
            actions.create_account(actor=world.sysadmin, username="newbie", full_name="新人", password=password)
        assert "密码" in exc.value.errors["password"]
        assert not User.objects.filter(username="newbie").exists()


def test_it_hashes_with_argon2_and_ends_idle_sessions() -> None:
    from lvzhi import settings as base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY


def test_it_passes_check_deploy_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lvzhi.settings.production",
        "SECRET_KEY": "x" * 30 + "-production-secret-key-for-check-deploy-" + "y" * 20,
        "ALLOWED_HOSTS": "lvzhi.example.gov.cn",
        "LVZHI_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_splits_administration_three_ways(world: World) -> None:
    target = actions.create_account(actor=world.sysadmin, username="u1", full_name="甲", password=PASSWORD)
    assert target.role == Role.NONE
    # The system administrator cannot grant roles, the security administrator cannot create
    # accounts, the auditor can do neither.
    with pytest.raises(Forbidden):
        actions.grant_role(actor=world.sysadmin, user=target, role=Role.OFFICE, organisation=world.county)
    for actor in (world.secadmin, world.auditor, world.alice):
        with pytest.raises(Forbidden):
            actions.create_account(actor=actor, username="u2", full_name="乙", password=PASSWORD)
    with pytest.raises(Forbidden):
        actions.grant_role(actor=world.auditor, user=target, role=Role.OFFICE, organisation=world.county)
    # Nobody grants themself anything.
    with pytest.raises(Invalid):
        actions.grant_role(actor=world.secadmin, user=world.secadmin, role=Role.OFFICE, organisation=world.county)
    # None of the three is an office clerk: no member data.
    for username in ("sysadmin", "secadmin", "auditor"):
        c = Client()
        c.login(username=username, password=PASSWORD)
        assert c.get("/members/").status_code == 404
        assert c.get(f"/members/{world.member.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("username", "allowed", "refused"),
    [
        ("sysadmin", ["/accounts/users/"], ["/accounts/roles/", "/audit/"]),
        ("secadmin", ["/accounts/roles/"], ["/accounts/users/", "/audit/"]),
        ("auditor", ["/audit/", "/audit/export/"], ["/accounts/users/", "/accounts/roles/"]),
        ("alice", ["/members/", "/organisations/"], ["/accounts/users/", "/accounts/roles/", "/audit/"]),
    ],
)
def test_it_gives_each_role_its_own_pages(world: World, username: str, allowed: list[str], refused: list[str]) -> None:
    c = Client()
    c.login(username=username, password=PASSWORD)
    for url in allowed:
        assert c.get(url).status_code == 200, url
    for url in refused:
        assert c.get(url).status_code in (403, 404), url


def test_it_shows_each_role_a_fitting_navigation(world: World) -> None:
    expected = {
        "alice": ["组织机构", "委员", "承办单位", "统计"],
        "leader": ["组织机构", "委员", "统计"],
        "member": ["我的履职档案"],
        "unit": ["本单位"],
        "sysadmin": ["账号管理", "政协组织"],
        "secadmin": ["角色与权限"],
        "auditor": ["审计日志"],
    }
    for username, labels in expected.items():
        c = Client()
        c.login(username=username, password=PASSWORD)
        page = c.get("/").content.decode()
        for label in labels:
            assert f">{label}</a>" in page, (username, label)
        if username not in ("sysadmin", "alice", "leader"):
            assert ">委员</a>" not in page, username


def test_it_lets_the_security_admin_grant_roles_through_the_page(world: World) -> None:
    target = actions.create_account(actor=world.sysadmin, username="newclerk", full_name="新文员", password=PASSWORD)
    c = Client()
    c.login(username="secadmin", password=PASSWORD)
    bad = c.post(f"/accounts/roles/{target.pk}/", {"role": "office"})
    assert "须指定所属政协" in bad.content.decode()
    ok = c.post(f"/accounts/roles/{target.pk}/", {"role": "office", "organisation": world.county.pk})
    assert ok.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.OFFICE and target.organisation == world.county
    entry = AuditEntry.objects.filter(action="account.grant_role", object_id=str(target.pk)).get()
    assert entry.changes["after"]["role"] == "office" and entry.actor_name == "secadmin"


def test_it_lets_the_system_admin_create_and_disable_accounts(world: World) -> None:
    c = Client()
    c.login(username="sysadmin", password=PASSWORD)
    weak = c.post("/accounts/users/", {"username": "zz", "full_name": "张", "password": "123"})
    assert "密码" in weak.content.decode() and not User.objects.filter(username="zz").exists()
    c.post("/accounts/users/", {"username": "zz", "full_name": "张", "password": "Zz@123456"})
    zz = User.objects.get(username="zz")
    c.post(f"/accounts/users/{zz.pk}/toggle/")
    zz.refresh_from_db()
    assert not zz.is_active
    assert not Client().login(username="zz", password="Zz@123456")
