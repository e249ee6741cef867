from __future__ import annotations

import datetime as dt
import logging

import pytest

from lvzhi.core.dates import DateError, format_cn, parse_date
from lvzhi.core.identity import (
    IdentityError,
    gender_from_id,
    id_check_character,
    mask_id_number,
    mask_mobile,
    normalise_id_number,
    normalise_mobile,
)
from lvzhi.core.logging import PersonalDataFilter, scrub
from lvzhi.core.text import pinyin_initials, stroke_count, stroke_key, to_halfwidth, to_simplified


def test_it_computes_the_mod_11_2_check_character() -> None:
    # The example from GB 11643 / REFERENCES.md.
    assert id_check_character("11010519491231002") == "X"
    assert normalise_id_number("11010519491231002X") == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002x", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),
        (" 110105 19491231 002X ", "11010519491231002X"),
    ],
)
def test_it_normalises_case_width_and_spaces(raw: str, expected: str) -> None:
    assert normalise_id_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "不能为空"),
        ("1101051949123100", "应为18位"),
        ("11010519491231002Y", "只能由数字和末位X组成"),
        ("110105194912310021", "校验位错误"),
        ("110105" + "19490230" + "002", "出生日期无效"),
        ("110105" + "20991231" + "002", "晚于今天"),
    ],
)
def test_it_refuses_bad_id_numbers_in_chinese(raw: str, reason: str) -> None:
    if len(raw) == 17:
        raw += id_check_character(raw)
    with pytest.raises(IdentityError, match=reason):
        normalise_id_number(raw)


def test_it_reads_gender_from_the_sequence_digit() -> None:
    assert gender_from_id("11010519491231002X") == "F"
    male = "11010519491231001"
    assert gender_from_id(male + id_check_character(male)) == "M"


def test_it_validates_mobile_numbers() -> None:
    assert normalise_mobile("138 1234 1234") == "13812341234"
    assert normalise_mobile("+8613812341234") == "13812341234"
    assert normalise_mobile("１３８１２３４１２３４") == "13812341234"
    for bad in ("23812341234", "1381234123", "138123412345", "电话"):
        with pytest.raises(IdentityError, match="11位数字"):
            normalise_mobile(bad)


def test_it_masks_as_the_issue_shows() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_mobile("13812341234") == "138****1234"
    assert mask_id_number("") == ""


@pytest.mark.parametrize(
    "raw",
    [
        "2018-11-20",
        "2018/11/20",
        "2018.11.20",
        "2018年11月20日",
        "20181120",
        43424,
        43424.0,
        "43424",
        dt.date(2018, 11, 20),
    ],
)
def test_it_reads_dates_as_users_type_them(raw: object) -> None:
    assert parse_date(raw) == dt.date(2018, 11, 20)


def test_it_refuses_impossible_dates() -> None:
    with pytest.raises(DateError, match="不存在"):
        parse_date("2018-02-30")
    with pytest.raises(DateError, match="无法识别"):
        parse_date("去年冬天")
    assert parse_date("") is None
    assert format_cn(dt.date(2018, 11, 20)) == "2018年11月20日"


def test_it_orders_names_by_surname_strokes() -> None:
    names = ["张伟", "王芳", "丁一", "马丽", "王五", "李强", "刘洋", "于海"]
    ordered = sorted(names, key=stroke_key)
    # 丁(2) 于(3) 马(3) 王(4) 刘(6) 李(7) 张(7); 于 before 马 by first stroke (横 before 折),
    # 李 before 张 by stroke order (横竖撇点 vs 折), 王五 before 王芳 (4 strokes before 7).
    assert ordered == ["丁一", "于海", "马丽", "王五", "王芳", "刘洋", "李强", "张伟"]
    assert stroke_count("王") == 4 and stroke_count("张") == 7


def test_it_converts_text() -> None:
    assert to_simplified("富源縣政協") == "富源县政协"
    assert to_halfwidth("ＡＢＣ１２３　") == "ABC123 "
    assert pinyin_initials("王建国") == "wjg"


def test_it_keeps_personal_data_out_of_logs(caplog: pytest.LogCaptureFixture) -> None:
    assert scrub("身份证 11010519491231002X 手机 13812341234") == "身份证 110105********002X 手机 138****1234"
    logger = logging.getLogger("lvzhi.test")
    logger.addFilter(PersonalDataFilter())
    with caplog.at_level(logging.INFO):
        logger.info("导入 %s", "11010519491231002X")
    assert "11010519491231002X" not in caplog.text and "110105********002X" in caplog.text
