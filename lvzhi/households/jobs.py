"""The household import as a background job (导入任务): a province-sized register takes
minutes, so the upload page stores the file, creates an `ImportJob` and enqueues
`run_import_job`; the job page polls the progress the task writes into the job row.

Writes go through `start_import` and `import_valid_rows` (each checks access through the
importer's own `authorise`, audits and enqueues). The file stays under
settings.UPLOAD_DIR/imports (never MEDIA_ROOT, which may be served: it holds ID numbers)
until an import saved every row, so "仅导入有效行" and the error-rows sheet can re-read it."""

from __future__ import annotations

import io
import logging
import secrets
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django_tasks import task

from lvzhi.accounts.scoping import can_see_personal_data, managed_organisation_ids
from lvzhi.audit.log import record
from lvzhi.core.errors import ActionError, Conflict, Invalid, NotFound
from lvzhi.core.excel import SpreadsheetError, read_rows
from lvzhi.core.importing import ImportReport, Mode
from lvzhi.households.loading import HouseholdImporter
from lvzhi.households.models import ImportJob, JobStatus

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from lvzhi.accounts.models import User
    from lvzhi.organisations.models import Organisation

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 5000  # row errors kept in the report (the page and the error sheet)
FAILED = "导入失败：系统出现错误，请稍后重试或联系系统管理员"


