"""Import of the household register (`import_data households`, the upload page and its
background job) from the sheets counties already keep: one row per person, the household's
columns repeated on each of its rows.

Built for a province: rows are validated in plain Python (ID check character, enums, amounts,
household consistency, duplicates in the file and in the database), then saved in one
transaction with bulk inserts (COPY on PostgreSQL). Nothing is half-saved: every row valid,
or nothing (or, with "valid rows only", every household without a bad row). Re-importing a
household (same 户编号 in the county) replaces its members and updates it in place."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from lvzhi.accounts import scoping
from lvzhi.core.dates import DateError, parse_date
from lvzhi.core.errors import Invalid
from lvzhi.core.excel import TemplateColumn
from lvzhi.core.identity import IdentityError, birth_date_from_id, canonical_birth_date, normalise_id_number
from lvzhi.core.importing import Importer, ImportReport, Mode, RowError, register
from lvzhi.core.numbers import parse_count, parse_money
from lvzhi.core.text import clean, clean_compact
from lvzhi.households import completeness
from lvzhi.households.models import (
    Cause,
    Health,
    Household,
    HouseholdMember,
    Labour,
    MigrantWork,
    Relation,
    Schooling,
    Status,
    Township,
    Village,
)
from lvzhi.members.validation import Field
from lvzhi.organisations.models import Level, Organisation

if TYPE_CHECKING:
    import polars as pl

Progress = Callable[[int, int], None]
logger = logging.getLogger(__name__)


FIELDS: list[Field] = [
    Field("number", gettext_noop("户编号"), True, ("户码", "贫困户编号", "户号"), "5303210010001"),
    Field("township", gettext_noop("乡镇（街道）"), True, ("乡镇", "乡（镇）", "乡镇街道"), "城关镇"),
    Field("township_code", gettext_noop("乡镇代码"), False, (), "530321100"),
    Field("village", gettext_noop("行政村（社区）"), True, ("村", "行政村", "村（社区）"), "红旗村"),
    Field("village_code", gettext_noop("村代码"), False, ("行政区划代码",), "530321100201"),
    Field("group", gettext_noop("村民小组"), False, ("组", "自然村"), "三组"),
    Field("head_name", gettext_noop("户主姓名"), False, ("户主",), "张三"),
    Field("phone", gettext_noop("联系电话"), False, ("电话", "户主电话"), ""),
    Field("name", gettext_noop("姓名"), True, ("成员姓名", "家庭成员"), "张三"),
    Field(
        "id_number", gettext_noop("身份证号码"), True, ("证件号码", "公民身份号码", "身份证号"), "53032119800101001X"
    ),
    Field("relation", gettext_noop("与户主关系"), True, ("关系",), "户主"),
    Field("sex", gettext_noop("性别"), False, (), "男"),
    Field("birth_date", gettext_noop("出生日期"), False, (), ""),
    Field("ethnicity", gettext_noop("民族"), False, (), "汉族"),
    Field("education", gettext_noop("文化程度"), False, ("文化",), "初中"),
    Field("schooling", gettext_noop("在校生状况"), False, ("在校情况",), "非在校生"),
    Field("health", gettext_noop("健康状况"), False, ("健康",), "健康"),
    Field("labour", gettext_noop("劳动技能"), False, ("劳动能力",), "普通劳动力"),
    Field("migrant_work", gettext_noop("务工状况"), False, ("务工情况",), "省外务工"),
    Field("migrant_months", gettext_noop("务工时间（月）"), False, ("务工时间",), "6"),
    Field("main_cause", gettext_noop("主要致贫原因"), False, ("致贫原因",), "因病"),
    Field("other_causes", gettext_noop("其他致贫原因"), False, ("次要致贫原因",), "缺技术、缺资金"),
    Field("income_wages", gettext_noop("工资性收入"), False, (), "12000"),
    Field("income_business", gettext_noop("生产经营性收入"), False, (), "3000"),
    Field("income_transfer", gettext_noop("转移性收入"), False, (), "2400"),
    Field("income_property", gettext_noop("财产性收入"), False, (), "0"),
    Field("income_total", gettext_noop("家庭年纯收入"), False, ("年纯收入",), ""),
    Field("per_capita_income", gettext_noop("人均纯收入"), False, ("人均收入",), ""),
    Field("food_ok", gettext_noop("不愁吃"), False, (), "是"),
    Field("clothing_ok", gettext_noop("不愁穿"), False, (), "是"),
    Field("education_ok", gettext_noop("义务教育有保障"), False, ("义务教育",), "是"),
    Field("medical_ok", gettext_noop("基本医疗有保障"), False, ("基本医疗",), "是"),
    Field("housing_ok", gettext_noop("住房安全有保障"), False, ("住房安全",), "是"),
    Field("water_ok", gettext_noop("饮水安全有保障"), False, ("饮水安全",), "是"),
    Field("status", gettext_noop("贫困户状态"), False, ("脱贫状态", "户状态"), "未脱贫"),
    Field("exit_year", gettext_noop("脱贫年度"), False, ("脱贫年份",), ""),
    Field("helper_name", gettext_noop("帮扶责任人"), False, (), "李四"),
    Field("helper_phone", gettext_noop("帮扶责任人电话"), False, (), ""),
]
PERSON_KEYS = completeness.MEMBER_FIELDS  # a member row: a tuple in this order
HOUSEHOLD_KEYS = tuple(f.key for f in FIELDS if f.key not in PERSON_KEYS and f.key != "number")
# The person columns whose values repeat from person to person (parsed once per combination);
# name, ID number and birth date are per person. Member tuple = name, id, REPEAT_KEYS[0:2],
# birth date, REPEAT_KEYS[2:].
REPEAT_KEYS = ("relation", "sex", "ethnicity", "education", "schooling", "health", "labour", "migrant_work",
               "migrant_months")  # fmt: skip
_RELATION, _SEX, _AFTER_SEX, _ETHNICITY = 0, 1, 2, 2
_VILLAGE = 1 + HOUSEHOLD_KEYS.index("village")
# A household's columns in two groups: its own (parsed per household) and those that repeat
# from household to household (parsed once per combination).
HOUSEHOLD_OWN = ("number", "head_name", "phone", "income_wages", "income_business", "income_transfer",
                 "income_property", "income_total", "per_capita_income", "helper_name", "helper_phone")  # fmt: skip
HOUSEHOLD_SHARED = tuple(k for k in HOUSEHOLD_KEYS if k not in HOUSEHOLD_OWN)
_SHARED_MAIN, _SHARED_OTHER = HOUSEHOLD_SHARED.index("main_cause"), HOUSEHOLD_SHARED.index("other_causes")
_in_household_order = operator.itemgetter(
    *((*HOUSEHOLD_OWN, *HOUSEHOLD_SHARED).index(k) for k in ("number", *HOUSEHOLD_KEYS))
)
MEMO_LIMIT = 100_000  # distinct cells remembered per column
MONEY_KEYS = (
    "income_wages",
    "income_business",
    "income_transfer",
    "income_property",
    "income_total",
    "per_capita_income",
)
CHECK_KEYS = ("food_ok", "clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok")
BATCH = 5000  # households per batch handed to the writer thread
ZERO, CENTS = Decimal(0), Decimal("0.01")
# The household's own columns as the import writes them (the order of `_household_row`).
HOUSEHOLD_COLUMNS = (
    "township_id", "village_id", "group", "head_name", "phone", "main_cause", "other_causes", *MONEY_KEYS, "size",
    *CHECK_KEYS, "status", "exit_year", "helper_name", "helper_phone", "problem_count", "problems",
)  # fmt: skip

YES = {"是", "有", "√", "✓", "达标", "已保障", "y", "yes", "true", "1"}
NO = {"否", "无", "×", "✗", "未达标", "未保障", "n", "no", "false", "0"}
RELATION_WORDS = {
    "户主": Relation.HEAD, "本人": Relation.HEAD, "配偶": Relation.SPOUSE, "妻": Relation.SPOUSE, "妻子": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE, "夫": Relation.SPOUSE, "之子": Relation.CHILD, "之女": Relation.CHILD,
    "子": Relation.CHILD, "女": Relation.CHILD, "儿子": Relation.CHILD, "女儿": Relation.CHILD, "子女": Relation.CHILD,
    "长子": Relation.CHILD, "次子": Relation.CHILD, "长女": Relation.CHILD, "次女": Relation.CHILD,
    "儿媳": Relation.CHILD_IN_LAW, "女婿": Relation.CHILD_IN_LAW, "儿媳/女婿": Relation.CHILD_IN_LAW,
    "孙子": Relation.GRANDCHILD, "孙女": Relation.GRANDCHILD, "之孙子": Relation.GRANDCHILD,
    "之孙女": Relation.GRANDCHILD, "孙子女": Relation.GRANDCHILD, "外孙子": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD, "父亲": Relation.PARENT, "母亲": Relation.PARENT, "之父": Relation.PARENT,
    "之母": Relation.PARENT, "父母": Relation.PARENT, "祖父": Relation.GRANDPARENT, "祖母": Relation.GRANDPARENT,
    "祖父母": Relation.GRANDPARENT, "兄弟姐妹": Relation.SIBLING, "兄": Relation.SIBLING, "弟": Relation.SIBLING,
    "姐": Relation.SIBLING, "妹": Relation.SIBLING, "其他": Relation.OTHER,
}  # fmt: skip
LABOUR_WORDS = {"普通": Labour.NORMAL, "技能": Labour.SKILLED, "丧失": Labour.LOST, "无": Labour.NONE}
SEPARATORS = ("、", "，", ",", "；", ";", "/", " ")
NOTES = {
    "number": "同一户的各成员行填写相同的户编号；已导入过的户再次导入时按户编号更新，成员以本次为准",
    "id_number": "18位居民身份证号码，请设置为文本格式，否则Excel会把末几位变成0；同一号码不能出现在两户",
    "relation": "户主、配偶、子女、儿媳/女婿、孙子女、父母、祖父母、兄弟姐妹、其他；每户有且只有一名户主",
    "sex": "男或女；不填按身份证号码判断",
    "birth_date": "不填按身份证号码判断",
    "schooling": "、".join(str(label) for _v, label in Schooling.choices),
    "health": "、".join(str(label) for _v, label in Health.choices),
    "labour": "、".join(str(label) for _v, label in Labour.choices),
    "migrant_work": "、".join(str(label) for _v, label in MigrantWork.choices),
    "main_cause": "、".join(str(label) for _v, label in Cause.choices),
    "other_causes": "可填多项，用“、”隔开",
    "income_total": "元；不填为四项收入之和",
    "per_capita_income": "元；不填为家庭年纯收入÷家庭人口",
    "status": "、".join(str(label) for _v, label in Status.choices),
    "food_ok": "是或否（以下五项相同），不清楚的留空",
}


def _labels(choices: Any) -> dict[str, str]:
    table = {str(label): value for value, label in choices.choices}
    table.update({value: value for value in choices.values if value})
    return table


SCHOOLING, HEALTH, LABOUR = _labels(Schooling), _labels(Health), _labels(Labour)
MIGRANT, CAUSES, STATUSES = _labels(MigrantWork), _labels(Cause), _labels(Status)


# Strings some parsers return unchanged (tested in test_fast_path), so that the fast path
# need not call them for each of a province's distinct names and numbers: text made of
# ASCII, CJK ideographs and the middle dot of minority names, single spaces inside, within
# the column's limit (clean() leaves it as it is); an 户编号 of printable ASCII without
# spaces; a phone of 7 to 12 ASCII digits. Literal characters, for both Python's and
# Polars' regular expressions.
_WORD = "[!-~\u3400-\u4dbf\u4e00-\u9fff\u00b7\u2022]"
PLAIN_TEXT = "^" + _WORD + "+(?: " + _WORD + "+)*$"
PLAIN_NUMBER = "^[!-~]{1,30}$"
PLAIN_PHONE = "^[0-9]{7,12}$"


def _returns_unchanged(parse: Callable[[object], Any], pattern: str, limit: int) -> Callable[[object], Any]:
    """Mark ``parse`` as returning a string of at most ``limit`` characters matching
    ``pattern`` as it is."""
    parse.plain = (pattern, limit)  # type: ignore[attr-defined]
    return parse


def _choice(value: object, table: Mapping[str, str], what: str, default: str = "") -> str:
    text = clean_compact(value)
    if not text:
        return default
    if text in table:
        return table[text]
    raise ValueError(f"“{text}”不是有效的{what}，可填：{'、'.join(k for k in table if not k.isascii())}")


def _yes_no(value: object) -> bool | None:
    text = clean_compact(value).lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"“{clean(value)}”应填“是”或“否”")


@dataclass(slots=True)
class _Household:
    number: str
    first_row: int
    data: dict[str, Any]
    rows: list[int] = field(default_factory=list)
    members: list[tuple[Any, ...]] = field(default_factory=list)  # PERSON_KEYS order
    # A field filled in by a later row than the first (rare): that row and the cell as written.
    sources: dict[str, int] = field(default_factory=dict)
    shown: dict[str, str] = field(default_factory=dict)
    values: tuple[Any, ...] = ()  # the household columns of its first row, parsed
    cells: tuple[Any, ...] = ()  # the same, as written
    parsed: object = None  # the parse they came from (rows repeating it need no comparison)
    heads: list[int] = field(default_factory=list)  # rows naming a 户主, valid or not
    # The fast path found its file complete (`completeness.screen`): no need to check it
    # again, and `members` is left empty (they are saved from the path's frame).
    complete: bool = False


def _outcome(value: object, parse: Callable[[object], Any]) -> tuple[Any, str]:
    """(parsed value, "") or (None, the Chinese reason)."""
    try:
        return parse(value), ""
    except ValueError as exc:
        return None, str(exc)


def _memoised(memo: dict[object, Any], value: object, compute: Callable[..., Any], *args: Any) -> Any:
    """``memo[value]``, computed as ``compute(value, *args)`` on a miss and kept while the memo
    holds fewer than MEMO_LIMIT values; an unhashable value is computed every time."""
    try:
        hit = memo.get(value)
    except TypeError:
        return compute(value, *args)
    if hit is None:
        hit = compute(value, *args)
        if len(memo) < MEMO_LIMIT:
            memo[value] = hit
    return hit


@dataclass
class _Pass:
    """What validating the rows found: households by number, the first row of each ID number
    (row, household number, village), each row's household, errors, rows seen."""

    households: dict[str, _Household]
    seen_ids: dict[str, tuple[int, str, str]]
    row_household: dict[int, str]
    errors: list[RowError]
    total: int
    # The fast path's members (a Polars frame: "h", the household's position, and
    # PERSON_KEYS), which the save writes instead of the households' own lists.
    members: pl.DataFrame | None = None


