"""API authentication over real HTTP: bearer tokens (issue, use, expiry, lockout), session
auth with CSRF, and Chinese JSON for every error."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from lvzhi.accounts import actions as account_actions
from lvzhi.accounts.models import ApiToken
from lvzhi.audit.models import AuditEntry
from lvzhi.testing import PASSWORD, World

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
ME_URL = "/api/v1/auth/me"


def post_token(client: Client, username: str, password: str) -> Any:
    return client.post(TOKEN_URL, {"username": username, "password": password}, content_type="application/json")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_it_issues_a_token_that_authenticates_later_requests(world: World) -> None:
    client = Client()
    response = post_token(client, "alice", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    token = body["token"]
    assert token.startswith("lvz_") and body["expires_at"]
    stored = ApiToken.objects.get(user=world.alice)
    assert stored.digest == ApiToken.digest_of(token) and token not in (stored.digest, stored.prefix)
    assert stored.last_used_at is None

    me = Client().get(ME_URL, headers=bearer(token))
    assert me.status_code == 200
    assert me.json() == {
        "username": "alice",
        "full_name": "林晓",
        "role": "office",
        "role_display": "机关工作人员",
        "organisation": "dcx",
        "organisation_name": "东城县政协",
        "handling_unit_id": None,
        "can_view_personal_data": True,
    }
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_it_audits_token_issue_as_an_api_login(world: World) -> None:
    post_token(Client(), "alice", PASSWORD)
    entries = AuditEntry.objects.filter(actor=world.alice, action__in=["login.success", "api_token.issue"])
    assert {e.action for e in entries} == {"login.success", "api_token.issue"}
    assert {e.source for e in entries} == {"api"}


def test_it_refuses_a_wrong_password_in_chinese(world: World) -> None:
    response = post_token(Client(), "alice", "wrong-password")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "用户名或密码错误" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_it_refuses_an_unknown_user_like_a_wrong_password(world: World) -> None:
    response = post_token(Client(), "nobody", PASSWORD)
    assert response.status_code == 401
    assert "用户名或密码错误" in response.json()["detail"]


def test_it_locks_the_account_after_five_failures(world: World) -> None:
    client = Client()
    for _ in range(5):
        assert post_token(client, "alice", "wrong-password").status_code == 401
    response = post_token(client, "alice", PASSWORD)  # the right password, too late
    assert response.status_code == 423
    assert "锁定" in response.json()["detail"]
    assert not ApiToken.objects.exists()
    world.alice.refresh_from_db()
    assert world.alice.is_locked()


@pytest.mark.parametrize("header", ["Bearer lvz_garbage", "Bearer ", "Token abc", "Bearer lvz_a b"])
def test_it_refuses_garbage_tokens(world: World, header: str) -> None:
    response = Client().get(ME_URL, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json() == {"detail": "未登录或令牌无效"}


def test_it_refuses_anonymous_requests(world: World) -> None:
    for url in (ME_URL, "/api/v1/members", "/api/v1/organisations", "/api/v1/handling-units"):
        response = Client().get(url)
        assert response.status_code == 401, url
        assert response.json()["detail"] == "未登录或令牌无效"


def test_it_refuses_an_expired_token(world: World) -> None:
    token = ApiToken.issue(world.alice)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = Client().get(ME_URL, headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["detail"] == "未登录或令牌无效"


def test_it_refuses_the_token_of_a_disabled_account(world: World) -> None:
    token = ApiToken.issue(world.alice)
    assert Client().get(ME_URL, headers=bearer(token)).status_code == 200
    account_actions.set_account_active(actor=world.sysadmin, user=world.alice, active=False)
    assert Client().get(ME_URL, headers=bearer(token)).status_code == 401


def test_it_accepts_the_session_of_a_logged_in_user(world: World) -> None:
    client = Client()
    assert client.login(username="carol", password=PASSWORD)
    response = client.get(ME_URL)
    assert response.status_code == 200
    assert response.json()["organisation"] == "sys"


def _member_payload() -> dict[str, str]:
    from lvzhi.testing import make_id_number

    return {"organisation": "dcx", "name": "钱七", "id_number": make_id_number("53032519900505005")}


def test_it_refuses_a_session_post_without_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="alice", password=PASSWORD)
    response = client.post("/api/v1/members", _member_payload(), content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"] and "校验失败" in response.json()["detail"]
    assert not world.county.memberships.filter(person__name="钱七").exists()


def test_it_accepts_a_session_post_with_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="alice", password=PASSWORD)
    client.get("/")  # the page sets the CSRF cookie, as in the browser
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/members", _member_payload(), content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201, response.content


def test_it_needs_no_csrf_token_with_a_bearer_token(world: World) -> None:
    token = ApiToken.issue(world.alice)
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/members", _member_payload(), content_type="application/json", headers=bearer(token))
    assert response.status_code == 201, response.content


def test_it_lists_the_paths_in_openapi_json(world: World) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/auth/token", "/api/v1/members", "/api/v1/organisations", "/api/v1/handling-units"):
        assert path in paths
    assert "{rest}" not in " ".join(paths)


def test_it_serves_no_docs_page_from_a_cdn(world: World) -> None:
    """Swagger UI would load from a CDN the intranet cannot reach: the page is off."""
    response = Client().get("/api/v1/docs")
    assert response.status_code == 404
    assert "cdn" not in response.content.decode().lower()


def test_it_answers_every_error_in_chinese_json(world: World) -> None:
    token = ApiToken.issue(world.alice)
    client = Client()
    missing = client.get("/api/v1/no-such-thing", headers=bearer(token))
    assert (missing.status_code, missing.json()) == (404, {"detail": "对象不存在"})

    wrong_method = client.delete("/api/v1/assistance/figures", headers=bearer(token))
    assert wrong_method.status_code == 405 and wrong_method["Allow"] == "GET"
    assert wrong_method.json() == {"detail": "此地址不支持DELETE请求，可用：GET（查询）"}

    bad_json = client.post("/api/v1/members", "{not json", content_type="application/json", headers=bearer(token))
    assert bad_json.status_code == 400
    assert bad_json.json()["detail"] == "请求体不是有效的JSON"

    bad_query = client.get("/api/v1/members?page=zero", headers=bearer(token))
    assert bad_query.status_code == 422
    assert bad_query.json()["detail"] == "请求参数有误"
    assert bad_query.json()["errors"][0]["msg"] == "应为整数"
    assert bad_query.json()["errors"][0]["loc"] == ["query", "page"]

    missing_field = client.post(TOKEN_URL, {"username": "alice"}, content_type="application/json")
    assert missing_field.status_code == 422
    assert missing_field.json()["errors"][0]["msg"] == "此项为必填项"
    assert "utf-8" in missing_field["Content-Type"]
    assert "请求参数有误" in missing_field.content.decode()  # Chinese as is, not \\u escapes
