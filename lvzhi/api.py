"""The JSON API under /api/v1/ (Django Ninja). Session auth for pages, bearer tokens for
scripts; every endpoint uses the same actions and scoping as the pages.

Every error answers JSON with a Chinese ``detail``: action errors keep their status and
field errors, request validation answers 422, anything missing or out of scope 404.

The interactive docs page is off: Ninja's Swagger UI loads from a CDN, which the intranet
cannot reach. The schema stays at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import django_auth

from lvzhi.accounts.api import BearerTokenAuth
from lvzhi.accounts.api import router as auth_router
from lvzhi.assistance.api import router as assistance_router
from lvzhi.core.errors import ActionError
from lvzhi.members.api import router as members_router
from lvzhi.organisations.api import router as organisations_router
from lvzhi.proposals import api as proposals_api


class Renderer(JSONRenderer):
    """UTF-8 JSON with Chinese as is, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="履职平台 API",
    version="1",
    urls_namespace="api",
    docs_url=None,
    renderer=Renderer(),
    # Bearer first: a script's POST carries no cookies and must not be refused by the session
    # auth's CSRF check. Session auth (for the pages' own scripts) enforces CSRF.
    auth=[BearerTokenAuth(), django_auth],
)

api.add_router("/auth", auth_router, tags=["认证"])
api.add_router("/", organisations_router, tags=["政协组织"])
api.add_router("/members", members_router, tags=["委员"])
api.add_router("/proposals", proposals_api.router, tags=["提案"])
api.add_router("/assignments", proposals_api.assignments_router, tags=["提案办理"])
api.add_router("/replies", proposals_api.replies_router, tags=["提案办理"])
api.add_router("/assistance", assistance_router, tags=["脱贫攻坚助推行动"])
api.add_router("/extensions", proposals_api.extensions_router, tags=["提案办理"])

# Unknown paths under /api/v1/ answer JSON too (registered last so it shadows nothing).
_fallback = Router()


@_fallback.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False)
def not_found(request: HttpRequest, rest: str) -> None:
    raise Http404()


api.add_router("/", _fallback)


# -- errors ------------------------------------------------------------------------------

NOT_FOUND = "对象不存在"
UNAUTHENTICATED = "未登录或令牌无效"

_HTTP_MESSAGES = {
    "CSRF check Failed": "CSRF校验失败，请刷新页面后重试",
    "Forbidden": "没有执行此操作的权限",
    "Unauthorized": UNAUTHENTICATED,
    "Too many requests.": "请求过于频繁，请稍后再试",
    "Cannot parse request body": "请求体不是有效的JSON",
}

_STATUS_MESSAGES = {400: "请求有误", 401: UNAUTHENTICATED, 403: "没有执行此操作的权限", 404: NOT_FOUND}

# pydantic error types -> Chinese.
_VALIDATION_MESSAGES = {
    "missing": "此项为必填项",
    "extra_forbidden": "不支持的字段",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "bool_parsing": "应为布尔值",
    "bool_type": "应为布尔值",
    "string_type": "应为字符串",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "greater_than_equal": "数值过小",
    "greater_than": "数值过小",
    "less_than_equal": "数值过大",
    "less_than": "数值过大",
    "json_invalid": "JSON格式有误",
    "model_attributes_type": "请求体应为JSON对象",
    "dict_type": "请求体应为JSON对象",
    "model_type": "请求体应为JSON对象",
    "date_parsing": "日期格式有误",
    "date_from_datetime_parsing": "日期格式有误",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
}


def _validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "loc": [part for part in error.get("loc", ()) if isinstance(part, str | int)],
            "type": error.get("type", ""),
            "msg": _VALIDATION_MESSAGES.get(str(error.get("type", "")), "取值无效"),
        }
        for error in errors
    ]


@api.exception_handler(ActionError)
def on_action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message, "errors": exc.errors}, status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    body = {"detail": "请求参数有误", "errors": _validation_errors(exc.errors)}
    return api.create_response(request, body, status=422)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": NOT_FOUND}, status=404)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": UNAUTHENTICATED}, status=401)


@api.exception_handler(AuthorizationError)
def on_forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return api.create_response(request, {"detail": _HTTP_MESSAGES["Forbidden"]}, status=exc.status_code)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja's own errors carry English messages: say them in Chinese.
    detail = next(
        (chinese for english, chinese in _HTTP_MESSAGES.items() if exc.message.startswith(english)),
        _STATUS_MESSAGES.get(exc.status_code, "请求无法处理"),
    )
    return api.create_response(request, {"detail": detail}, status=exc.status_code)
