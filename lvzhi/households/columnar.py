"""The household import's fast path: the loader's checks as column operations (Polars),
for files in which every row is valid, the common case and the one that has to be fast.

The per-row loader (loading.py) defines what a valid row is and writes every message. This
path either vouches for the whole file and hands the loader the households it would have
built itself, or it declines (`Declined`) and the loader reads the file again and explains
each bad row. It reports no error of its own, so a file is judged the same on both paths;
tests import the same files both ways and compare what was saved.

Why the result is the same:
- every distinct cell of a column is parsed by the loader's own parser (a county has a dozen
  townships, not 200,000 of them); a cell the parser refuses declines;
- ID numbers are checked as strings, with the canonical rule of `core.identity`
  (18 characters, check character, birth date from 1900 to today); any other form, which
  the loader would clean or refuse, declines;
- the household rules are group-bys over the parsed values, with the loader's semantics: a
  household column blank on some rows and equal on the others, exactly one 户主, no ID
  number twice;
- the cells are the loader's cells. A .csv is read by Polars after the same encoding
  detection; a workbook by fastexcel (calamine into Arrow, no Python object per cell),
  typed strictly, so a column mixing numbers and text, an ID column of numbers, a date
  outside the birth-date column, a title row above the header or a hidden first sheet
  declines.

Row numbers here are never shown: a file with anything to report goes to the loader."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from lvzhi.core.excel import SpreadsheetError, csv_delimiter, decode_csv, load_source, sheet_kind
from lvzhi.core.identity import EARLIEST_BIRTH, ID_CHECK_CHARACTERS, ID_WEIGHTS
from lvzhi.core.importing import HEADER_SEARCH_ROWS, ImportReport
from lvzhi.core.text import clean
from lvzhi.households.completeness import CHECKS, screen
from lvzhi.households.models import Relation, Status

if TYPE_CHECKING:
    from lvzhi.households.loading import HouseholdImporter, HouseholdLoader, _Pass

# Cell types a column may hold: what python-calamine would hand the loader, unchanged.
_PLAIN = (pl.String, pl.Float64, pl.Int64, pl.Boolean, pl.Null)
_DATES = (pl.Date, pl.Datetime)
_DEDUPED = re.compile(r"^(.*)_\d+$")  # fastexcel's name for a second column of the same header


class Declined(Exception):
    """The fast path cannot vouch for the file; the per-row loader takes it."""


def read_frame(importer: HouseholdImporter, source: str | Path | bytes, filename: str) -> tuple[
    pl.DataFrame, dict[str, str], list[str]
]:  # fmt: skip
    """(the data rows, a column per mapped field key; {key: header text}; the header warnings)."""
    if not filename and not isinstance(source, bytes):
        filename = Path(source).name
    try:
        content = load_source(source)
        kind = sheet_kind(content, filename)
        frame = _workbook(content) if kind == "workbook" else _csv(content)
    except Declined:
        raise
    except SpreadsheetError:
        raise Declined("unreadable or unknown format") from None
    except Exception as exc:  # whatever the readers raise on an odd file: the loader explains it
        raise Declined("the reader failed") from exc
    header = [None if name.startswith("__UNNAMED__") else name for name in frame.columns]
    data = frame.filter(~_blank_row(frame))
    # The header must be the row the loader would pick among the first rows.
    lookup = importer._field_lookup()
    first = [(0, header), *((i, list(r)) for i, r in enumerate(data.head(HEADER_SEARCH_ROWS - 1).rows(), 1))]
    if importer._find_header(first, lookup) != 0:
        raise Declined("the header is not the first row")
    scratch = ImportReport()
    columns = importer.map_columns(header, scratch)
    if scratch.file_errors or not data.height:
        raise Declined("header problems or no data")
    names = {f.key: frame.columns[i] for i, f in columns.items()}
    headers = {f.key: clean(header[i]) for i, f in columns.items()}
    data = data.select(pl.col(name).alias(key) for key, name in names.items())
    return data, headers, scratch.warnings


def _csv(content: bytes) -> pl.DataFrame:
    text = decode_csv(content)  # the loader's encoding detection; Polars reads UTF-8
    frame = pl.read_csv(
        io.BytesIO(text.encode("utf-8")),
        has_header=False,
        infer_schema=False,
        separator=csv_delimiter(text),
        quote_char='"',
    )
    if not frame.height:
        raise Declined("empty file")
    header = [str(c) if c is not None else "" for c in frame.row(0)]
    # The csv module reads "" for an empty field, Polars null: the loader's cells are strings.
    frame = frame.slice(1).with_columns(pl.all().fill_null(""))
    return frame.rename(
        {old: name or f"__UNNAMED__{i}" for i, (old, name) in enumerate(zip(frame.columns, header, strict=True))}
    )


def _workbook(content: bytes) -> pl.DataFrame:
    import fastexcel

    reader = fastexcel.read_excel(content)
    options: dict[str, Any] = {"header_row": 0, "dtype_coercion": "strict", "schema_sample_rows": None}
    states = _xlsx_sheet_states(content)
    if states is not None:
        # An .xlsx is read eagerly: fastexcel fills Arrow columns as it parses, without first
        # building calamine's grid of every cell. 2.7 s instead of 3.5 s for 200,000 rows.
        if states[:1] != ["visible"]:
            raise Declined("the first sheet is hidden")  # the loader takes the first visible sheet
        batch = reader.load_sheet(0, eager=True, **options)
        names, frame = batch.schema.names, pl.from_arrow(batch)
    else:  # .xls, .ods
        sheet = reader.load_sheet(0, **options)
        if sheet.visible != "visible":
            raise Declined("the first sheet is hidden")
        names, frame = [c.name for c in sheet.available_columns()], sheet.to_polars()
    for name in names:
        if (match := _DEDUPED.match(name)) and match.group(1) in names:
            raise Declined("two columns with one header")  # the loader says so
    assert isinstance(frame, pl.DataFrame)
    return frame


def _xlsx_sheet_states(content: bytes) -> list[str] | None:
    """The sheets' states in an .xlsx, in order ("visible", "hidden", "veryHidden"); None
    for any other file."""
    import zipfile
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            root = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    except (zipfile.BadZipFile, KeyError):
        return None
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    return [sheet.get("state", "visible") for sheet in root.iter(f"{main}sheet")]


def _blank_row(frame: pl.DataFrame) -> pl.Expr:
    """Rows the reader skips: every cell empty or spaces."""
    blank = [
        pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")
        if frame.schema[c] == pl.String
        else pl.col(c).is_null()
        for c in frame.columns
    ]
    return pl.all_horizontal(blank) if blank else pl.lit(True)


class _Column:
    """A column as classes: each distinct parsed value once (``values``, in order of first
    appearance) and each row's class (``rows``)."""

    def __init__(self, values: list[Any], rows: pl.Series) -> None:
        self.values, self.rows = values, rows
        self.blank = [v is None or v == "" for v in values]  # the loader's "not filled in"

    def per_row(self, dtype: Any = None) -> pl.Series:
        """Each row's parsed value."""
        return self.rows.replace_strict(range(len(self.values)), self.values, return_dtype=dtype)

    @classmethod
    def parsed(cls, series: pl.Series, parse: Callable[[Any], Any], *, dates: bool = False) -> _Column:
        """Every distinct cell parsed by the loader's parser; a cell it refuses declines."""
        if not isinstance(series.dtype, (_PLAIN + _DATES) if dates else _PLAIN):
            # e.g. a date in a text column: the loader would see a datetime
            raise Declined("a column of dates or mixed kinds")
        values: list[Any] = []
        index: dict[Any, int] = {}

        def class_of(cell: object, plain: bool = False) -> int:
            if plain:
                value = cell  # a string the parser is marked to return unchanged
            else:
                try:
                    value = parse(cell)
                except ValueError:
                    raise Declined("a cell the loader refuses") from None
            key = tuple(value) if isinstance(value, list) else (type(value), value)
            if key not in index:
                index[key] = len(values)
                values.append(value)
            return index[key]

        if series.dtype == pl.Null:
            rows = pl.Series([class_of("")] * len(series), dtype=pl.UInt32)
        else:
            cells = series.drop_nulls().unique(maintain_order=True)
            rule = getattr(parse, "plain", None)
            if rule is not None and cells.dtype == pl.String:
                pattern, limit = rule
                plain = cells.str.contains(pattern) & (cells.str.len_chars() <= limit)
                if plain.all() and not series.null_count():  # each distinct cell is its own value
                    return cls(cells.to_list(), series.replace_strict(cells, range(len(cells)), return_dtype=pl.UInt32))
                classes = [class_of(cell, ok) for cell, ok in zip(cells.to_list(), plain.to_list(), strict=True)]
            else:
                classes = [class_of(cell) for cell in cells.to_list()]
            rows = series.replace_strict(cells, classes, default=None, return_dtype=pl.UInt32)
            if series.null_count():  # an empty workbook cell: python-calamine reads ""
                rows = rows.fill_null(class_of(""))
        return cls(values, rows)


