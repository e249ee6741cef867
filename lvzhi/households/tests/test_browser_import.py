"""The household import in a real Chromium: 东城县's clerk uploads the county's sheet of
1,000 people (the column-wise fast path takes it), sees the report and the register; then a
sheet with one bad row (the per-row loader names row, column and reason) and imports the
households without it."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Any

import pytest

from conftest import login, screenshot
from lvzhi.households.loading import FIELDS
from lvzhi.households.models import Household, HouseholdMember
from lvzhi.households.testing import synthetic_rows
from lvzhi.testing import World

pytestmark = pytest.mark.browser

KEYS = [f.key for f in FIELDS]


@pytest.fixture(autouse=True)
def upload_dir(settings: Any, tmp_path: Path) -> Path:
    settings.UPLOAD_DIR = tmp_path / "uploads"
    return settings.UPLOAD_DIR


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(f.label) for f in FIELDS])
    for r in rows:
        writer.writerow([r.get(k, "") for k in KEYS])
    path.write_bytes(buffer.getvalue().encode("gb18030"))  # as WPS saves it
    return path


def upload(page: Any, path: Path) -> Any:
    page.goto(page.base_url + "/households/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("button:has-text('上传并导入')")
    status = page.locator("[data-testid=job-status][data-status=done]")
    status.wait_for(timeout=60_000)
    return status


def test_the_clerk_imports_the_county_sheet_and_a_sheet_with_a_bad_row(
    page: Any, browser_world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rows = list(synthetic_rows(1000, seed=11, area="530321"))
    login(page, "alice")
    with caplog.at_level(logging.INFO, logger="lvzhi.households.loading"):
        report = upload(page, write_csv(tmp_path / "东城县贫困户.csv", rows))
    counts = report.locator("[data-testid=import-counts]").inner_text()
    assert "共 1000 行，有效 1000 行，有错误 0 行" in counts.replace("\n", "")
    assert "per-row loader" not in caplog.text  # the fast path took the file
    households = len({r["number"] for r in rows})
    assert Household.objects.filter(organisation=browser_world.county).count() == households
    assert HouseholdMember.objects.filter(organisation=browser_world.county).count() == 1000
    screenshot(page, "household-import-done")
    page.click("text=查看贫困户档案")
    page.wait_for_selector("[data-testid=household-table], table")
    assert rows[0]["number"] in page.content()

    # A second county sheet, one person's ID number mistyped: nothing saved, the row named.
    more = list(synthetic_rows(40, seed=12, area="530322", prefix="B"))
    bad = more[5]["id_number"]
    more[5]["id_number"] = bad[:-1] + ("0" if bad[-1] != "0" else "1")
    with caplog.at_level(logging.INFO, logger="lvzhi.households.loading"):
        report = upload(page, write_csv(tmp_path / "补录.csv", more))
    errors = report.locator("[data-testid=import-errors]").inner_text()
    assert "第7行" in errors and "身份证号码校验位错误" in errors
    assert "per-row loader takes the file" in caplog.text
    assert not Household.objects.filter(number__startswith="B").exists()
    screenshot(page, "household-import-bad-row")
    page.click("[data-testid=valid-only] button")
    page.locator("[data-testid=job-status][data-status=done] [data-testid=import-result]").wait_for(timeout=60_000)
    skipped = more[5]["number"]
    saved = set(Household.objects.filter(number__startswith="B").values_list("number", flat=True))
    assert saved == {r["number"] for r in more} - {skipped}
