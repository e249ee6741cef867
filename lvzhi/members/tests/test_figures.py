"""`manage.py figures members` against the persona world, counted by hand:
东城县 王建国 (教育界, 民盟, 委员) and 丁一 (中共界, 中共党员, 副主席); the city 王建国 (常委,
教育界, 民盟); 西山县 马六 (经济界, 民盟)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lvzhi.core.management.commands.figures import Command
from lvzhi.testing import World


def figures(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("figures", "members", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {r["name"]: r["count"] for r in rows}


def test_county(world: World) -> None:
    data = figures("--organisation", "dcx")
    assert data["organisation"] == "dcx"
    assert data["total"] == 2 and data["persons"] == 2
    assert counts(data["by_party"]) == {"民盟": 1, "中共党员": 1}
    assert counts(data["by_sector"]) == {"教育界": 1, "中共界": 1}
    assert data["by_role"] == [{"name": "副主席", "count": 1}, {"name": "委员", "count": 1}]
    assert counts(data["by_level"]) == {"县级": 2}
    assert set(data["definitions"]) >= {"total", "persons", "by_sector", "by_party", "by_role"}


def test_city_counts_its_subtree(world: World) -> None:
    data = figures("--organisation", "sys")
    assert data["total"] == 4 and data["persons"] == 3  # 王建国 sits twice
    assert counts(data["by_party"]) == {"民盟": 3, "中共党员": 1}
    assert counts(data["by_level"]) == {"县级": 3, "市级": 1}
    assert counts(data["by_role"]) == {"副主席": 1, "常委": 1, "委员": 2}
    assert counts(data["by_organisation"]) == {"东城县政协": 2, "西山县政协": 1, "示例市政协": 1}
    assert figures("--organisation", "xsx")["total"] == 1


def test_dates(world: World) -> None:
    assert figures("--organisation", "sys", "--as-of", "2000-01-01")["total"] == 0
    assert figures("--organisation", "sys", "--as-of", "2000年1月1日")["persons"] == 0
    later = figures("--organisation", "sys", "--from", "2000-01-01", "--to", "2099年12月31日")
    assert later["total"] == 4
    assert later["period"] == {"from": "2000-01-01", "to": "2099-12-31"}
    with pytest.raises(CommandError, match="无法识别的日期"):
        figures("--organisation", "sys", "--as-of", "昨天")
    with pytest.raises(CommandError, match="不能晚于"):
        figures("--organisation", "sys", "--from", "2019-01-01", "--to", "2018-01-01")


def test_plain_output_is_a_chinese_summary(world: World) -> None:
    out = io.StringIO()
    call_command("figures", "members", "--organisation", "dcx", stdout=out)
    text = out.getvalue()
    assert "东城县政协" in text and "在任委员人数：2" in text and "民盟：1" in text


def test_unknown_organisation_exits_1_in_chinese(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "figures", "members", "--organisation", "nope"])
    assert exited.value.code == 1
    assert "没有代码为“nope”的政协组织" in capsys.readouterr().err


def test_unknown_area_lists_the_areas(world: World) -> None:
    with pytest.raises(CommandError, match="未知的统计类别“proposalz”，可选：members"):
        call_command("figures", "proposalz", "--organisation", "dcx")
