from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from lvzhi.audit.models import AuditEntry
from lvzhi.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


def test_it_records_every_change_with_request_id(world: World) -> None:
    c = Client()
    c.login(username="alice", password=PASSWORD)
    response = c.post(
        f"/members/{world.member.pk}/edit/",
        {
            "name": "王建国",
            "id_number": world.member.person.id_number,
            "party": "民盟",
            "role": "常委",
            "sector": "教育界",
            "version": world.member.version,
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="member.update").latest("id")
    assert entry.actor_name == "alice" and entry.source == "web"
    assert entry.request_id == response["X-Request-ID"]
    assert entry.changes["before"]["role"] == "member" and entry.changes["after"]["role"] == "standing"


def test_it_never_stores_personal_data_in_the_log(world: World) -> None:
    for entry in AuditEntry.objects.filter(object_type="members.person"):
        assert world.member.person.id_number not in str(entry.changes)
        assert "13800001234" not in str(entry.changes)


def test_it_refuses_to_change_or_delete_entries(world: World) -> None:
    entry = AuditEntry.objects.first()
    assert entry is not None
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
    # The database refuses too, even for code that goes around the model.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == entry.action


def test_it_lets_the_auditor_search_and_export(world: World) -> None:
    c = Client()
    c.login(username="auditor", password=PASSWORD)
    page = c.get("/audit/?action=member.create").content.decode()
    assert "member.create" in page and "account.grant_role" not in page
    export = c.get("/audit/export/?action=member.create")
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][4] == "操作" and len(rows) == 1 + AuditEntry.objects.filter(action="member.create").count()
    assert AuditEntry.objects.filter(action="audit.export", actor_name="auditor").exists()
