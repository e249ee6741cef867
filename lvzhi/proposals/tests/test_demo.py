"""The demo proposals of one county: every state of the lifecycle, reached through the actions."""

from __future__ import annotations

from collections import Counter

import pytest

from lvzhi.accounts.models import User
from lvzhi.audit.models import AuditEntry
from lvzhi.organisations.demo import build_demo
from lvzhi.organisations.models import Organisation
from lvzhi.proposals.demo import PLAN, build_county_proposals
from lvzhi.proposals.figures import proposal_figures
from lvzhi.proposals.models import Assignment, Proposal, State
from lvzhi.proposals.similarity import similar_proposals

pytestmark = pytest.mark.django_db


def test_it_builds_a_county_session_in_every_state() -> None:
    build_demo(2018)
    org = Organisation.objects.get(code="dcx")
    result = build_county_proposals(
        org, seed=2018, sysadmin=User.objects.get(username="sysadmin"), secadmin=User.objects.get(username="secadmin")
    )
    assert result.proposals == sum(n for _, n in PLAN) == Proposal.objects.filter(organisation=org).count()
    states = Counter(Proposal.objects.filter(organisation=org).values_list("state", flat=True))
    for state in State.values:
        assert states[state] > 0, state
    assert Proposal.objects.filter(organisation=org, is_key=True, supervisor__isnull=False).count() == 5
    assert Proposal.objects.filter(organisation=org, round__gt=1).exists()
    assert Proposal.objects.filter(organisation=org, is_published=True).exists()
    assert Assignment.objects.filter(proposal__organisation=org, state="objected").count() == 1
    figures = proposal_figures(org)
    assert 1 <= figures["overdue"] <= 6
    assert figures["filed"] >= 150 and 0.8 <= figures["solved_or_solving_rate"] <= 1
    # Every proposal went through actions: each has a timeline and audit rows.
    assert not Proposal.objects.filter(organisation=org, events__isnull=True).exists()
    filed = Proposal.objects.filter(organisation=org, filed_at__isnull=False).count()
    assert AuditEntry.objects.filter(action="proposal.file", organisation_id=org.pk).count() == filed
    one = Proposal.objects.filter(organisation=org, state="closed").first()
    assert one is not None
    assert one.pk in [s.proposal.pk for s in similar_proposals(org.pk, one.year, one.title)]
