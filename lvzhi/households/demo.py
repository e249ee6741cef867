"""The household registers of the demo counties (`seed_demo`): a few thousand households
per county, loaded through the same import as a county's sheet (`load_households`), with a
few files left incomplete the way 003 describes them."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from lvzhi.accounts.models import Role, User
from lvzhi.households.loading import load_households
from lvzhi.households.testing import synthetic_rows
from lvzhi.organisations.demo import COUNTIES

HOUSEHOLDS_PER_COUNTY = 9000  # person rows: about 2,600 households
VILLAGE_NAMES = ("红旗", "向阳", "新华", "团结", "光明", "胜利", "和平", "永安", "长青", "太平", "丰收", "兴隆")


def build_household_demo(seed: int, *, echo: Callable[[str], None] = print) -> dict[str, int]:
    from lvzhi.organisations.models import Organisation

    totals = {"rows": 0}
    for index, spec in enumerate(COUNTIES):
        county = Organisation.objects.get(code=spec.code)
        clerk = User.objects.filter(role=Role.OFFICE, organisation=county, is_active=True).order_by("pk").first()
        rng = random.Random(seed + index)
        rows: list[dict[str, Any]] = []
        for row in synthetic_rows(HOUSEHOLDS_PER_COUNTY, seed=seed + index, area=spec.division_code,
                                  townships=len(spec.townships), villages=len(VILLAGE_NAMES)):  # fmt: skip
            row["township"] = spec.townships[int(row["township"][1:-1]) - 1]
            row["village"] = VILLAGE_NAMES[int(row["village"][1:-1]) - 1] + (
                "社区" if "街道" in row["township"] else "村"
            )
            rows.append(row)
        # 003: files "filled in irregularly and incompletely" — some heads' income is off.
        numbers = sorted({row["number"] for row in rows})
        wrong = {n: rng.choice((100, 800, 99999)) for n in rng.sample(numbers, len(numbers) // 40)}
        for row in rows:
            if row["number"] in wrong:
                row["per_capita_income"] = wrong[row["number"]]
        report = load_households(actor=clerk, organisation=county, rows=rows)
        assert report.saved, report.errors[:3]
        totals["rows"] += len(rows)
        echo(f"  {spec.short_name}：建档立卡贫困户成员{len(rows)}人")
    return totals
