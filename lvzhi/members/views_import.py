"""导入委员: upload a spreadsheet, see every bad row (dry run), then import all rows or only
the valid ones. The uploaded file is kept under UPLOAD_DIR under a random token that the
session binds to the uploading user; the confirmation re-reads that file."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lvzhi.accounts.models import User
from lvzhi.accounts.scoping import managed_organisation_ids
from lvzhi.core.excel import ACCEPTED_EXTENSIONS, UNREADABLE
from lvzhi.core.http import action_errors
from lvzhi.core.importing import ImportReport, Mode
from lvzhi.members.imports import MemberImporter
from lvzhi.organisations.models import Organisation

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SESSION_KEY = "member_imports"
KEEP_UPLOADS = 5  # pending uploads remembered per session


def _managed(user: User) -> Any:
    return Organisation.objects.filter(pk__in=managed_organisation_ids(user)).order_by("path")


def _upload_dir() -> Path:
    path = Path(settings.UPLOAD_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _store(request: HttpRequest, user: User, org: Organisation, upload: Any, simplify: bool) -> dict[str, Any]:
    token = secrets.token_urlsafe(24)
    extension = Path(upload.name).suffix.lower()
    path = _upload_dir() / f"u{user.pk}-{token}{extension}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    pending: dict[str, dict[str, Any]] = request.session.get(SESSION_KEY, {})
    while len(pending) >= KEEP_UPLOADS:  # forget (and delete) the oldest pending upload
        oldest = next(iter(pending))
        Path(pending.pop(oldest)["path"]).unlink(missing_ok=True)
    entry = {
        "token": token,
        "path": str(path),
        "user": user.pk,
        "organisation": org.pk,
        "simplify": simplify,
        "filename": upload.name,
    }
    pending[token] = entry
    request.session[SESSION_KEY] = pending
    return entry


def _pending(request: HttpRequest, user: User, token: str) -> dict[str, Any]:
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if not token or entry is None or entry.get("user") != user.pk or not Path(entry["path"]).is_file():
        raise Http404()
    return entry


def _forget(request: HttpRequest, token: str) -> None:
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(token, None)
    if entry is not None:
        Path(entry["path"]).unlink(missing_ok=True)
        request.session[SESSION_KEY] = pending


@login_required
@action_errors
@require_http_methods(["GET", "POST"])
def member_import(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    managed = _managed(user)
    if not managed:
        raise Http404()
    context: dict[str, Any] = {"managed": managed, "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
    if request.method == "GET":
        code = request.GET.get("organisation") or (user.organisation.code if user.organisation else "")
        context["org"] = managed.filter(code=code).first() or managed.first()
        return render(request, "members/import.html", context)

    if request.POST.get("token"):
        return _confirm(request, user, managed, context)

    org = managed.filter(code=request.POST.get("organisation", "")).first()
    if org is None:
        raise Http404()
    simplify = bool(request.POST.get("simplify"))
    context.update(org=org, simplify=simplify)
    upload = request.FILES.get("file")
    error = ""
    if upload is None:
        error = _("请选择要上传的文件")
    elif upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        error = _("文件超过%(max_mb)sMB，请拆分成几个文件分批导入") % {"max_mb": context["max_mb"]}
    elif Path(upload.name or "").suffix.lower() not in ACCEPTED_EXTENSIONS:
        error = UNREADABLE
    if error:
        context["upload_error"] = error
        return render(request, "members/import.html", context, status=400)
    entry = _store(request, user, org, upload, simplify)
    importer = MemberImporter(actor=user, organisation=org, simplify=simplify)
    report = importer.run(entry["path"], entry["filename"], dry_run=True)
    if report.file_errors:
        _forget(request, entry["token"])
    context.update(report=report, token=entry["token"], filename=entry["filename"])
    return render(request, "members/import.html", context)


def _confirm(request: HttpRequest, user: User, managed: Any, context: dict[str, Any]) -> HttpResponse:
    entry = _pending(request, user, request.POST.get("token", ""))
    org = managed.filter(pk=entry["organisation"]).first()
    if org is None:
        raise Http404()
    mode = Mode.VALID_ONLY if request.POST.get("mode") == Mode.VALID_ONLY else Mode.ALL
    importer = MemberImporter(actor=user, organisation=org, simplify=entry["simplify"])
    report: ImportReport = importer.run(entry["path"], entry["filename"], mode=mode)
    context.update(org=org, simplify=entry["simplify"], report=report, filename=entry["filename"])
    if report.saved:
        _forget(request, entry["token"])
        context["done"] = True
    else:
        context["token"] = entry["token"]
        context["not_saved"] = True
    return render(request, "members/import.html", context)


@login_required
@action_errors
def member_template(request: HttpRequest) -> HttpResponse:
    """The .xlsx template; with ?organisation= its notes list that committee's sectors."""
    user: User = request.user  # type: ignore[assignment]
    managed = _managed(user)
    if not managed:
        raise Http404()
    org = None
    if request.GET.get("organisation"):
        org = managed.filter(code=request.GET["organisation"]).first()
        if org is None:
            raise Http404()
    content = MemberImporter.template(org)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(MemberImporter.template_name)}"
    return response
