"""Dates as users type them: 2018-11-20, 2018/11/20, 2018.11.20, 2018年11月20日, Excel serials."""

from __future__ import annotations

import datetime as dt
import re

from lvzhi.core.text import clean_compact

_YMD = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class DateError(ValueError):
    pass


def parse_date(value: object) -> dt.date | None:
    """Return a date, None for an empty value, or raise DateError with a Chinese message."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(float(value))
    text = clean_compact(value)
    if not text:
        return None
    text = text.split("T")[0]
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _from_serial(float(text))
    match = _YMD.match(text) or _COMPACT.match(text)
    if not match:
        raise DateError(f"无法识别的日期“{text}”，请写成 2018-11-20 或 2018年11月20日")
    year, month, day = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise DateError(f"日期“{text}”不存在") from None


def _from_serial(serial: float) -> dt.date:
    if not 1 <= serial < 2958466:
        raise DateError(f"无法识别的Excel日期序号{serial:g}")
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


def format_cn(value: dt.date | None) -> str:
    """2018年11月20日."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def add_months(value: dt.date, months: int) -> dt.date:
    """2018-11-30 + 3 months = 2019-02-28: the same day, or the month's last day."""
    month_index = value.month - 1 + months
    year, month = value.year + month_index // 12, month_index % 12 + 1
    import calendar

    return dt.date(year, month, min(value.day, calendar.monthrange(year, month)[1]))
