"""The audit administrator searches and exports the log; he changes nothing."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lvzhi.accounts.models import Role, User
from lvzhi.audit.log import record
from lvzhi.audit.models import AuditEntry
from lvzhi.core.dates import DateError, parse_date


def _search(request: HttpRequest) -> tuple[QuerySet[AuditEntry], dict[str, str], str]:
    f = {k: request.GET.get(k, "").strip() for k in ("actor", "action", "object", "request_id", "ip", "from", "to")}
    qs = AuditEntry.objects.select_related("organisation").all()
    if f["actor"]:
        qs = qs.filter(actor_name__icontains=f["actor"])
    if f["action"]:
        qs = qs.filter(action__startswith=f["action"])
    if f["object"]:
        qs = qs.filter(object_repr__icontains=f["object"])
    if f["request_id"]:
        qs = qs.filter(request_id=f["request_id"])
    if f["ip"]:
        qs = qs.filter(ip=f["ip"])
    error = ""
    try:
        if start := parse_date(f["from"]):
            qs = qs.filter(created_at__date__gte=start)
        if end := parse_date(f["to"]):
            qs = qs.filter(created_at__date__lte=end)
    except DateError as exc:
        error = str(exc)
    return qs, f, error


def _require_auditor(user: User) -> None:
    if user.role != Role.AUDITOR:
        raise PermissionDenied("只有审计管理员可以查看审计日志")


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    _require_auditor(user)
    qs, f, error = _search(request)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"page": page, "f": f, "error": error, "query": request.GET.urlencode()})


@login_required
def audit_export(request: HttpRequest) -> HttpResponse:
    import io

    from openpyxl import Workbook

    user: User = request.user  # type: ignore[assignment]
    _require_auditor(user)
    qs, f, _ = _search(request)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.append(["时间", "操作人", "IP地址", "来源", "操作", "对象类型", "对象编号", "对象", "请求编号", "变更内容"])
    for e in qs.iterator(chunk_size=2000):
        ws.append(
            [
                e.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                e.actor_name,
                e.ip or "",
                e.source,
                e.action,
                e.object_type,
                e.object_id,
                e.object_repr,
                e.request_id,
                str(e.changes),
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    record(actor=user, action="audit.export", changes={"filters": f})
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('审计日志.xlsx')}"
    return response
