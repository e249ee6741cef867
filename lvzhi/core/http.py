"""View helpers: turn action errors into responses, paginate, and tell HTMX requests apart."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from lvzhi.core.errors import Forbidden, NotFound
from lvzhi.core.excel import XLSX


def action_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """NotFound -> 404 page, Forbidden -> 403 page; other errors are handled by the view."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from None
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from None

    return wrapper


def attachment(content: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    """A download under its (Chinese) file name."""
    from urllib.parse import quote

    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


_METHODS = {"GET": "查询", "POST": "提交", "PUT": "替换", "PATCH": "修改", "DELETE": "删除"}


def api_json_errors(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware: under /api/ a wrong method answers JSON with a Chinese ``detail`` like every
    other API error (Django Ninja's own answer is the plain text "Method not allowed"); the
    Allow header is kept."""
    from django.http import JsonResponse

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if (
            response.status_code == 405
            and request.path.startswith("/api/")
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
            names = "、".join(f"{m}（{_METHODS.get(m, m)}）" for m in allowed)
            answer = JsonResponse(
                {"detail": f"此地址不支持{request.method}请求" + (f"，可用：{names}" if names else "")},
                status=405,
                json_dumps_params={"ensure_ascii": False},
            )
            answer["Allow"] = ", ".join(allowed)
            return answer
        return response

    return middleware