def _id_checks(ids: pl.Series, today: dt.date) -> tuple[pl.Series, pl.Series]:
    """(birth date, sex) of ID numbers in canonical form; any other declines."""
    if ids.dtype != pl.String:
        raise Declined("ID numbers typed as numbers")  # numbers: Excel has dropped the last digits, the loader says so
    frame = pl.DataFrame({"id": ids})
    digits = [pl.col("id").str.slice(i, 1).cast(pl.Int32, strict=False) for i in range(17)]
    check = pl.lit(ID_CHECK_CHARACTERS).str.slice(sum(d * w for d, w in zip(digits, ID_WEIGHTS, strict=True)) % 11, 1)
    birth = pl.col("id").str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    out = frame.select(
        ok=pl.col("id").str.contains(r"^[0-9]{17}[0-9X]$")
        & (check == pl.col("id").str.slice(17, 1))
        & birth.is_between(EARLIEST_BIRTH, today),
        birth=birth,
        sex=pl.when(digits[16] % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F")),
    )
    if not out["ok"].fill_null(False).all():
        raise Declined("an ID number not in canonical form")
    return out["birth"], out["sex"]


def vouch(
    loader: HouseholdLoader, data: pl.DataFrame, person_keys: tuple[str, ...], household_keys: tuple[str, ...]
) -> _Pass:
    """The loader's `_Pass` for a file in which every row is valid, or Declined."""
    from lvzhi.households.loading import HOUSEHOLD_OWN, PERSON_KEYS, _Household, _Pass

    n = data.height
    parsers = dict(loader._parsers())

    def column(key: str) -> pl.Series:
        return data[key] if key in data.columns else pl.Series(key, [None] * n, dtype=pl.Null)

    ids = column("id_number")
    id_birth, id_sex = _id_checks(ids, loader.today)
    if ids.is_duplicated().any():
        raise Declined("an ID number twice in the file")
    # Names: parsed per distinct name (clean, at most 30 characters, not blank).
    names = _Column.parsed(column("name"), parsers["name"])
    # Stated birth date and sex agree with the ID number (or are blank).
    birth = (
        _Column.parsed(data["birth_date"], _birth_or_none(parsers["birth_date"]), dates=True)
        if "birth_date" in data.columns
        else None
    )
    if birth is not None:
        stated = birth.per_row(pl.Date)
        if not (stated.is_null() | (stated == id_birth)).all():
            raise Declined("a birth date that contradicts the ID number")
    repeat = {k: _Column.parsed(column(k), parsers[k]) for k in person_keys}
    sexes = repeat["sex"]
    stated_sex = sexes.per_row(pl.String)
    if not ((stated_sex == "") | (stated_sex == id_sex)).all():
        raise Declined("a sex that contradicts the ID number")
    number = _Column.parsed(column("number"), parsers["number"])
    house = {k: _Column.parsed(column(k), parsers[k]) for k in household_keys if k not in ("other_causes",)}
    # Other causes are stored without the main cause: parsed per (main, other) pair, as the
    # loader parses the household's columns together.
    main = house["main_cause"]
    other_cells = _Column.parsed(column("other_causes"), parsers["other_causes"])
    pairs, pair_of = _combinations(pl.DataFrame({"m": main.rows, "o": other_cells.rows}))

    def stored(pair: int) -> str:
        m, o = pairs[pair]
        return ",".join(dict.fromkeys(c for c in other_cells.values[o] or () if c != main.values[m]))

    house["other_causes"] = _Column.parsed(pair_of.cast(pl.Int64), stored)
    # Household rules over the parsed values: one 户主, and each household column either
    # blank or the same on every row of the household.
    relation = repeat["relation"]
    head = relation.rows.is_in([i for i, v in enumerate(relation.values) if v == Relation.HEAD])
    rows = pl.int_range(2, n + 2, dtype=pl.UInt32, eager=True)  # as under a one-row header
    frame = pl.DataFrame({"h": number.rows, "_row": rows, "_head": head, **{k: c.rows for k, c in house.items()}})

    def filled(k: str) -> pl.Expr:
        return pl.col(k).filter(~pl.col(k).is_in([i for i, b in enumerate(house[k].blank) if b]))

    groups = frame.group_by("h", maintain_order=True).agg(
        pl.col("_row"),
        pl.col("_row").filter(pl.col("_head")).alias("_heads"),
        *(filled(k).n_unique().alias(f"_n_{k}") for k in house),
        *(filled(k).first().fill_null(pl.col(k).first()) for k in house),
    )
    if not (groups["_heads"].list.len() == 1).all() or any((groups[f"_n_{k}"] > 1).any() for k in house):
        raise Declined("a household without exactly one head or with disagreeing cells")
    if not groups["h"].equals(pl.int_range(0, len(number.values), dtype=pl.UInt32, eager=True), check_names=False):
        # Cannot happen: the classes of 户编号 are numbered in order of first appearance.
        raise Declined("household classes out of order")
    # Members as the loader builds them (PERSON_KEYS order), grouped by household in file
    # order; "h" is the household's position. The save writes them from this frame.
    person = {k: repeat[k].per_row() for k in person_keys}
    if "ethnicity" in person:
        person["ethnicity"] = person["ethnicity"].replace("", "汉族").fill_null("汉族")
    person.update(sex=id_sex, name=names.per_row(), id_number=ids, birth_date=id_birth)
    members = pl.DataFrame({"h": number.rows, **{k: person[k] for k in PERSON_KEYS}}).sort("h", maintain_order=True)
    # The households, in order of first appearance. The columns households share (place,
    # causes, status, the checks) repeat: their values are looked up once per combination.
    own = [k for k in household_keys if k in HOUSEHOLD_OWN]
    shared = [k for k in household_keys if k not in HOUSEHOLD_OWN]
    own_values = {k: [house[k].values[c] for c in groups[k].to_list()] for k in own}
    # A blank 户主姓名 is the name of the household's 户主 (one each, checked above), as the
    # loader's household rules fill it in.
    heads_named = members.filter(pl.col("relation") == Relation.HEAD)["name"].to_list()
    own_values["head_name"] = [name or head for name, head in zip(own_values["head_name"], heads_named, strict=True)]
    flagged = _incomplete(loader, groups, house, own_values["head_name"], members)
    combos, combo_of = _combinations(groups.select(shared))
    commons = [{k: house[k].values[c] for k, c in zip(shared, combo, strict=True)} for combo in combos]
    # Only the households the completeness check may flag are checked with their members.
    checked: dict[int, list[tuple[Any, ...]]] = {h: [] for h in flagged}
    for h, *person_values in members.filter(pl.col("h").is_in(flagged)).rows():
        checked[h].append(tuple(person_values))
    households: dict[str, _Household] = {}
    for h, (number_, rows_, heads, c, values) in enumerate(
        zip(
            number.values,
            groups["_row"].to_list(),
            groups["_heads"].to_list(),
            combo_of.to_list(),
            zip(*own_values.values(), strict=True),
            strict=True,
        )
    ):
        data_ = commons[c].copy()
        data_.update(zip(own, values, strict=True))
        members_ = checked.get(h)
        households[number_] = _Household(
            number_, rows_[0], data_, rows_, members_ or [], heads=heads, complete=members_ is None
        )
    # The ID numbers and rows of the file are only wanted for messages, and a file the fast
    # path vouches for has none: the database's duplicates are left to its unique index.
    return _Pass(households, {}, {}, [], n, members)


def _incomplete(
    loader: HouseholdLoader,
    groups: pl.DataFrame,
    house: dict[str, _Column],
    head_names: list[str],
    members: pl.DataFrame,
) -> list[int]:
    """The households (positions) whose files the completeness check may find incomplete
    (`completeness.screen`), their values as `_household_row` will hand them to it."""
    from lvzhi.households.loading import MONEY_KEYS

    def value(key: str, dtype: Any, convert: Callable[[Any], Any] = lambda v: v) -> pl.Series:
        table = [convert(v) for v in house[key].values]
        return groups[key].replace_strict(range(len(table)), table, return_dtype=dtype)

    money = {k: value(k, pl.Float64, lambda v: None if v is None else float(v)) for k in MONEY_KEYS}
    size = groups["_row"].list.len()
    total = money["income_total"].fill_null(sum(money[k].fill_null(0) for k in MONEY_KEYS[:4]))
    frame = pl.DataFrame(
        {
            "village_id": value("village", pl.String),
            "head_name": pl.Series(head_names, dtype=pl.String),
            "main_cause": value("main_cause", pl.String),
            **money,
            "income_total": total,
            "per_capita_income": money["per_capita_income"].fill_null(total / size),
            "size": size,
            "status": value("status", pl.String, lambda v: v or Status.POOR),
            **{k: value(k, pl.Boolean) for k, _label in CHECKS},
            "exit_year": value("exit_year", pl.Int32),
        }
    )
    return screen(frame, members, loader.today).arg_true().to_list()


def _combinations(frame: pl.DataFrame) -> tuple[list[tuple[Any, ...]], pl.Series]:
    """The distinct rows of ``frame`` in order of first appearance, and each row's index
    among them (values repeated from row to row are looked up once per combination)."""
    distinct = frame.unique(maintain_order=True)
    index = frame.join(distinct.with_row_index("_c"), on=frame.columns, how="left", maintain_order="left")["_c"]
    return distinct.rows(), index


def _birth_or_none(parse: Callable[[object], Any]) -> Callable[[object], Any]:
    """The loader reads a blank birth date as none without parsing it."""
    return lambda value: None if value is None or value == "" else parse(value)
