"""The references of the household tables hold on both databases: a member needs its
household, a household its village, township and committee, and none of those can be
deleted (or renumbered) from under the rows that name it. On SQLite they are foreign keys;
on PostgreSQL statement-level triggers (migration 0004) that also lock the parents as a
foreign key does, which the two-connection tests at the end check."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from lvzhi.core.bulk import insert_rows
from lvzhi.households.loading import HouseholdImporter
from lvzhi.households.models import Household, HouseholdMember, Township, Village
from lvzhi.households.testing import id_number, synthetic_rows
from lvzhi.households.tests.test_fast_path import csv_bytes
from lvzhi.testing import World, postgres_connection

pytestmark = pytest.mark.django_db(transaction=True)
MEMBERS = HouseholdMember._meta.db_table
HOUSEHOLDS = Household._meta.db_table


@pytest.fixture
def imported(browser_world: World) -> World:
    """A county register of about 40 people, imported as the clerk imports it (committed)."""
    importer = HouseholdImporter(actor=browser_world.alice, organisation=browser_world.county)
    report = importer.run(csv_bytes(list(synthetic_rows(40, seed=8))), "户.csv")
    assert report.saved and importer.fast, importer.declined
    return browser_world


def member_row(household: Household, seq: int) -> dict[str, Any]:
    """A new member of ``household`` as {attname: value}, like an existing member's."""
    first = HouseholdMember.objects.filter(household=household).values().first()
    assert first is not None
    row: dict[str, Any] = dict(first)
    row.pop("id")
    row.update(id_number=id_number("530321", row["birth_date"], 9000 + seq), sort_order=99)
    return row


def orphans() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {MEMBERS} m WHERE NOT EXISTS (SELECT 1 FROM {HOUSEHOLDS} h WHERE h.id = m.household_id)"
        )
        return int(cursor.fetchone()[0])


def refused(sql: str, params: list[Any]) -> None:
    """The statement fails with an IntegrityError and leaves nothing behind (at commit on
    SQLite, whose foreign keys are deferred; at the statement on PostgreSQL)."""
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_member_needs_its_household(imported: World) -> None:
    household = Household.objects.first()
    assert household is not None
    before = HouseholdMember.objects.count()
    good, bad = member_row(household, 1), member_row(household, 2)
    bad["household_id"] = Household.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    # One bad row in a bulk insert (COPY on PostgreSQL, as the import writes) refuses the batch.
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(HouseholdMember, [good, bad], with_pk=False)
    assert HouseholdMember.objects.count() == before
    insert_rows(HouseholdMember, [good], with_pk=False)
    assert HouseholdMember.objects.count() == before + 1
    # Moving a member to a household that does not exist.
    member = HouseholdMember.objects.filter(household=household).first()
    assert member is not None
    refused(f"UPDATE {MEMBERS} SET household_id = %s WHERE id = %s", [bad["household_id"], member.pk])
    other = Household.objects.exclude(pk=household.pk).first()
    assert other is not None
    HouseholdMember.objects.filter(pk=member.pk).update(household_id=other.pk)  # to one that does
    assert HouseholdMember.objects.get(pk=member.pk).household_id == other.pk
    assert orphans() == 0


def test_a_household_with_members_is_not_deleted_alone(imported: World) -> None:
    household = Household.objects.filter(size__gt=1).first()
    assert household is not None
    refused(f"DELETE FROM {HOUSEHOLDS} WHERE id = %s", [household.pk])
    refused(f"UPDATE {HOUSEHOLDS} SET id = %s WHERE id = %s", [household.pk + 100000, household.pk])
    assert Household.objects.filter(pk=household.pk).exists()
    household.delete()  # the ORM deletes the members first
    assert not HouseholdMember.objects.filter(household_id=household.pk).exists()
    assert orphans() == 0


def test_a_household_needs_its_village_township_and_committee(imported: World) -> None:
    household = Household.objects.first()
    assert household is not None
    top = max(Village.objects.order_by("-pk")[0].pk, Township.objects.order_by("-pk")[0].pk) + 1000
    for column in ("village_id", "township_id", "organisation_id"):
        refused(f"UPDATE {HOUSEHOLDS} SET {column} = %s WHERE id = %s", [top, household.pk])
    refused(f"DELETE FROM {Village._meta.db_table} WHERE id = %s", [household.village_id])
    refused(f"DELETE FROM {Township._meta.db_table} WHERE id = %s", [household.township_id])
    household.refresh_from_db()
    assert household.village_id is not None and Village.objects.filter(pk=household.village_id).exists()
    # A village without households can go.
    empty = Village.objects.create(organisation=imported.county, township=household.township, name="空村")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Village._meta.db_table} WHERE id = %s", [empty.pk])
    assert not Village.objects.filter(pk=empty.pk).exists()


# -- two transactions at once (PostgreSQL: the triggers' locks) --------------------------------


def _insert_member(conn: Any, row: dict[str, Any]) -> None:
    names = list(row)
    conn.execute(
        f"INSERT INTO {MEMBERS} ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})",
        [row[n] for n in names],
    )


def _delete_household(conn: Any, pk: int) -> None:
    conn.execute(f"DELETE FROM {MEMBERS} WHERE household_id = %s", [pk])
    conn.execute(f"DELETE FROM {HOUSEHOLDS} WHERE id = %s", [pk])


def _waiting(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row and row[0] == "Lock")


def _race(first: Any, second: Any) -> BaseException | None:
    """``first`` runs on one connection and stays uncommitted; ``second`` runs (and commits)
    on another, which must wait for the first's locks; then the first commits. Returns
    what the second raised."""
    one, two = postgres_connection(), postgres_connection()
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            with two.transaction():
                second(two)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    try:
        with one.transaction():
            first(one)
            pid = two.info.backend_pid
            thread = threading.Thread(target=run)
            thread.start()
            deadline = time.monotonic() + 30
            while thread.is_alive() and not _waiting(pid) and time.monotonic() < deadline:
                time.sleep(0.02)
        thread.join(30)
        assert outcome, "the second transaction did not finish"
        return outcome[0]
    finally:
        one.close()
        two.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
def test_a_household_deleted_while_a_member_is_being_added(imported: World) -> None:
    """Without the lock the delete would commit and leave the new member an orphan."""
    import psycopg

    household = Household.objects.filter(size__gt=1).first()
    assert household is not None
    row = member_row(household, 3)
    error = _race(lambda c: _insert_member(c, row), lambda c: _delete_household(c, household.pk))
    assert isinstance(error, psycopg.errors.ForeignKeyViolation), error
    assert Household.objects.filter(pk=household.pk).exists()
    assert HouseholdMember.objects.filter(id_number=row["id_number"]).exists()
    assert orphans() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
def test_a_member_added_while_the_household_is_being_deleted(imported: World) -> None:
    import psycopg

    household = Household.objects.filter(size__gt=1).first()
    assert household is not None
    row = member_row(household, 4)
    error = _race(lambda c: _delete_household(c, household.pk), lambda c: _insert_member(c, row))
    assert isinstance(error, psycopg.errors.ForeignKeyViolation), error
    assert not Household.objects.filter(pk=household.pk).exists()
    assert orphans() == 0
