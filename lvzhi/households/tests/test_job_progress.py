"""The import's progress keeps moving while it saves: after each batch handed to the writer
(the command line's bar, both databases), and in the job row the page polls, written from a
second connection while the save's transaction is open (PostgreSQL; SQLite has one writer)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from lvzhi.households import jobs, loading
from lvzhi.households.loading import HouseholdImporter
from lvzhi.households.models import Household, ImportJob, JobStatus
from lvzhi.households.testing import synthetic_rows
from lvzhi.households.tests.test_fast_path import csv_bytes
from lvzhi.testing import World, postgres_connection

ROWS = 300


@pytest.mark.django_db
@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "per-row-loader"])
def test_progress_moves_during_the_save(world: World, monkeypatch: pytest.MonkeyPatch, fast: bool) -> None:
    monkeypatch.setattr(loading, "BATCH", 10)  # households per batch: about 9 batches here
    seen: list[int] = []
    importer = HouseholdImporter(actor=world.alice, organisation=world.county, progress=lambda d, t: seen.append(d))
    importer.fast_path = fast
    report = importer.run(csv_bytes(list(synthetic_rows(ROWS, seed=4))), "户.csv")
    assert report.saved and importer.fast == fast
    checked = int(report.total * (0.5 if fast else 0.7))  # where the checks leave the bar
    during = [d for d in seen if checked < d < report.total]
    assert len(during) >= 5, seen
    assert seen == sorted(seen) and seen[-1] == report.total


def _outside(job_id: int) -> tuple[str, int]:
    """The job row as the page sees it: through a connection of its own."""
    with postgres_connection() as other:
        row = other.execute(f"SELECT status, done FROM {ImportJob._meta.db_table} WHERE id = %s", [job_id]).fetchone()
    assert row is not None
    return str(row[0]), int(row[1])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer: the bar waits for the commit")
def test_the_page_sees_the_job_progress_during_the_save(browser_world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "BATCH", 10)
    original = jobs._Progress.__call__
    outside: list[tuple[str, int]] = []

    def spy(self: Any, done: int, total: int) -> None:
        original(self, done, total)
        if connection.in_atomic_block:  # inside the save's transaction
            outside.append(_outside(self.job_id))

    monkeypatch.setattr(jobs._Progress, "__call__", spy)
    upload = SimpleUploadedFile("户.csv", csv_bytes(list(synthetic_rows(ROWS, seed=5))))
    job = jobs.start_import(actor=browser_world.alice, organisation=browser_world.county, upload=upload)
    job.refresh_from_db()  # the immediate backend ran it after the commit
    assert job.status == JobStatus.DONE and job.report["saved"], job.report
    assert Household.objects.filter(organisation=browser_world.county).exists()
    moving = [done for status, done in outside if status == JobStatus.RUNNING and job.total // 2 < done < job.total]
    assert len(moving) >= 5, outside
    assert moving == sorted(moving)
