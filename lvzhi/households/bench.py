"""Benchmark of the household import (`make bench`): n synthetic rows (valid ID numbers,
households of 1–6 persons over 9 townships), written to a .csv and an .xlsx, imported with
every row validated — against django-import-export's default row-by-row import of the same
kind of rows (a ModelResource for the members, households looked up by number). Returns
the figures; prints nothing."""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path
from typing import Any

from lvzhi.households.loading import FIELDS
from lvzhi.households.testing import synthetic_rows


def _county(code: str) -> tuple[Any, Any]:
    from lvzhi.accounts.models import Role, User
    from lvzhi.organisations.models import Organisation

    org = Organisation.objects.create(code=code, name=f"{code}县政协", short_name=f"{code}县", level="county")
    user = User.objects.create(username=f"{code}-clerk", role=Role.OFFICE, organisation=org)
    return org, user


def _clear(org: Any) -> None:
    """Remove a run's register, so that every run (and django-import-export's, which looks
    households up by number alone) meets the same database."""
    from django.db import connection

    from lvzhi.households.models import Household, HouseholdMember, Township, Village

    HouseholdMember.objects.filter(organisation=org).delete()
    with connection.cursor() as cursor:
        for model in (Household, Village, Township):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE organisation_id = %s", [org.pk])


def _write(rows: list[dict[str, Any]], folder: Path) -> tuple[Path, Path]:
    import xlsxwriter

    keys = [f.key for f in FIELDS if any(f.key in r for r in rows[:50])]
    labels = {f.key: str(f.label) for f in FIELDS}
    csv_path = folder / "households.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([labels[k] for k in keys])
        for r in rows:
            writer.writerow([r.get(k, "") for k in keys])
    # XlsxWriter writes strings into a shared table as Excel and WPS do; openpyxl writes each
    # cell's text inline with every Chinese character as an XML entity, a file twice the size
    # of what counties upload and slower to read.
    xlsx_path = folder / "households.xlsx"
    book = xlsxwriter.Workbook(str(xlsx_path))
    sheet = book.add_worksheet("贫困户")
    sheet.write_row(0, 0, [labels[k] for k in keys])
    for i, r in enumerate(rows, start=1):
        sheet.write_row(i, 0, [r.get(k, "") for k in keys])
    book.close()
    return csv_path, xlsx_path


def bench_import(n_rows: int, repeat: int = 3) -> dict[str, Any]:
    """Each file imported ``repeat`` times into a fresh county (best and median: the machine
    is shared); every row validated, the fast path checked to have taken the file."""
    import statistics

    from lvzhi.households.columnar import read_frame
    from lvzhi.households.loading import HouseholdImporter
    from lvzhi.households.models import HouseholdMember

    rows = list(synthetic_rows(n_rows, seed=17, area="510101"))
    results: dict[str, Any] = {"rows": n_rows}
    with tempfile.TemporaryDirectory() as tmp:
        csv_path, xlsx_path = _write(rows, Path(tmp))
        for label, path in (("csv", csv_path), ("xlsx", xlsx_path)):
            times = []
            for attempt in range(repeat):
                org, user = _county(f"bh{label}{attempt}")
                importer = HouseholdImporter(actor=user, organisation=org)
                started = time.perf_counter()
                report = importer.run(path, path.name)
                times.append(time.perf_counter() - started)
                assert report.saved and not report.errors and importer.fast, (report.errors[:3], importer.declined)
                assert HouseholdMember.objects.filter(organisation=org).count() == n_rows
                _clear(org)
            best, median = min(times), statistics.median(times)
            results[f"{label}_seconds"] = f"best {best:.2f}, median {median:.2f} of {repeat}"
            results[f"{label}_rows_per_s"] = round(n_rows / best)
            results[f"{label}_rows_per_s_median"] = round(n_rows / median)
            # The same file through the per-row loader alone (what a file with errors takes).
            org, user = _county(f"bh{label}slow")
            importer = HouseholdImporter(actor=user, organisation=org)
            importer.fast_path = False
            started = time.perf_counter()
            assert importer.run(path, path.name).saved
            results[f"{label}_per_row_loader_rows_per_s"] = round(n_rows / (time.perf_counter() - started))
            _clear(org)
            started = time.perf_counter()
            read_frame(importer, path, path.name)
            results[f"{label}_of_which_reading_the_file_s"] = round(time.perf_counter() - started, 2)
    return results


def bench_import_export(n_rows: int) -> dict[str, Any]:
    """django-import-export 4 with its defaults: a ModelResource for HouseholdMember, the
    household by number through a ForeignKeyWidget, `import_data` row by row. The households
    are created beforehand (not timed), so it does less work than ours."""
    import tablib
    from import_export import fields, resources, widgets

    from lvzhi.households.models import Household, HouseholdMember, Township, Village

    org, _user = _county("bhie")
    township = Township.objects.create(organisation=org, name="第1镇")
    village = Village.objects.create(organisation=org, township=township, name="第1村")
    rows = list(synthetic_rows(n_rows, seed=23, area="510102"))
    numbers = sorted({r["number"] for r in rows})
    Household.objects.bulk_create(
        Household(organisation=org, number=n, township=township, village=village) for n in numbers
    )

    class MemberResource(resources.ModelResource):
        household = fields.Field(
            column_name="household", attribute="household", widget=widgets.ForeignKeyWidget(Household, "number")
        )

        class Meta:
            model = HouseholdMember
            fields = ("household", "organisation", "name", "id_number", "relation", "sex", "health", "labour")
            import_id_fields = ("id_number",)

    relations = {"户主": "head", "配偶": "spouse", "子女": "child", "父母": "parent", "孙子女": "grandchild"}
    health = {"健康": "healthy", "长期慢性病": "chronic", "大病": "serious", "残疾": "disabled"}
    labour = {"普通劳动力": "normal", "技能劳动力": "skilled", "丧失劳动力": "lost", "无劳动力": "none"}
    data = tablib.Dataset(
        headers=["household", "organisation", "name", "id_number", "relation", "sex", "health", "labour"]
    )
    for r in rows:
        data.append(
            [r["number"], org.pk, r["name"], r["id_number"], relations[r["relation"]], "M", health[r["health"]],
             labour[r["labour"]]]
        )  # fmt: skip
    started = time.perf_counter()
    result = MemberResource().import_data(data, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - started
    assert not result.has_errors()
    assert HouseholdMember.objects.filter(organisation=org).count() == n_rows
    return {"rows": n_rows, "seconds": round(seconds, 2), "rows_per_s": round(n_rows / seconds)}
