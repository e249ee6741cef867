from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from conftest import login, screenshot
from lvzhi.testing import World, make_id_number

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def upload_dir(settings: Any, tmp_path: Path) -> Path:
    settings.UPLOAD_DIR = tmp_path / "uploads"
    return settings.UPLOAD_DIR


def test_alice_uploads_a_sheet_sees_the_bad_row_and_imports_the_valid_ones(
    page: Any, browser_world: World, tmp_path: Path
) -> None:
    bad_id = make_id_number("11010119860606006")
    bad_id = bad_id[:17] + ("1" if bad_id[17] != "1" else "2")
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号码", "手机号码", "政治面貌", "界别"])
    ws.append(["欧阳明", make_id_number("11010119800101001"), "13800000001", "民盟", "教育界"])
    ws.append(["钟离秀", bad_id, "13800000002", "民进", "经济界"])
    ws.append(["诸葛亮", make_id_number("11010119810202002"), "13800000003", "中共党员", "中共界"])
    path = tmp_path / "委员名单.xlsx"
    wb.save(path)

    login(page, "alice")
    page.goto(page.base_url + "/")
    page.click("text=导入委员")
    page.wait_for_selector("[data-testid=import-form]")
    page.set_input_files("input[name=file]", str(path))
    page.click("button:has-text('上传并校验')")

    errors = page.locator("[data-testid=import-errors]")
    errors.wait_for()
    text = errors.inner_text()
    assert "第3行" in text and "身份证号码" in text and "身份证号码校验位错误" in text
    assert "欧阳明" not in text
    assert page.locator("button:has-text('全部导入')").is_disabled()
    screenshot(page, "member-import-errors")

    page.click("button:has-text('仅导入有效行（2行）')")
    result = page.locator("[data-testid=import-result]")
    result.wait_for()
    assert page.locator("[data-testid=created]").inner_text() == "2"
    screenshot(page, "member-import-done")

    page.click("[data-testid=to-list]")
    table = page.locator("[data-testid=member-table]")
    table.wait_for()
    names = table.inner_text()
    assert "欧阳明" in names and "诸葛亮" in names and "钟离秀" not in names
