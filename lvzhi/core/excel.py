"""Spreadsheets in and out for imports.

Reading: .xlsx/.xlsm/.xls/.ods through python-calamine, .csv through the csv module
(UTF-8 first, then GB18030, since WPS and Excel in China save CSV files in GBK). Rows keep
their spreadsheet numbers (the header is row 1, the first data row is row 2) so every error
can name the row the user sees; fully empty rows are skipped.

Writing: the import template (.xlsx, openpyxl), a data sheet with the header row and a
second sheet '填写说明' explaining every column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from lvzhi.core.text import clean

SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
CSV_EXTENSIONS = (".csv",)
ACCEPTED_EXTENSIONS = SPREADSHEET_EXTENSIONS + CSV_EXTENSIONS
UNREADABLE = "无法读取文件：请上传 .xlsx、.xls 或 .csv 文件"

_ZIP_MAGIC = b"PK\x03\x04"  # .xlsx, .xlsm, .ods
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls

Row = tuple[int, list[Any]]


class SpreadsheetError(ValueError):
    """The file cannot be read as a table; the message is for the user (Chinese)."""


@dataclass
class Table:
    header: list[str]
    rows: list[Row]
    header_row: int = 1


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _trim(cells: Sequence[Any]) -> list[Any]:
    out = list(cells)
    while out and _is_empty(out[-1]):
        out.pop()
    return out


def load_source(source: str | Path | bytes) -> bytes:
    """The file's bytes (an upload in memory or a stored path)."""
    if isinstance(source, bytes):
        return source
    try:
        return Path(source).read_bytes()
    except OSError:
        raise SpreadsheetError("无法读取文件：文件不存在或已被删除，请重新上传") from None


def _read_workbook(content: bytes) -> list[list[Any]]:
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        index = 0
        for i, meta in enumerate(workbook.sheets_metadata):
            if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet:
                index = i
                break
        sheet = workbook.get_sheet_by_index(index)
        # skip_empty_area=False: rows start at spreadsheet row 1 even if the top rows are blank.
        return sheet.to_python(skip_empty_area=False)
    except PasswordError:
        raise SpreadsheetError("无法读取文件：文件设置了密码，请取消密码保护后再上传") from None
    except (CalamineError, ValueError, IndexError):
        raise SpreadsheetError(UNREADABLE) from None


def decode_csv(content: bytes) -> str:
    """A CSV file's text: UTF-8 (with or without BOM), else GB18030 (WPS and Excel save GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise SpreadsheetError("无法读取文件：CSV 文件编码无法识别，请另存为 UTF-8 或 GBK 编码，或改用 .xlsx 文件")


def csv_delimiter(text: str) -> str:
    """Tab when the first line has more tabs than commas (a sheet pasted from Excel), else comma."""
    first_line = text.split("\n", 1)[0]
    return "\t" if first_line.count("\t") > first_line.count(",") else ","


def sheet_kind(content: bytes, filename: str) -> str:
    """ "workbook" or "csv": told by the file's content (a renamed .xlsx still opens), then
    by its extension; anything else raises SpreadsheetError."""
    if content.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        return "workbook"
    if Path(filename).suffix.lower() in CSV_EXTENSIONS:
        return "csv"
    raise SpreadsheetError(UNREADABLE)


def _read_csv(content: bytes) -> list[list[Any]]:
    text = decode_csv(content)
    delimiter = csv_delimiter(text)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise SpreadsheetError(UNREADABLE) from None


def read_rows(source: str | Path | bytes, filename: str = "") -> list[Row]:
    """Every non-empty row of the first visible sheet as (spreadsheet row number, cells).

    The format is told by the file's content (a renamed .xlsx still opens), then by its
    extension; anything else is refused with a Chinese message (SpreadsheetError)."""
    if not filename and not isinstance(source, bytes):
        filename = Path(source).name
    content = load_source(source)
    grid = _read_workbook(content) if sheet_kind(content, filename) == "workbook" else _read_csv(content)
    rows: list[Row] = []
    append = rows.append
    for number, cells in enumerate(grid, start=1):
        # Most rows end with a filled cell: kept as they are (the grid's lists are our own).
        last = cells[-1] if cells else None
        if last is None or (last.__class__ is str and not last.strip()):
            cells = _trim(cells)
            if not cells:
                continue
        append((number, cells))
    return rows


def read_table(source: str | Path | bytes, filename: str = "") -> Table:
    """(header, rows): the first non-empty row is the header, the rest are data rows."""
    rows = read_rows(source, filename)
    if not rows:
        raise SpreadsheetError("文件中没有任何内容")
    header_row, header = rows[0]
    return Table(header=[clean(cell) for cell in header], rows=rows[1:], header_row=header_row)


@dataclass(frozen=True)
class TemplateColumn:
    label: str
    required: bool = False
    note: str = ""
    example: str = ""
    text: bool = False  # keep as text in Excel (ID numbers, phones, codes with leading zeros)
    width: int = 14


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_sheet(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]], wrap: int | None = None) -> bytes:
    """An export: one streamed (write-only) sheet with a bold, frozen header row; amounts
    stay numbers (Decimal written as a number); column ``wrap`` wraps its text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    wrapped = Alignment(wrap_text=True, vertical="top")
    cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        values: list[Any] = [float(v) if isinstance(v, Decimal) else v for v in row]
        if wrap is not None:
            values[wrap] = WriteOnlyCell(sheet, value=values[wrap])
            values[wrap].alignment = wrapped
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_template(
    columns: Sequence[TemplateColumn],
    *,
    sheet_title: str = "导入数据",
    intro: str = "",
    formatted_rows: int = 500,
) -> bytes:
    """An .xlsx import template: the data sheet has the bold header row (required columns in
    red), the '填写说明' sheet explains each column with an example. The example is never put
    on the data sheet, so a forgotten example row cannot be imported by mistake."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    header_fill = PatternFill("solid", fgColor="FFF2F2F2")
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.label)
        cell.font = Font(bold=True, color="FFC00000" if column.required else "FF000000")
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
        if column.note:
            cell.comment = Comment(("必填。" if column.required else "") + column.note, "履职平台")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.text:
            for row in range(2, formatted_rows + 2):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet("填写说明")
    notes.append([intro or "请在第一个工作表中从第2行起逐行填写，不要修改第1行的列名。"])
    notes.append(["红色列名为必填列；其余列可以留空。可以只保留需要的列，列的顺序可以调整。"])
    notes.append([])
    notes.append(["列名", "是否必填", "填写说明", "示例"])
    for cell in notes[4]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
    example_font = Font(italic=True, color="FF808080")
    for column in columns:
        notes.append([column.label, "必填" if column.required else "选填", column.note, column.example])
        row = notes.max_row
        if column.required:
            notes.cell(row=row, column=1).font = Font(bold=True, color="FFC00000")
            notes.cell(row=row, column=2).font = Font(color="FFC00000")
        notes.cell(row=row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
        notes.cell(row=row, column=4).font = example_font
        if column.text:
            notes.cell(row=row, column=4).number_format = "@"
    for letter, width in (("A", 16), ("B", 10), ("C", 60), ("D", 24)):
        notes.column_dimensions[letter].width = width

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
