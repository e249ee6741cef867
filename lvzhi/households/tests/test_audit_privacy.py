"""The audit log names a household by its number only: the head's name is personal data,
and the audit log is read by auditors without the personal-data right."""

from __future__ import annotations

from lvzhi.assistance import actions
from lvzhi.assistance.testing import make_household
from lvzhi.audit.models import AuditEntry
from lvzhi.testing import World


def test_it_keeps_the_heads_name_out_of_the_audit_log(world: World) -> None:
    household = make_household(world.county, "H-AUDIT")
    assert household.head_name
    actions.pair(actor=world.alice, organisation=world.county, person=world.member.person, household=household)
    entries = list(AuditEntry.objects.filter(action__startswith="assistance."))
    assert entries, "pairing is audited"
    text = " ".join(f"{e.object_repr} {e.changes}" for e in entries)
    assert "H-AUDIT" in text
    assert household.head_name not in text