class HouseholdLoader:
    """Validate and save a register for one county. `rows` are (row number, {key: raw})."""

    def __init__(self, *, actor: Any, organisation: Organisation, progress: Progress | None = None) -> None:
        self.actor = actor
        self.organisation = organisation
        self.progress = progress
        self.today = timezone.localdate()

    # -- one row -----------------------------------------------------------------------------

    def _parsers(self) -> list[tuple[str, Callable[[object], Any]]]:
        """(key, parse) for every column; parse returns the clean value or raises
        ValueError with the Chinese reason. All but the per-person columns repeat a lot
        (a township, a status, 是/否…), so their results are memoised per cell value."""

        def text(limit: int, required: bool = False) -> Callable[[object], str]:
            def parse(value: object) -> str:
                result = clean(value)
                if len(result) > limit:
                    raise ValueError(f"最多{limit}个字")
                if required and not result:
                    raise ValueError("不能为空")
                return result

            return _returns_unchanged(parse, PLAIN_TEXT, limit)

        def number(value: object) -> str:
            result = clean_compact(value)
            if not result:
                raise ValueError("请填写户编号")
            if len(result) > 30:
                raise ValueError("户编号最多30位")
            return result

        _returns_unchanged(number, PLAIN_NUMBER, 30)

        def code(value: object) -> str:
            result = clean_compact(value)
            if result and (not result.isdigit() or len(result) > 12):
                raise ValueError("应为不超过12位的数字代码")
            return result

        def relation(value: object) -> str:
            word = clean_compact(value)
            if not word:
                raise ValueError("请填写与户主关系")
            if word in RELATION_WORDS:
                return RELATION_WORDS[word]
            if word in Relation.values:
                return word
            raise ValueError(
                f"无法识别的与户主关系“{word}”，可填：户主、配偶、子女、儿媳/女婿、孙子女、父母、祖父母、兄弟姐妹、其他"
            )

        def sex(value: object) -> str:
            word = clean_compact(value)
            if word and word not in ("男", "女"):
                raise ValueError("性别应填“男”或“女”")
            return {"男": "M", "女": "F"}.get(word, "")

        def choice(table: Mapping[str, str], what: str, default: str = "") -> Callable[[object], str]:
            return lambda value: _choice(value, table, what, default)

        def labour(value: object) -> str:
            word = clean_compact(value)
            result = LABOUR.get(word) or LABOUR_WORDS.get(word.removesuffix("劳动力")) or ""
            if word and not result:
                raise ValueError(f"“{word}”不是有效的劳动技能，可填：普通劳动力、技能劳动力、丧失劳动力、无劳动力")
            return result

        def causes(value: object) -> list[str]:
            words = clean(value)
            for sep in SEPARATORS[1:]:
                words = words.replace(sep, SEPARATORS[0])
            codes = []
            for part in filter(None, words.split(SEPARATORS[0])):
                if part not in CAUSES:
                    raise ValueError(f"“{part}”不是有效的致贫原因")
                codes.append(CAUSES[part])
            return codes

        def money(value: object) -> Decimal | None:
            return parse_money(value) if clean(value) else None

        def months(value: object) -> int | None:
            result = parse_count(value) if clean(value) else None
            if result is not None and result > 12:
                raise ValueError("务工时间应为0至12个月")
            return result

        def year(value: object) -> int | None:
            word = clean_compact(value).removesuffix("年")
            if word and not (word.isdigit() and 2013 <= int(word) <= self.today.year):
                raise ValueError(f"脱贫年度应为2013至{self.today.year}年之间的年份")
            return int(word) if word else None

        def phone(value: object) -> str:
            digits = clean_compact(value).replace("-", "")
            if digits and (not digits.isdigit() or not 7 <= len(digits) <= 12):
                raise ValueError("电话号码应为7至12位数字")
            return digits

        _returns_unchanged(phone, PLAIN_PHONE, 12)

        def birth(value: object) -> dt.date | None:
            try:
                return parse_date(value)
            except DateError as exc:
                raise ValueError(str(exc)) from None

        return [
            ("number", number), ("township", text(50, True)), ("township_code", code), ("village", text(50, True)),
            ("village_code", code), ("group", text(50)), ("head_name", text(30)), ("phone", phone),
            ("name", text(30, True)), ("relation", relation), ("sex", sex), ("birth_date", birth),
            ("ethnicity", text(20)), ("education", text(20)), ("schooling", choice(SCHOOLING, "在校生状况", Schooling.NONE)),
            ("health", choice(HEALTH, "健康状况")), ("labour", labour), ("migrant_work", choice(MIGRANT, "务工状况")),
            ("migrant_months", months), ("main_cause", choice(CAUSES, "致贫原因")), ("other_causes", causes),
            *((k, money) for k in MONEY_KEYS), *((k, _yes_no) for k in CHECK_KEYS),
            ("status", choice(STATUSES, "贫困户状态")), ("exit_year", year), ("helper_name", text(30)),
            ("helper_phone", phone),
        ]  # fmt: skip

    # -- the whole file ------------------------------------------------------------------------
    #
    # The loop below runs once per person row, so it is written for speed: rows stay lists of
    # cells (no dict per row); the household's columns, which repeat on each of its rows, are
    # parsed once per household (a row equal to the one before costs one tuple comparison);
    # the person columns that repeat (relation, health, schooling…) are parsed once per
    # distinct combination; names and birth dates per distinct value; an ID number in its
    # canonical form is checked without the general normaliser. Every cell is still
    # validated: a memo holds the outcome of the same parse, error message included.

    def _setup(self) -> None:
        parsers = dict(self._parsers())
        self._cell_memo: dict[str, dict[object, tuple[Any, str]]] = {key: {} for key in parsers}

        def plan(keys: Iterable[str]) -> list[tuple[str, Callable[[object], Any], dict[object, tuple[Any, str]]]]:
            return [(k, parsers[k], self._cell_memo[k]) for k in keys]

        self._own_plan, self._shared_plan = plan(HOUSEHOLD_OWN), plan(HOUSEHOLD_SHARED)
        self._repeat_plan = plan(REPEAT_KEYS)
        self._name_parser = parsers["name"]
        self._birth_parser = parsers["birth_date"]
        self._shared_memo: dict[object, tuple[tuple[Any, ...], dict[str, str]]] = {}

    def _parse_cells(
        self,
        plan: list[tuple[str, Callable[[object], Any], dict[object, tuple[Any, str]]]],
        cells: tuple[object, ...],
    ) -> tuple[tuple[Any, ...], dict[str, str]]:
        """The parsed values of ``cells`` (one per entry of the plan) and the errors by key;
        each column's outcomes are memoised by cell value, error message included."""
        values: list[Any] = []
        errors: dict[str, str] = {}
        for (key, parse, memo), value in zip(plan, cells, strict=True):
            parsed, error = _memoised(memo, value, _outcome, parse)
            values.append(parsed)
            if error:
                errors[key] = error
        return tuple(values), errors

    def _parse_shared(self, shared: tuple[object, ...]) -> tuple[tuple[Any, ...], dict[str, str]]:
        """The columns households share, other causes as stored (codes without the main
        cause, comma-separated)."""
        values, errors = self._parse_cells(self._shared_plan, shared)
        main = values[_SHARED_MAIN]
        other = ",".join(dict.fromkeys(c for c in values[_SHARED_OTHER] or () if c != main))
        return (*values[:_SHARED_OTHER], other, *values[_SHARED_OTHER + 1 :]), errors

    def _parse_household(
        self, own: tuple[object, ...], shared: tuple[object, ...]
    ) -> tuple[tuple[Any, ...], dict[str, str]]:
        """The household's values in ("number", *HOUSEHOLD_KEYS) order and the errors. The
        columns that households share (location, status, the checks) are parsed once per
        combination."""
        shared_values, shared_errors = _memoised(self._shared_memo, shared, self._parse_shared)
        own_values, own_errors = self._parse_cells(self._own_plan, own)
        values = _in_household_order(own_values + shared_values)
        if own_errors or shared_errors:
            return values, {**own_errors, **shared_errors}
        return values, own_errors

    def _parse_person(self, cells: tuple[object, ...]) -> tuple[tuple[Any, ...], dict[str, str]]:
        """The person columns that repeat (REPEAT_KEYS), ethnicity 汉族 when blank."""
        values, errors = self._parse_cells(self._repeat_plan, cells)
        if not values[_ETHNICITY]:
            values = (*values[:_ETHNICITY], "汉族", *values[_ETHNICITY + 1 :])
        return values, errors

    def _id_number(self, value: object) -> tuple[str | None, dt.date | None, str]:
        """(ID number, birth date from it, error): the canonical form takes the short road
        (`canonical_birth_date`); anything else goes through the general normaliser, which
        cleans it or gives the Chinese reason."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # Excel keeps 15 significant digits: the last ones are gone, even when the
            # damaged number happens to pass the check.
            return None, None, "身份证号码被Excel存成了数字，末几位已丢失；请把该列设置为文本格式后重新填写"
        if isinstance(value, str) and (birth := canonical_birth_date(value, self.today)) is not None:
            return value, birth, ""
        try:
            id_number = normalise_id_number(value)
        except IdentityError as exc:
            return None, None, str(exc)
        return id_number, birth_date_from_id(id_number), ""

    def load(
        self,
        rows: Iterable[tuple[int, Mapping[str, object]]],
        report: ImportReport,
        *,
        total: int,
        headers: Mapping[str, str],
    ) -> None:
        """Rows as (row number, {key: cell}): the demo, benchmarks, tests."""
        keys = [f.key for f in FIELDS]
        grid = [(number, [raw.get(k) for k in keys]) for number, raw in rows]
        self.load_grid(grid, report, total=total, headers=headers, columns={k: i for i, k in enumerate(keys)})

    def load_grid(
        self,
        rows: Iterable[tuple[int, list[Any]]],
        report: ImportReport,
        *,
        total: int,
        headers: Mapping[str, str],
        columns: Mapping[str, int],
    ) -> None:
        """Rows as (row number, cells), ``columns`` giving each field's cell index; a field
        without a column reads as blank."""
        labels = {f.key: headers.get(f.key) or str(f.label) for f in FIELDS}
        found = self._validate(rows, columns, labels, self.progress, total)
        report.total += found.total
        report.errors.extend(found.errors)
        self._finish(found, report, labels, total)

    def _validate(
        self,
        rows: Iterable[tuple[int, list[Any]]],
        columns: Mapping[str, int],
        labels: Mapping[str, str],
        progress: Progress | None,
        total: int,
    ) -> _Pass:
        """Validate the rows and group them into households."""
        self._setup()
        width = max(columns.values(), default=-1) + 2
        blank = width - 1  # the index of an always-blank cell, for fields without a column
        pad: list[Any] = [None] * width

        def at(*keys: str) -> Callable[[list[Any]], Any]:
            return operator.itemgetter(*(columns.get(k, blank) for k in keys))

        own_cells, shared_cells = at(*HOUSEHOLD_OWN), at(*HOUSEHOLD_SHARED)
        repeat_cells = at(*REPEAT_KEYS)
        i_name, i_id, i_birth = (columns.get(k, blank) for k in ("name", "id_number", "birth_date"))
        order = {f.key: position for position, f in enumerate(FIELDS)}
        errors: list[RowError] = []
        households: dict[str, _Household] = {}
        seen_ids: dict[str, tuple[int, str, str]] = {}
        row_household: dict[int, str] = {}
        step = max(1, total // 100)
        previous_own: tuple[object, ...] | None = None
        previous_shared: tuple[object, ...] | None = None
        parsed: tuple[tuple[Any, ...], dict[str, str]] = ((), {})
        repeat_memo: dict[object, tuple[tuple[Any, ...], dict[str, str]]] = {}
        name_memo, birth_memo = self._cell_memo["name"], self._cell_memo["birth_date"]
        hh: _Household | None = None
        index = 0
        for index, (number, cells) in enumerate(rows, start=1):
            if index % step == 0 and progress:
                progress(int(index * 0.7), total)  # validation is about 70% of the work
            if len(cells) < width:
                cells = cells + pad[len(cells) :]
            own, shared = own_cells(cells), shared_cells(cells)
            if own != previous_own or shared != previous_shared:
                parsed = self._parse_household(own, shared)
                previous_own, previous_shared = own, shared
            values, household_errors = parsed
            person_values, person_errors = _memoised(repeat_memo, repeat_cells(cells), self._parse_person)
            name, name_error = _memoised(name_memo, cells[i_name], _outcome, self._name_parser)
            value = cells[i_birth]
            birth, birth_error = (
                (None, "")
                if value is None or value == ""
                else _memoised(birth_memo, value, _outcome, self._birth_parser)
            )
            id_number, id_birth, id_error = self._id_number(cells[i_id])
            sex = person_values[_SEX]
            row_errors: dict[str, str] | None = None
            if household_errors or person_errors or name_error or birth_error or id_error:
                row_errors = {**household_errors, **person_errors}
                if name_error:
                    row_errors["name"] = name_error
                if birth_error:
                    row_errors["birth_date"] = birth_error
                if id_error:
                    row_errors["id_number"] = id_error
            if id_birth is not None:
                if birth is not None and birth != id_birth:
                    row_errors = row_errors or {}
                    row_errors["birth_date"] = f"出生日期与身份证号码（{id_birth:%Y年%m月%d日}）不符"
                birth = id_birth
                id_sex = "M" if int(id_number[16]) % 2 else "F"  # type: ignore[index]
                if sex and sex != id_sex:
                    row_errors = row_errors or {}
                    row_errors["sex"] = "性别与身份证号码不符"
                sex = id_sex
            if row_errors:
                for key in sorted(row_errors, key=order.__getitem__):
                    errors.append(RowError(number, labels[key], row_errors[key]))
            key = values[0]
            if not key:
                continue
            row_household[number] = key
            if hh is None or hh.number != key:
                hh = households.get(key)
                if hh is None:
                    hh = households[key] = _Household(key, number, dict(zip(HOUSEHOLD_KEYS, values[1:], strict=True)))
                    hh.values, hh.parsed, hh.cells = values, parsed, _in_household_order(own + shared)
            if parsed is not hh.parsed and values != hh.values:
                for position, (k, value) in enumerate(zip(HOUSEHOLD_KEYS, values[1:], strict=True), start=1):
                    if value in (None, "") or (row_errors and k in row_errors):
                        continue
                    current = hh.data.get(k)
                    if current in (None, ""):
                        hh.data[k], hh.sources[k] = value, number
                        hh.shown[k] = clean(cells[columns.get(k, blank)])
                    elif current != value:
                        source = hh.sources.get(k, hh.first_row)
                        shown = hh.shown.get(k) or clean(hh.cells[position])
                        errors.append(
                            RowError(number, labels[k], f"与本户第{source}行的“{labels[k]}”（{shown}）不一致")
                        )
            hh.rows.append(number)
            relation = person_values[_RELATION]
            if relation == Relation.HEAD:
                hh.heads.append(number)
            if id_number:
                if id_number in seen_ids:
                    first, other_number, other_village = seen_ids[id_number]
                    where = "同一户" if other_number == key else f"户编号{other_number}，{other_village}"
                    errors.append(RowError(number, labels["id_number"], f"与第{first}行（{where}）的身份证号码重复"))
                else:
                    seen_ids[id_number] = (number, key, values[_VILLAGE] or "")
            if not row_errors:
                # PERSON_KEYS order: name, id, relation, sex, birth, then the rest of REPEAT_KEYS.
                hh.members.append((name, id_number, relation, sex, birth, *person_values[_AFTER_SEX:]))
        return _Pass(households, seen_ids, row_household, errors, index)

    def load_frame(self, data: Any, report: ImportReport, *, headers: Mapping[str, str]) -> None:
        """The fast path (`columnar`): a file it vouches for is saved as `load_grid` would
        save it; any other raises `columnar.Declined` before anything is written."""
        from lvzhi.households.columnar import vouch

        labels = {f.key: headers.get(f.key) or str(f.label) for f in FIELDS}
        found = vouch(self, data, REPEAT_KEYS, HOUSEHOLD_KEYS)
        if self.progress:
            self.progress(int(found.total * 0.5), found.total)
        report.total += found.total
        self._finish(found, report, labels, found.total, vouched=True)

    def _finish(
        self, found: _Pass, report: ImportReport, labels: Mapping[str, str], total: int, *, vouched: bool = False
    ) -> None:
        """The rules over whole households and the database, then the save (or not). A pass
        the fast path vouched for skips the database query: the unique index on ID numbers
        refuses a number registered elsewhere while saving, the save rolls back, and the
        per-row loader runs the query and names the rows. Should a household rule find
        anything in such a pass, it declines too."""
        households, errors = found.households, report.errors
        self._household_rules(households, errors, labels.__getitem__)
        if not vouched:
            self._database_duplicates(households, found.seen_ids, errors, labels.__getitem__)
        elif errors:
            from lvzhi.households.columnar import Declined

            raise Declined("a household rule")
        bad_rows = {e.row for e in errors}
        bad_households = {found.row_household.get(r) for r in bad_rows}
        good = [hh for hh in households.values() if hh.number not in bad_households]
        report.valid = sum(len(hh.rows) for hh in good)
        if report.mode == Mode.VALID_ONLY and bad_households - {None}:
            skipped = sorted(h for h in bad_households if h)
            report.warnings.append(
                f"以下{len(skipped)}户有错误行，整户未导入：{'、'.join(skipped[:20])}"
                + ("等" if len(skipped) > 20 else "")
            )
        errors.sort(key=lambda e: e.row)
        if report.dry_run or report.rejected or not good:
            return
        progress, start, saving = self.progress, int(total * (0.5 if vouched else 0.7)), max(1, report.valid)

        def saved(rows: int) -> None:  # the save's share of the bar, from where the checks left it
            if progress:
                progress(start + (total - start) * rows // saving, total)

        created, updated = self._save(good, saved, found.members)
        report.created, report.updated = created, updated
        report.saved = True
        report.warnings.append(
            f"共{len(good)}户：新增{sum(1 for hh in good if hh.data.get('_new'))}户，更新{sum(1 for hh in good if not hh.data.get('_new'))}户"
        )
        if self.progress:
            self.progress(total, total)

    def _household_rules(
        self, households: Mapping[str, _Household], errors: list[RowError], column: Callable[[str], str]
    ) -> None:
        for hh in households.values():
            if not hh.heads:
                for row in hh.rows:
                    errors.append(
                        RowError(
                            row, column("relation"), f"户编号{hh.number}没有户主（须有一名成员的与户主关系为“户主”）"
                        )
                    )
            for extra in hh.heads[1:]:
                errors.append(RowError(extra, column("relation"), f"户编号{hh.number}已在第{hh.heads[0]}行填写了户主"))
            heads = [m for m in hh.members if m[2] == Relation.HEAD]
            if heads and not hh.data.get("head_name"):
                hh.data["head_name"] = heads[0][0]

    def _database_duplicates(
        self,
        households: Mapping[str, _Household],
        seen_ids: Mapping[str, tuple[int, str, str]],
        errors: list[RowError],
        column: Callable[[str], str],
    ) -> None:
        visible = set(Organisation.objects.filter(path__startswith=self.organisation.path).values_list("pk", flat=True))
        hits: list[tuple[str, int, int]] = []  # (ID number, household, committee) already registered
        table = HouseholdMember._meta.db_table
        ids = list(seen_ids)
        with connection.cursor() as cursor:  # raw SQL: the ORM's IN () costs more than the lookup here
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"SELECT id_number, household_id, organisation_id FROM {table} WHERE id_number = ANY(%s)", [ids]
                )
                hits = cursor.fetchall()
            else:
                for start in range(0, len(ids), 900):
                    chunk = ids[start : start + 900]
                    cursor.execute(
                        f"SELECT id_number, household_id, organisation_id FROM {table} "
                        f"WHERE id_number IN ({', '.join(['%s'] * len(chunk))})",
                        chunk,
                    )
                    hits.extend(cursor.fetchall())
        where = {
            pk: (number, township, village)
            for pk, number, township, village in Household.objects.filter(pk__in={h for _i, h, _o in hits}).values_list(
                "pk", "number", "township__name", "village__name"
            )
        }
        for id_number, household_id, org_id in hits:
            number, township, village = where[household_id]
            if org_id == self.organisation.pk and number in households:
                continue  # a household of this file, whose members the file replaces
            if org_id in visible:
                message = f"该身份证号码已登记在户编号{number}（{township}{village}）"
            else:
                message = "该身份证号码已在其他县（市、区）登记为贫困户成员"
            errors.append(RowError(seen_ids[id_number][0], column("id_number"), message))

    # -- saving ----------------------------------------------------------------------------------

    @transaction.atomic
    def _save(
        self,
        good: list[_Household],
        saved: Callable[[int], None] = lambda rows: None,
        frame: pl.DataFrame | None = None,
    ) -> tuple[int, int]:
        """Write the households and their members (all or nothing); ``saved`` hears how many
        of their rows have been handed to the writer, after each batch. ``frame``: the
        members of every household in ``good``, from the fast path (`_Pass.members`)."""
        from lvzhi.audit.log import record
        from lvzhi.core.bulk import BackgroundInserter, reserve_ids

        org = self.organisation
        townships = {t.name: t for t in Township.objects.filter(organisation=org)}
        for hh in good:
            name = hh.data["township"]
            if name not in townships:
                townships[name] = Township.objects.create(
                    organisation=org, name=name, code=hh.data.get("township_code") or ""
                )
            elif hh.data.get("township_code") and townships[name].code != hh.data["township_code"]:
                townships[name].code = hh.data["township_code"]
                townships[name].save(update_fields=["code"])
        villages = {(v.township_id, v.name): v for v in Village.objects.filter(organisation=org)}
        places: dict[tuple[str, str], tuple[int, int]] = {}  # (township, village) names: their ids
        for hh in good:
            d = hh.data
            place = (d["township"], d["village"])
            if (where := places.get(place)) is None:
                township = townships[place[0]]
                key = (township.pk, place[1])
                if key not in villages:
                    villages[key] = Village.objects.create(
                        organisation=org, township=township, name=place[1], code=d.get("village_code") or ""
                    )
                where = places[place] = (township.pk, villages[key].pk)
            d["township_id"], d["village_id"] = where
        known = dict(Household.objects.filter(organisation=org).values_list("number", "pk"))
        now = timezone.now()
        new = [hh for hh in good if hh.number not in known]
        changed = [hh for hh in good if hh.number in known]
        for hh, pk in zip(new, reserve_ids(Household, len(new)), strict=True):
            hh.data["_new"], hh.data["_pk"] = True, pk
        for hh in changed:
            hh.data["_new"], hh.data["_pk"] = False, known[hh.number]
        if changed:  # re-imported households: replaced members, values updated in place
            pks = [hh.data["_pk"] for hh in changed]
            for start in range(0, len(pks), 900):
                HouseholdMember.objects.filter(household_id__in=pks[start : start + 900]).delete()
            table = Household._meta.db_table
            quote = connection.ops.quote_name
            assignments = ", ".join(f"{quote(c)} = %s" for c in HOUSEHOLD_COLUMNS)
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET {assignments}, version = version + 1, updated_at = %s WHERE id = %s",
                    [(*self._household_row(hh), now, hh.data["_pk"]) for hh in changed],
                )
        # New households and every member, in batches (on PostgreSQL on a second thread while
        # the next batch is prepared: completeness check, member rows).
        member_names = [*PERSON_KEYS, "household_id", "sort_order", "organisation_id"]
        household_names = ["id", "organisation_id", "number", *HOUSEHOLD_COLUMNS, "created_at", "updated_at"]
        members, handed, org_pk = 0, 0, org.pk
        if frame is not None:  # household ids and order in the household as columns
            import polars as pl

            ids = pl.Series([hh.data["_pk"] for hh in good], dtype=pl.Int64)
            frame = frame.select(
                *PERSON_KEYS,
                household_id=ids.gather(frame["h"]),
                sort_order=pl.int_range(pl.len(), dtype=pl.Int32).over("h"),
                organisation_id=pl.lit(org_pk, dtype=pl.Int64),
            )
        # A batch's households, then their members: the server inserts members (most of its
        # work) while the next households' rows are prepared.
        with _bulk_settings(), BackgroundInserter() as writer:
            for start in range(0, len(good), BATCH):
                batch = good[start : start + BATCH]
                if fresh := [hh for hh in batch if hh.data["_new"]]:
                    writer.put(
                        Household,
                        household_names,
                        [(hh.data["_pk"], org_pk, hh.number, *self._household_row(hh), now, now) for hh in fresh],
                    )
                people = sum(len(hh.rows) for hh in batch)
                if frame is not None:
                    writer.put_frame(HouseholdMember, frame.slice(members, people))
                    members += people
                else:
                    rows = [
                        (*m, household_id, order, org_pk)
                        for hh in batch
                        for household_id in (hh.data["_pk"],)
                        for order, m in enumerate(hh.members)
                    ]
                    members += len(rows)
                    writer.put(HouseholdMember, member_names, rows)
                handed += people
                saved(handed)
        created = sum(len(hh.rows) for hh in new)
        updated = sum(len(hh.rows) for hh in changed)
        record(
            actor=self.actor,
            action="households.import",
            organisation_id=org.pk,
            changes={"households": len(good), "members": members, "new_rows": created, "updated_rows": updated},
        )
        return created, updated

    def _household_row(self, hh: _Household) -> tuple[Any, ...]:
        """The household's HOUSEHOLD_COLUMNS values, its file checked for completeness."""
        d = hh.data
        size = d["size"] = len(hh.rows)  # in a household saved, every row is a member
        wages, business, transfer, property_ = (
            ZERO if d[k] is None else d[k]
            for k in ("income_wages", "income_business", "income_transfer", "income_property")
        )
        total = d["income_total"]
        if total is None:
            total = d["income_total"] = wages + business + transfer + property_
        per_capita = d["per_capita_income"]
        if per_capita is None and size:
            per_capita = d["per_capita_income"] = (total / size).quantize(CENTS)
        status = d["status"] = d["status"] or Status.POOR
        found = [] if hh.complete else completeness.problems_of(d, hh.members, self.today)
        return (
            d["township_id"], d["village_id"], d["group"] or "", d["head_name"] or "", d["phone"] or "",
            d["main_cause"] or "", d["other_causes"] or "", wages, business, transfer, property_, total, per_capita,
            size, d["food_ok"], d["clothing_ok"], d["education_ok"], d["medical_ok"], d["housing_ok"], d["water_ok"],
            status, d["exit_year"], d["helper_name"] or "", d["helper_phone"] or "", len(found), "\n".join(found),
        )  # fmt: skip


