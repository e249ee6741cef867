"""The register pages: list, file, completeness report, exports and the background import,
with masking of personal data and charlie (another county's clerk) seeing nothing."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse

from lvzhi.accounts.models import User
from lvzhi.assistance import actions as assistance_actions
from lvzhi.assistance.testing import make_household
from lvzhi.core.identity import mask_id_number
from lvzhi.households.completeness import refresh
from lvzhi.households.models import Health, Household, HouseholdMember, ImportJob, JobStatus, Relation, Schooling
from lvzhi.households.testing import HEADER, id_number, person_row
from lvzhi.members.models import Membership
from lvzhi.testing import World

pytestmark = pytest.mark.django_db

HEAD_ID = id_number("530321", dt.date(1970, 5, 1), 11)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def uploads(settings: Any, tmp_path: Path) -> Path:
    settings.UPLOAD_DIR = tmp_path
    return tmp_path


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def household(world: World, number: str, *, village: str = "红旗村", complete: bool = True) -> Household:
    """A household of three (head, spouse, a sick child at school), its check refreshed. An
    incomplete one has no main cause."""
    h = make_household(world.county, number, size=3, village=village)
    h.main_cause = "illness" if complete else ""
    h.phone = "13912345678"
    h.save(update_fields=["main_cause", "phone"])
    people = [
        (h.head_name, Relation.HEAD, dt.date(1970, 5, 1), Health.HEALTHY, Schooling.NONE),
        ("李梅", Relation.SPOUSE, dt.date(1972, 6, 2), Health.HEALTHY, Schooling.NONE),
        ("张小明", Relation.CHILD, dt.date(2014, 7, 3), Health.SERIOUS, Schooling.PRIMARY),
    ]
    for order, (name, relation, birth, health, schooling) in enumerate(people):
        HouseholdMember.objects.create(
            household=h,
            organisation=world.county,
            name=name,
            id_number=id_number("530321", birth, int(number) * 10 + order),
            relation=relation,
            sex="M",
            birth_date=birth,
            health=health,
            schooling=schooling,
            sort_order=order,
        )
    refresh(h)
    return h


def sheet(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client: Client, content: bytes, organisation: str = "dcx") -> Any:
    file = io.BytesIO(content)
    file.name = "贫困户.xlsx"
    return client.post(reverse("households:import"), {"organisation": organisation, "file": file})


def read_xlsx(content: bytes) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def good_rows() -> list[list[Any]]:
    b = id_number("530321", dt.date(1972, 6, 2), 22)
    d = id_number("530321", dt.date(1965, 8, 4), 44)
    return [
        person_row("H001", "张三", "张三", HEAD_ID, "户主", 工资性收入=6000),
        person_row("H001", "张三", "李梅", b, "配偶"),
        person_row("H002", "王五", "王五", d, "户主", **{"行政村（社区）": "白水村"}),
    ]


# -- list and file ---------------------------------------------------------------------------


def test_it_lists_the_register_with_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    for n in range(1, 8):
        household(world, f"{n:03d}", village=f"村{n % 3}")
    client = client_for(world.alice)
    with django_assert_max_num_queries(15):  # the same for 7 households or 7000
        response = client.get(reverse("households:list"))
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="household-row"') == 7


def test_it_filters_by_village_search_and_incomplete_files(world: World) -> None:
    household(world, "001")
    other = household(world, "002", village="白水村", complete=False)
    client = client_for(world.alice)

    by_village = client.get(reverse("households:list"), {"township": other.township_id, "village": other.village_id})
    assert "002" in by_village.content.decode() and ">001<" not in by_village.content.decode()
    incomplete = client.get(reverse("households:list"), {"incomplete": "1"}).content.decode()
    assert ">002<" in incomplete and ">001<" not in incomplete
    searched = client.get(reverse("households:list"), {"q": "户主001"}).content.decode()
    assert ">001<" in searched and ">002<" not in searched


def test_the_htmx_request_gets_the_table_and_the_place_selects_out_of_band(world: World) -> None:
    h = household(world, "001")
    response = client_for(world.alice).get(
        reverse("households:list"), {"township": h.township_id}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="household-place" class="row g-2 mb-2" hx-swap-oob="true"' in html
    assert f'value="{h.village_id}"' in html  # the villages of the chosen township


def test_it_shows_the_full_id_number_and_health_to_alice_only(world: World) -> None:
    h = household(world, "001")
    head = h.members.get(relation=Relation.HEAD)
    url = reverse("households:detail", args=[h.pk])

    alice = client_for(world.alice).get(url).content.decode()
    assert head.id_number in alice and "大病" in alice and "13912345678" in alice

    carol = client_for(world.carol).get(url).content.decode()
    assert head.id_number not in carol
    assert mask_id_number(head.id_number) in carol
    assert "大病" not in carol and "***" in carol
    assert "13912345678" not in carol and "139****5678" in carol


def test_the_file_lists_its_problems_and_links_to_help_and_needs(world: World) -> None:
    h = household(world, "001", complete=False)
    html = client_for(world.alice).get(reverse("households:detail", args=[h.pk])).content.decode()
    assert "未填主要致贫原因" in html
    assert reverse("assistance_figures:household", args=[h.pk]) in html
    assert f"{reverse('needs:create')}?household=001" in html
    leader = client_for(world.leader).get(reverse("households:detail", args=[h.pk])).content.decode()
    assert reverse("needs:create") not in leader  # only the office registers needs


def test_a_member_sees_only_the_households_paired_with_them_masked(world: World) -> None:
    paired = household(world, "001")
    household(world, "002")
    assistance_actions.pair(actor=world.alice, organisation=world.county, person=world.member.person, household=paired)
    client = client_for(world.member_user)
    html = client.get(reverse("households:list")).content.decode()
    assert ">001<" in html and ">002<" not in html
    detail = client.get(reverse("households:detail", args=[paired.pk])).content.decode()
    assert paired.members.get(relation=Relation.HEAD).id_number not in detail and "***" in detail
    other = Household.objects.get(number="002")
    assert client.get(reverse("households:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("households:export")).status_code == 404


def test_charlie_sees_nothing_of_the_county(world: World) -> None:
    h = household(world, "001")
    job = ImportJob.objects.create(organisation=world.county, file_path="x.xlsx", filename="x.xlsx")
    client = client_for(world.charlie)
    assert ">001<" not in client.get(reverse("households:list")).content.decode()
    for name, args, params in [
        ("households:list", [], {"organisation": "dcx"}),
        ("households:detail", [h.pk], {}),
        ("households:export", [], {"organisation": "dcx"}),
        ("households:completeness", [], {"organisation": "dcx"}),
        ("households:completeness_export", [], {"organisation": "dcx"}),
        ("households:job", [job.pk], {}),
        ("households:job_errors", [job.pk], {}),
    ]:
        assert client.get(reverse(name, args=args), params).status_code == 404, name
    assert client.post(reverse("households:job_valid_only", args=[job.pk])).status_code == 404
    assert upload(client, sheet(good_rows()), organisation="dcx").status_code == 404
    assert not Household.objects.filter(number="H001").exists()
    assert ImportJob.objects.count() == 1


def test_only_office_clerks_may_import(world: World) -> None:
    assert client_for(world.leader).get(reverse("households:import")).status_code == 404
    assert client_for(world.member_user).get(reverse("households:import_template")).status_code == 404
    template = client_for(world.alice).get(reverse("households:import_template"))
    assert template["Content-Type"] == XLSX
    assert read_xlsx(template.content)[0][0] == "户编号"


# -- the background import ---------------------------------------------------------------------


def test_an_upload_creates_a_job_that_finishes_with_a_report(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any], uploads: Path
) -> None:
    client = client_for(world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, sheet(good_rows()))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("households:job", args=[job.pk])
    assert job.status == JobStatus.DONE and job.created_by == world.alice and job.finished_at is not None
    assert job.report["saved"] and job.report["error_count"] == 0 and job.percent == 100
    assert set(Household.objects.values_list("number", flat=True)) == {"H001", "H002"}
    assert not list(uploads.glob("imports/*"))  # everything saved: the file with ID numbers is gone
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-result"' in html and "hx-trigger" not in html


def test_the_progress_fragment_gives_the_percentage_until_the_job_finishes(world: World) -> None:
    job = ImportJob.objects.create(
        organisation=world.county, file_path="x.xlsx", filename="x.xlsx", status=JobStatus.RUNNING, done=40, total=160
    )
    client = client_for(world.alice)
    url = reverse("households:job", args=[job.pk])
    running = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in running and "25%" in running and 'hx-trigger="every 1s"' in running
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="导入失败：测试")
    finished = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in finished and "导入失败：测试" in finished


def test_a_bad_row_is_reported_and_the_valid_rows_can_be_imported_alone(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    rows = good_rows()
    rows[2][HEADER.index("身份证号码")] = "53032119650804004"  # 17 digits, row 4 of the sheet
    client = client_for(world.alice)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, sheet(rows))
    job = ImportJob.objects.get()
    assert job.status == JobStatus.DONE and not job.report["saved"]
    assert Household.objects.count() == 0
    html = client.get(reverse("households:job", args=[job.pk])).content.decode()
    assert "第4行" in html and "身份证号码应为18位" in html
    assert reverse("households:job_valid_only", args=[job.pk]) in html

    errors = read_xlsx(client.get(reverse("households:job_errors", args=[job.pk])).content)
    assert errors[0][0] == "原行号" and errors[0][-1] == "错误原因"
    assert [row[0] for row in errors[1:]] == [4]
    assert "王五" in errors[1] and "身份证号码：身份证号码应为18位" in errors[1][-1]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("households:job_valid_only", args=[job.pk]))
    second = ImportJob.objects.exclude(pk=job.pk).get()
    assert response["Location"] == reverse("households:job", args=[second.pk])
    assert second.mode == "valid_only" and second.source_job == job and second.report["saved"]
    assert list(Household.objects.values_list("number", flat=True)) == ["H001"]
    assert (
        reverse("households:job_valid_only", args=[second.pk]) not in client.get(response["Location"]).content.decode()
    )


def test_a_city_cannot_be_chosen_and_a_wrong_file_is_refused(world: World) -> None:
    client = client_for(world.carol)
    assert upload(client, sheet(good_rows()), organisation="sys").status_code == 404  # registers are per county
    text = io.BytesIO("户编号".encode())
    text.name = "贫困户.txt"
    refused = client.post(reverse("households:import"), {"organisation": "dcx", "file": text})
    assert refused.status_code == 400 and "请上传 .xlsx、.xls 或 .csv 文件" in refused.content.decode()
    assert ImportJob.objects.count() == 0


# -- completeness and exports ------------------------------------------------------------------


def test_the_completeness_report_counts_per_township_and_village(world: World) -> None:
    household(world, "001")
    household(world, "002", complete=False)
    household(world, "003", village="白水村", complete=False)
    client = client_for(world.alice)
    html = client.get(reverse("households:completeness")).content.decode()
    assert html.count('data-testid="village-row"') == 2
    assert 'data-testid="total-incomplete">2<' in html and "33.3%" in html

    red = Household.objects.get(number="001").village
    drill = client.get(reverse("households:completeness"), {"township": red.township_id, "village": red.pk})
    rows = drill.content.decode()
    assert rows.count('data-testid="drill-row"') == 1 and ">002<" in rows and "未填主要致贫原因" in rows


def test_the_problem_sheet_lists_the_incomplete_households_one_problem_per_line(world: World) -> None:
    household(world, "001")
    h = household(world, "002", complete=False)
    h.size = 5
    h.save(update_fields=["size"])
    refresh(h)
    content = client_for(world.alice).get(reverse("households:completeness_export")).content
    rows = read_xlsx(content)
    assert rows[0] == ["乡镇", "村", "户编号", "户主", "问题"]
    assert [r[2] for r in rows[1:]] == ["002"]
    assert rows[1][4].split("\n") == ["未填主要致贫原因", "家庭人口5人与成员3人不符"]
    carol = read_xlsx(client_for(world.carol).get(reverse("households:completeness_export")).content)
    assert carol[0][0] == "县区" and carol[1][0] == "东城县"


def test_the_export_has_exactly_the_filtered_households_masked_unless_allowed(world: World) -> None:
    household(world, "001")
    other = household(world, "002", village="白水村")
    params = {"township": other.township_id, "village": other.village_id}
    head = other.members.get(relation=Relation.HEAD).id_number

    rows = read_xlsx(client_for(world.alice).get(reverse("households:export"), params).content)
    header = rows[0]
    assert header[:2] == ["所属县区", "户编号"]
    assert {r[1] for r in rows[1:]} == {"002"} and len(rows) == 4  # one row per person
    assert head in [r[header.index("身份证号码")] for r in rows[1:]]
    assert "大病" in [r[header.index("健康状况")] for r in rows[1:]]

    carol = read_xlsx(client_for(world.carol).get(reverse("households:export"), params).content)
    ids = [r[header.index("身份证号码")] for r in carol[1:]]
    assert head not in ids and mask_id_number(head) in ids
    assert {r[header.index("健康状况")] for r in carol[1:]} == {"***"}
    assert {r[header.index("联系电话")] for r in carol[1:]} == {"139****5678"}


def test_the_menu_offers_the_register_to_office_and_leaders(world: World) -> None:
    office = client_for(world.alice).get(reverse("home")).content.decode()
    assert reverse("households:import") in office and reverse("households:completeness") in office
    leader = client_for(world.leader).get(reverse("home")).content.decode()
    assert reverse("households:list") in leader and reverse("households:import") not in leader


def test_the_members_menu_leads_to_their_paired_households_and_their_own_record(world: World) -> None:
    paired = household(world, "001")
    household(world, "002")
    person = world.member.person
    assistance_actions.pair(actor=world.alice, organisation=world.county, person=person, household=paired)
    client = client_for(world.member_user)
    home = client.get(reverse("home")).content.decode()
    menu = home.split('data-bs-toggle="dropdown" aria-expanded="false">脱贫攻坚助推</a>')[1].split("</ul>")[0]
    record = reverse("assistance_figures:member", args=[person.pk])
    for url in (reverse("households:list"), record, reverse("assistance:mine"), reverse("needs:mine")):
        assert f'href="{url}"' in menu, url
    assert f'href="{reverse("households:import")}"' not in home  # the office's links are not theirs
    assert f'href="{reverse("assistance_figures:page")}"' not in home

    households = client.get(reverse("households:list"))
    assert households.status_code == 200 and ">001<" in households.content.decode()
    assert ">002<" not in households.content.decode()
    mine = client.get(record)
    assert mine.status_code == 200 and "委员助推档案 · 王建国" in mine.content.decode()
    # Another member's record is not in the menu and answers 404.
    ding = Membership.objects.get(organisation=world.county, person__name="丁一").person_id
    assert client.get(reverse("assistance_figures:member", args=[ding])).status_code == 404


def test_the_favicon_is_a_static_file_and_answers_at_the_site_root(world: World) -> None:
    icon = Client().get("/favicon.ico")
    assert icon.status_code == 200 and icon["Content-Type"] in ("image/vnd.microsoft.icon", "image/x-icon")
    body = b"".join(icon.streaming_content)  # type: ignore[attr-defined]
    assert body[:4] == b"\x00\x00\x01\x00" and "max-age" in icon["Cache-Control"]
    page = client_for(world.alice).get(reverse("home")).content.decode()
    for name in ("lvzhi/favicon.ico", "lvzhi/favicon.svg"):
        url = static(name)
        assert f'rel="icon" href="{url}"' in page
        served = Client().get(url)  # by WhiteNoise, like the other assets
        assert served.status_code == 200, url
    assert b"<svg" in b"".join(Client().get(static("lvzhi/favicon.svg")).streaming_content)  # type: ignore[attr-defined]


@pytest.mark.browser
def test_the_job_page_polls_until_the_report_and_the_villages_follow_the_township(
    page: Any, browser_world: World
) -> None:
    from conftest import login, screenshot

    world = browser_world
    household(world, "001")
    other = household(world, "002", village="白水村")
    job = ImportJob.objects.create(
        organisation=world.county,
        file_path="x.xlsx",
        filename="贫困户.xlsx",
        status=JobStatus.RUNNING,
        done=40,
        total=160,
    )
    login(page, "alice")
    page.goto(page.base_url + reverse("households:job", args=[job.pk]))
    assert page.locator("[data-testid=job-percent]").inner_text() == "25%"
    ImportJob.objects.filter(pk=job.pk).update(done=120)
    page.wait_for_selector("[data-testid=job-percent]:has-text('75%')")
    report = {"saved": True, "summary": "已导入：新增3条，更新0条，未变化0条", "total": 3, "valid": 3, "errors": []}
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.DONE, report=report)
    page.wait_for_selector("[data-testid=import-result]:has-text('新增3条')")
    assert page.locator("#job-status").get_attribute("hx-trigger") is None  # polling stopped
    screenshot(page, "household-import-job")

    page.goto(page.base_url + reverse("households:list"))
    page.select_option("select[name=township]", str(other.township_id))
    page.wait_for_selector(f"select[name=village] option[value='{other.village_id}']", state="attached")
    page.select_option("select[name=village]", str(other.village_id))
    page.wait_for_function("document.querySelectorAll('[data-testid=household-row]').length === 1")
    assert "002" in page.locator("[data-testid=household-table]").inner_text()
    screenshot(page, "household-register")
