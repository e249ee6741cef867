"""Similar proposals while drafting (same matter this year or last).

Titles are indexed as character bigrams (TitleGram). A query looks up only the bigrams of
the typed title in one committee's last two years, counts shared bigrams per proposal in the
database, and scores the best candidates with the Dice coefficient
2·|A∩B| / (|A|+|B|). It never scans every proposal; `make bench` compares it with the scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count

from lvzhi.proposals.models import Proposal, State, TitleGram

# Words every proposal title carries; they say nothing about the matter.
STOP = ("关于", "建议", "提案", "进一步", "加强", "加快", "推进", "的", "我县", "我市", "我区", "问题")
_NON_WORD = re.compile(r"[\s\W_]+", re.UNICODE)
MIN_SCORE = 0.25
LIMIT = 10


def normalise_title(title: str) -> str:
    text = title
    for word in STOP:
        text = text.replace(word, " ")
    return _NON_WORD.sub("", text.lower())


def bigrams(title: str) -> set[str]:
    text = normalise_title(title)
    if len(text) == 1:
        return {text}
    return {text[i : i + 2] for i in range(len(text) - 1)}


def index_title(proposal: Proposal) -> None:
    """(Re)write the bigrams of one proposal's title."""
    TitleGram.objects.filter(proposal=proposal).delete()
    TitleGram.objects.bulk_create(
        TitleGram(proposal=proposal, organisation_id=proposal.organisation_id, year=proposal.year, gram=g)
        for g in sorted(bigrams(proposal.title))
    )


@dataclass(frozen=True)
class Similar:
    proposal: Proposal
    score: float


EXCLUDED_STATES = (State.DRAFT, State.WITHDRAWN)


def similar_proposals(
    organisation_id: int, year: int, title: str, *, exclude_id: int | None = None, limit: int = LIMIT
) -> list[Similar]:
    grams = bigrams(title)
    if len(grams) < 2:
        return []
    shared = (
        TitleGram.objects.filter(organisation_id=organisation_id, year__in=(year, year - 1), gram__in=grams)
        .values("proposal_id")
        .annotate(n=Count("id"))
        .order_by("-n")[: limit * 5]
    )
    counts = {row["proposal_id"]: row["n"] for row in shared if row["proposal_id"] != exclude_id}
    if not counts:
        return []
    sizes = dict(
        TitleGram.objects.filter(proposal_id__in=counts)
        .values("proposal_id")
        .annotate(n=Count("id"))
        .values_list("proposal_id", "n")
    )
    scored = sorted(
        ((pid, 2 * n / (len(grams) + sizes[pid])) for pid, n in counts.items()), key=lambda x: (-x[1], x[0])
    )
    best = [(pid, score) for pid, score in scored if score >= MIN_SCORE][:limit]
    proposals = Proposal.objects.exclude(state__in=EXCLUDED_STATES).in_bulk([pid for pid, _ in best])
    return [Similar(proposals[pid], round(score, 2)) for pid, score in best if pid in proposals]
