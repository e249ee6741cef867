"""A small framework for importing spreadsheets, shared by every kind of import (members,
later proposals, households...). A kind subclasses `Importer`, says which fields it has and
how to validate and save one row, and registers itself in `IMPORTERS`.

The policy is the same for every kind:

1. the header cells are matched to fields by label or alias; missing required columns are
   a file-level error, unknown columns only a warning;
2. every row is validated before anything is saved; a key seen twice in the same file
   (an ID number...) is an error on the later row naming the earlier one;
3. if any row is invalid and the mode is not 'valid_only', nothing is saved; otherwise all
   valid rows are saved inside one transaction, so a failure half-way saves nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from django.db import transaction

from lvzhi.core.errors import Invalid
from lvzhi.core.excel import Row, SpreadsheetError, TemplateColumn, read_rows, write_template
from lvzhi.core.text import clean, clean_compact, to_simplified

if TYPE_CHECKING:
    from lvzhi.accounts.models import User
    from lvzhi.organisations.models import Organisation

Progress = Callable[[int, int], None]
HEADER_SEARCH_ROWS = 5  # a title row or two above the header is common in hand-made sheets


class FieldSpec(Protocol):
    """What the framework needs of a field (e.g. `lvzhi.members.validation.Field`)."""

    @property
    def key(self) -> str: ...

    @property
    def label(self) -> str: ...

    @property
    def required(self) -> bool: ...

    @property
    def aliases(self) -> tuple[str, ...]: ...


class Mode(enum.StrEnum):
    ALL = "all"  # all rows or nothing
    VALID_ONLY = "valid_only"  # save the valid rows, skip the others


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number as the user sees it (the header is row 1)
    column: str  # the column header as written in the file ("" for the whole row)
    message: str  # Chinese reason

    def __str__(self) -> str:
        return f"第{self.row}行 [{self.column}] {self.message}" if self.column else f"第{self.row}行 {self.message}"


@dataclass
class ImportReport:
    kind: str = ""
    filename: str = ""
    mode: str = Mode.ALL
    dry_run: bool = False
    total: int = 0  # non-empty data rows
    valid: int = 0
    file_errors: list[str] = field(default_factory=list)  # the file as a whole is refused
    warnings: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    saved: bool = False

    @property
    def invalid(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors or self.errors)

    @property
    def can_import_all(self) -> bool:
        return not self.has_errors and self.valid > 0

    @property
    def can_import_valid(self) -> bool:
        return not self.file_errors and bool(self.errors) and self.valid > 0

    @property
    def rejected(self) -> bool:
        """Nothing would be (or was) saved because of errors."""
        if self.file_errors or self.valid == 0:
            return True
        return bool(self.errors) and self.mode != Mode.VALID_ONLY

    def summary(self) -> str:
        if self.saved:
            return f"已导入：新增{self.created}条，更新{self.updated}条，未变化{self.unchanged}条"
        text = f"共{self.total}行，有效{self.valid}行，有错误{self.invalid}行"
        return text + ("（试运行，未保存）" if self.dry_run else "")


def header_key(value: object) -> str:
    """A header cell reduced for matching: half-width, no spaces, no required-marks."""
    text = clean_compact(value)
    for mark in ("(必填)", "(选填)", "【必填】", "*"):
        text = text.replace(mark, "")
    return text.lower()


class _Rollback(Exception):
    """Leave the import transaction without saving anything."""


IMPORTERS: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    """Class decorator: make the kind known to `import_data` and the pages."""
    if not cls.kind:
        raise ValueError(f"{cls.__name__} has no kind")
    IMPORTERS[cls.kind] = cls
    return cls


def load_importers() -> dict[str, type[Importer]]:
    """Import every installed app's `imports` module so their importers register."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("imports")
    return IMPORTERS