def upload_dir() -> Path:
    path = Path(settings.UPLOAD_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_file(job: ImportJob) -> Path:
    return Path(settings.UPLOAD_DIR) / job.file_path


def visible_job(user: User, pk: int) -> ImportJob:
    """A job of a committee the user manages; any other answers NotFound, like a missing one."""
    job = (
        ImportJob.objects.select_related("organisation", "created_by")
        .filter(pk=pk, organisation_id__in=managed_organisation_ids(user))
        .first()
    )
    if job is None:
        raise NotFound()
    return job


def start_import(*, actor: User, organisation: Organisation, upload: UploadedFile) -> ImportJob:
    """Store the uploaded file and queue its import (all rows or nothing)."""
    HouseholdImporter(actor=actor, organisation=organisation).authorise()
    name = upload.name or "upload.xlsx"
    relative = Path("imports") / f"households-{organisation.pk}-{secrets.token_urlsafe(16)}{Path(name).suffix.lower()}"
    upload_dir()
    with (Path(settings.UPLOAD_DIR) / relative).open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return _queue(actor, organisation, str(relative), name, Mode.ALL, None)


def import_valid_rows(*, actor: User, job: ImportJob) -> ImportJob:
    """仅导入有效行: a new job on the same file that saves the households without a bad row."""
    HouseholdImporter(actor=actor, organisation=job.organisation).authorise()
    if job.status != JobStatus.DONE or not job.report.get("can_import_valid"):
        raise Conflict("该导入任务没有可以单独导入的有效行")
    if not job_file(job).is_file():
        raise Invalid({"file": "原文件已不存在，请重新上传"})
    return _queue(actor, job.organisation, job.file_path, job.filename, Mode.VALID_ONLY, job)


def _queue(
    actor: User, organisation: Organisation, file_path: str, filename: str, mode: Mode, source: ImportJob | None
) -> ImportJob:
    with transaction.atomic():
        job = ImportJob.objects.create(
            organisation=organisation,
            file_path=file_path,
            filename=filename[:255],
            mode=mode,
            source_job=source,
            created_by=actor,
        )
        record(
            actor=actor,
            action="households.import_job",
            obj=job,
            organisation_id=organisation.pk,
            changes={"filename": job.filename, "mode": str(mode), "source_job": source.pk if source else None},
        )
        # After the commit, so a worker never picks up a job whose row it cannot read yet.
        transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job


class _Progress:
    """Writes done/total into the job row at most about once per 1% of the rows.

    While the import saves, its connection is inside the save's transaction: a progress row
    written through it would show only at the commit (and on PostgreSQL it waits for the
    writer thread's COPY). On PostgreSQL it is written through a second connection of its
    own, so the page's bar moves during the save too; SQLite allows one writer at a time,
    so there the bar waits at the checks' end until the commit (the command line's bar moves
    on both)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.last = -1
        self._side: Any = None

    def __call__(self, done: int, total: int) -> None:
        if done < total and done - self.last < max(1, total // 100):
            return
        self.last = done
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job_id).update(done=done, total=total)
            return
        if connection.vendor != "postgresql":
            return
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        with self._side.cursor() as cursor:  # autocommit
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET done = %s, total = %s WHERE id = %s", [done, total, self.job_id]
            )

    def close(self) -> None:
        if self._side is not None:
            self._side.close()


def report_data(report: ImportReport) -> dict[str, Any]:
    """The report as stored in the job (JSON)."""
    return {
        "summary": report.summary(),
        "mode": str(report.mode),
        "total": report.total,
        "valid": report.valid,
        "invalid": report.invalid,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "saved": report.saved,
        "can_import_valid": report.can_import_valid and report.mode == Mode.ALL and not report.saved,
        "error_count": len(report.errors),
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in report.errors[:MAX_STORED_ERRORS]],
        "warnings": report.warnings,
        "file_errors": report.file_errors,
    }


def _finish(job_id: int, status: JobStatus, **fields: Any) -> None:
    ImportJob.objects.filter(pk=job_id).update(status=status, finished_at=timezone.now(), **fields)


@task()
def run_import_job(job_id: int) -> str:
    """Run one queued job; a job already started (a second worker, a retry) is left alone."""
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    job = ImportJob.objects.select_related("organisation", "created_by").get(pk=job_id)
    if job.created_by is None:
        _finish(job_id, JobStatus.FAILED, error="上传人的账号已不存在")
        return JobStatus.FAILED
    progress = _Progress(job_id)
    importer = HouseholdImporter(actor=job.created_by, organisation=job.organisation, progress=progress)
    try:
        report = importer.run(job_file(job), job.filename, mode=job.mode)
    except ActionError as exc:  # access withdrawn since the upload, a city chosen...
        _finish(job_id, JobStatus.FAILED, error=str(exc) if isinstance(exc, Invalid) else exc.message)
        return JobStatus.FAILED
    except Exception:
        logger.exception("household import job %s failed", job_id)
        _finish(job_id, JobStatus.FAILED, error=FAILED)
        return JobStatus.FAILED
    finally:
        progress.close()
    data = report_data(report)
    _finish(job_id, JobStatus.DONE, report=data, done=report.total, total=report.total)
    if report.saved and not report.errors:
        job_file(job).unlink(missing_ok=True)  # nothing left to re-read; do not keep ID numbers around
    return JobStatus.DONE


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def error_rows_workbook(job: ImportJob, *, actor: User) -> bytes:
    """The rows that had errors, as in the uploaded file, with a last column giving every
    reason: the sheet to correct and upload again. A user who neither uploaded the file nor
    may see personal data gets the row numbers and reasons only (the cells hold ID numbers)."""
    with_cells = actor.pk == job.created_by_id or can_see_personal_data(actor)
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    reasons: dict[int, list[str]] = defaultdict(list)
    for e in job.report.get("errors", []):
        reasons[e["row"]].append(f"{e['column']}：{e['message']}" if e["column"] else e["message"])
    header: list[Any] = []
    cells_by_row: dict[int, list[Any]] = {}
    try:
        rows = read_rows(job_file(job), job.filename) if with_cells else []
    except SpreadsheetError:
        rows = []  # the file is gone: the sheet lists the row numbers and reasons only
    if rows:
        importer = HouseholdImporter(actor=actor, organisation=job.organisation)
        header = rows[importer._find_header(rows, importer._field_lookup())][1]
        cells_by_row = {number: cells for number, cells in rows if number in reasons}

    book = Workbook()
    sheet = book.active
    sheet.title = "错误行"
    sheet.append(["原行号", *header, "错误原因"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    width = len(header)
    for number in sorted(reasons):
        cells = list(cells_by_row.get(number, []))[:width]
        cells += [None] * (width - len(cells))
        sheet.append([number, *map(_cell, cells), "\n".join(reasons[number])])
        sheet.cell(row=sheet.max_row, column=width + 2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions[sheet.cell(row=1, column=width + 2).column_letter].width = 60
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
