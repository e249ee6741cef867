"""Rows of the household register as counties keep them, for tests, the demo and the
benchmark: real ID numbers (valid check character), one row per person."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from lvzhi.core.identity import id_check_character

HEADER = [
    "户编号", "乡镇（街道）", "行政村（社区）", "户主姓名", "姓名", "身份证号码", "与户主关系", "健康状况", "劳动技能",
    "在校生状况", "主要致贫原因", "工资性收入", "转移性收入", "家庭年纯收入", "人均纯收入", "贫困户状态",
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "建国华明丽芳伟强军平红英敏静玲桂兰秀云霞志勇海燕杰涛斌超磊鹏辉刚飞波"


def id_number(area: str, birth: dt.date, seq: int) -> str:
    first17 = f"{area}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_check_character(first17)


def person_row(number: str, head: str, name: str, idn: object, relation: str, **extra: Any) -> list[Any]:
    """A row in HEADER's order with sensible defaults for the rest."""
    values = {
        "户编号": number, "乡镇（街道）": "城关镇", "行政村（社区）": "红旗村", "户主姓名": head, "姓名": name,
        "身份证号码": idn, "与户主关系": relation, "健康状况": "健康", "劳动技能": "普通劳动力", "在校生状况": "非在校生",
        "主要致贫原因": "因病", "工资性收入": "", "转移性收入": "", "家庭年纯收入": "", "人均纯收入": "",
        "贫困户状态": "未脱贫",
    }  # fmt: skip
    values.update(extra)
    return [values[h] for h in HEADER]


def synthetic_rows(
    n_rows: int, *, seed: int = 5, area: str = "530321", townships: int = 9, villages: int = 12, prefix: str = ""
) -> Iterator[dict[str, Any]]:
    """About ``n_rows`` valid person rows ({field key: value}) in households of 1–6."""
    rng = random.Random(seed)
    seq = 0
    household = 0
    while seq < n_rows:
        household += 1
        size = min(rng.choice((1, 2, 3, 3, 4, 4, 5, 6)), n_rows - seq)
        town = rng.randrange(townships)
        village = rng.randrange(villages)
        head_name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        shared = {
            "head_name": head_name,
            "main_cause": rng.choice(("因病", "因残", "因学", "缺技术", "缺资金", "缺劳力")),
            "income_wages": rng.choice((0, 3000, 6000, 12000, 18000)),
            "income_transfer": rng.choice((0, 1200, 2400)),
            "status": rng.choice(("未脱贫", "已脱贫", "边缘易致贫户")),
            "food_ok": "是",
            "clothing_ok": "是",
            "education_ok": "是",
            "medical_ok": "是",
            "housing_ok": "是",
            "water_ok": "是",
            "exit_year": "2019",
        }
        for k in range(size):
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=(seq * 7919) % 23000)
            age = 2026 - birth.year
            yield {
                "number": f"{prefix}{area}{household:08d}",
                "township": f"第{town + 1}镇",
                "village": f"第{village + 1}村",
                **shared,
                "name": head_name if k == 0 else rng.choice(SURNAMES) + rng.choice(GIVEN),
                "id_number": id_number(area, birth, seq)
                if seq < 1000
                else id_number(f"{int(area) + seq // 1000 % 400:06d}", birth, seq),
                "relation": "户主" if k == 0 else rng.choice(("配偶", "子女", "父母", "孙子女")),
                "health": rng.choice(("健康", "健康", "健康", "长期慢性病", "大病", "残疾")),
                "labour": rng.choice(("普通劳动力", "技能劳动力", "丧失劳动力", "无劳动力")),
                "schooling": "初中" if 12 <= age <= 15 else "非在校生",
            }
            seq += 1