@contextlib.contextmanager
def _bulk_settings() -> Iterator[None]:
    """Settings for the writes of one import. On SQLite, a 256 MB page cache (the default is
    2 MB): the unique index of a province's ID numbers is far larger, and each new number
    lands on a random page of it."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


@register
class HouseholdImporter(Importer):
    """`import_data households` and the upload page: the framework's header matching and
    report, the loader's bulk validation and save."""

    kind = "households"
    title = "建档立卡贫困户"
    fields = FIELDS
    template_name = "贫困户导入模板.xlsx"
    fast_path = True  # try the column-wise path first (columnar.py); False: the per-row loader only
    fast = False  # whether the last `run` took the fast path
    declined = ""  # and if not, why

    def authorise(self) -> None:
        scoping.require_manage(self.actor, self.organisation.pk, "只有本级政协机关工作人员可以维护贫困户档案")
        if self.organisation.level == Level.CITY:
            raise Invalid({"organisation": "贫困户档案按县（市、区）导入，请选择县级政协"})

    @classmethod
    def template_columns(cls, organisation: Organisation | None = None) -> list[TemplateColumn]:
        text = {"number", "id_number", "phone", "helper_phone", "township_code", "village_code"}
        return [
            TemplateColumn(str(f.label), f.required, NOTES.get(f.key, ""), f.example, text=f.key in text)
            for f in FIELDS
        ]

    def run(
        self, source: str | Path | bytes, filename: str = "", *, mode: str = Mode.ALL, dry_run: bool = False
    ) -> ImportReport:
        self.authorise()
        from lvzhi.core.bulk import without_gc

        with without_gc():
            return self._run(source, filename, mode=mode, dry_run=dry_run)

    def _run(self, source: str | Path | bytes, filename: str, *, mode: str, dry_run: bool) -> ImportReport:
        from lvzhi.households.columnar import Declined, read_frame

        loader = HouseholdLoader(actor=self.actor, organisation=self.organisation, progress=self.progress)

        def new_report() -> ImportReport:
            return ImportReport(kind=self.kind, filename=filename, mode=Mode(mode), dry_run=dry_run)

        try:  # the fast path, for a file in which every row is valid
            if not self.fast_path:
                raise Declined("switched off")
            data, headers, warnings = read_frame(self, source, filename)
            if self.progress:
                self.progress(int(data.height * 0.1), data.height)
            report = new_report()
            report.warnings.extend(warnings)
            try:
                loader.load_frame(data, report, headers=headers)
            except IntegrityError as exc:  # see `_finish`; rolled back
                raise Declined("the database refused a row") from exc
            self.fast = True
            return report
        except Declined as why:  # the reason names no cell: no personal data in the log
            logger.info("household import: the per-row loader takes the file (%s)", why)
            self.fast, self.declined = False, str(why)
        report = new_report()
        grid = self.read_grid(source, filename, report)
        if grid is None:
            return report
        headers, columns, data_rows = grid
        loader.load_grid(data_rows, report, total=len(data_rows), headers=headers, columns=columns)
        return report


def load_households(
    *,
    actor: Any,
    organisation: Organisation,
    rows: Iterable[Mapping[str, object]],
    mode: str = Mode.ALL,
    progress: Progress | None = None,
) -> ImportReport:
    """The same validation and save for rows already in memory ({field key: value}), e.g.
    the demo or a benchmark; row numbers start at 2 as in a sheet under its header."""
    HouseholdImporter(actor=actor, organisation=organisation).authorise()
    items = list(rows)
    report = ImportReport(kind="households", filename="", mode=Mode(mode))
    HouseholdLoader(actor=actor, organisation=organisation, progress=progress).load(
        ((i, r) for i, r in enumerate(items, start=2)), report, total=len(items), headers={}
    )
    return report