class Importer:
    """One kind of import. Subclasses set the class attributes and implement
    `validate_row` and `save_row`; `authorise` runs before anything else."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""  # what is imported, in Chinese: 委员
    fields: ClassVar[Sequence[FieldSpec]] = ()
    key_field: ClassVar[str | None] = None  # duplicate values of this field in one file are errors
    template_name: ClassVar[str] = "导入模板.xlsx"

    def __init__(
        self,
        *,
        actor: User,
        organisation: Organisation,
        simplify: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.actor = actor
        self.organisation = organisation
        self.simplify = simplify
        self.progress = progress

    # -- to implement -----------------------------------------------------------------------

    def authorise(self) -> None:
        """Raise NotFound / Forbidden if the actor may not import into the organisation."""

    def validate_row(self, raw: Mapping[str, object]) -> tuple[dict[str, Any], dict[str, str]]:
        """(clean data, errors by field key)."""
        raise NotImplementedError

    def save_row(self, data: dict[str, Any]) -> Outcome:
        raise NotImplementedError

    def row_key(self, data: Mapping[str, Any]) -> str | None:
        if self.key_field is None:
            return None
        value = data.get(self.key_field)
        return str(value) if value not in (None, "") else None

    @classmethod
    def template_columns(cls, organisation: Organisation | None = None) -> list[TemplateColumn]:
        return [TemplateColumn(f.label, f.required, example=str(getattr(f, "example", "") or "")) for f in cls.fields]

    @classmethod
    def template(cls, organisation: Organisation | None = None) -> bytes:
        return write_template(cls.template_columns(organisation), sheet_title=cls.title or "导入数据")

    # -- the policy -------------------------------------------------------------------------

    def _field_lookup(self) -> dict[str, FieldSpec]:
        lookup: dict[str, FieldSpec] = {}
        for f in self.fields:
            for name in (f.key, f.label, *f.aliases):
                lookup.setdefault(header_key(name), f)
        return lookup

    def _match(self, cell: object, lookup: Mapping[str, FieldSpec]) -> FieldSpec | None:
        key = header_key(cell)
        return lookup.get(key) or lookup.get(header_key(to_simplified(key)))

    def _find_header(self, rows: list[Row], lookup: Mapping[str, FieldSpec]) -> int:
        """Index of the header row: among the first few rows, the one naming most fields."""
        best, best_hits = 0, 0
        for index, (_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
            hits = len({f.key for cell in cells if (f := self._match(cell, lookup)) is not None})
            if hits > best_hits:
                best, best_hits = index, hits
        return best

    def map_columns(self, header: Sequence[object], report: ImportReport) -> dict[int, FieldSpec]:
        """Column index -> field; file errors and warnings go into the report."""
        lookup = self._field_lookup()
        columns: dict[int, FieldSpec] = {}
        seen: dict[str, str] = {}
        for index, cell in enumerate(header):
            text = clean(cell)
            if not text:
                continue
            f = self._match(text, lookup)
            if f is None:
                report.warnings.append(f"未识别的列“{text}”，该列将被忽略")
                continue
            if f.key in seen:
                report.file_errors.append(f"“{seen[f.key]}”和“{text}”两列都表示{f.label}，请只保留一列")
                continue
            seen[f.key] = text
            columns[index] = f
        missing = [f.label for f in self.fields if f.required and f.key not in seen]
        if missing:
            report.file_errors.append(f"缺少必填列：{'、'.join(missing)}。请使用导入模板，第一行为列名")
        return columns

    def read_sheet(
        self, source: str | Path | bytes, filename: str, report: ImportReport
    ) -> tuple[dict[str, str], list[tuple[int, dict[str, Any]]]] | None:
        """The file's data rows as (row number, {field key: cell}) and the header text of
        each field's column; None when the file is refused (the reason is in the report)."""
        grid = self.read_grid(source, filename, report)
        if grid is None:
            return None
        headers, columns, data_rows = grid
        pairs = list(columns.items())
        mapped = [
            (number, {key: cells[i] if i < len(cells) else None for key, i in pairs}) for number, cells in data_rows
        ]
        return headers, mapped

    def read_grid(
        self, source: str | Path | bytes, filename: str, report: ImportReport
    ) -> tuple[dict[str, str], dict[str, int], list[Row]] | None:
        """As `read_sheet`, without a dict per row (for imports of millions of rows): the
        header text of each field's column, {field key: column index}, and the data rows as
        (row number, cells); a row may be shorter than the header (trailing blanks)."""
        try:
            rows = read_rows(source, filename)
        except SpreadsheetError as exc:
            report.file_errors.append(str(exc))
            return None
        if not rows:
            report.file_errors.append("文件中没有任何内容")
            return None
        header_index = self._find_header(rows, self._field_lookup())
        header_cells = rows[header_index][1]
        columns = self.map_columns(header_cells, report)
        if report.file_errors:
            return None
        data_rows = rows[header_index + 1 :]
        if not data_rows:
            report.file_errors.append("文件中只有列名，没有数据行")
            return None
        headers = {f.key: clean(header_cells[i]) for i, f in columns.items()}
        return headers, {f.key: i for i, f in columns.items()}, data_rows

    def run(
        self,
        source: str | Path | bytes,
        filename: str = "",
        *,
        mode: str = Mode.ALL,
        dry_run: bool = False,
    ) -> ImportReport:
        """Validate the whole file, then (unless dry run or refused) save in one transaction."""
        self.authorise()
        report = ImportReport(kind=self.kind, filename=filename, mode=Mode(mode), dry_run=dry_run)
        sheet = self.read_sheet(source, filename, report)
        if sheet is None:
            return report
        headers, data_rows = sheet
        valid: list[tuple[int, dict[str, Any]]] = []
        first_seen: dict[str, int] = {}
        report.total = len(data_rows)
        for number, raw in data_rows:
            data, errors = self.validate_row(raw)
            row_errors = [RowError(number, self._column(key, headers), message) for key, message in errors.items()]
            key = self.row_key(data) if self.key_field and self.key_field not in errors else None
            if key is not None:
                if key in first_seen:
                    label = self._label(self.key_field or "")
                    row_errors.append(
                        RowError(
                            number, self._column(self.key_field or "", headers), f"与第{first_seen[key]}行的{label}重复"
                        )
                    )
                else:
                    first_seen[key] = number
            if row_errors:
                report.errors.extend(row_errors)
            else:
                valid.append((number, data))
        report.valid = len(valid)
        if dry_run or report.rejected:
            return report
        self._save(valid, report, headers)
        return report

    def _label(self, key: str) -> str:
        return next((f.label for f in self.fields if f.key == key), key)

    def _column(self, key: str, headers: Mapping[str, str]) -> str:
        return headers.get(key) or self._label(key)

    def _save(self, valid: list[tuple[int, dict[str, Any]]], report: ImportReport, headers: Mapping[str, str]) -> None:
        counts = {outcome: 0 for outcome in Outcome}
        total = len(valid)
        save_errors: list[RowError] = []
        if self.progress:
            self.progress(0, total)
        try:
            with transaction.atomic():
                for done, (number, data) in enumerate(valid, start=1):
                    try:
                        with transaction.atomic():  # a savepoint: a refused row leaves the others intact
                            counts[self.save_row(data)] += 1
                    except Invalid as exc:
                        for key, message in (exc.errors or {"": exc.message}).items():
                            save_errors.append(RowError(number, self._column(key, headers) if key else "", message))
                    if self.progress:
                        self.progress(done, total)
                if save_errors and report.mode != Mode.VALID_ONLY:
                    raise _Rollback()
        except _Rollback:
            pass
        else:
            report.created = counts[Outcome.CREATED]
            report.updated = counts[Outcome.UPDATED]
            report.unchanged = counts[Outcome.UNCHANGED]
            report.saved = report.created + report.updated + report.unchanged > 0
        report.errors.extend(save_errors)
        report.errors.sort(key=lambda e: e.row)
        report.valid -= len({e.row for e in save_errors})
