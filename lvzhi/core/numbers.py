"""Amounts and counts as clerks type them into forms and spreadsheets."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from lvzhi.core.text import clean, clean_compact

MAX_MONEY = Decimal("9999999999.99")
MAX_COUNT = 10_000_000
COUNT_UNITS = ("件次", "件", "次", "名", "个", "户", "条", "份", "人", "月")


def parse_money(value: object) -> Decimal:
    """'1,200.5' / '１２００' / 1200 -> Decimal('1200.50'); '1.2万' -> 12000; blank -> 0."""
    if value in (None, ""):
        return Decimal(0)
    text = clean_compact(value).replace(",", "").replace("，", "").replace("元", "")
    if not text:
        return Decimal(0)
    factor = Decimal(1)
    if text.endswith("万"):
        text, factor = text[:-1], Decimal(10000)
    try:
        amount = (Decimal(text) * factor).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(f"“{clean(value)}”不是金额，请填写数字（元），如 1200 或 1200.50") from None
    if amount < 0:
        raise ValueError("金额不能为负数")
    if amount > MAX_MONEY:
        raise ValueError("金额过大，请核对单位（元）")
    return amount


def parse_count(value: object) -> int:
    """'3' / '３件' / 3.0 -> 3; blank -> 0."""
    if value in (None, ""):
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_compact(value).replace(",", "")
    for unit in COUNT_UNITS:
        text = text.removesuffix(unit)
    if not text.isdigit():
        raise ValueError(f"“{clean(value)}”不是非负整数")
    number = int(text)
    if number > MAX_COUNT:
        raise ValueError("数量过大，请核对")
    return number
