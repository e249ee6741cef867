"""提案汇编: the bound compilation of one session's filed proposals as a Word document
(python-docx): a title page, a contents list, then every filed proposal in number order with
its number, title, proposers, category, an abstract of its suggestions and its handling
units.

Only proposals the requesting user may see are included, and no personal data: proposers
appear by name only, and anything in the abstract that looks like a mobile or ID number is
masked (members sometimes write their phone into the text)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import Prefetch
from django.utils import timezone

from lvzhi.core.identity import mask_id_number, mask_mobile
from lvzhi.organisations.models import Organisation, Term
from lvzhi.proposals.models import (
    FILED_STATES,
    Assignment,
    AssignmentState,
    Proposal,
    ProposalSettings,
    ProposalSigner,
)

if TYPE_CHECKING:
    from lvzhi.accounts.models import User

ABSTRACT_LENGTH = 200
FONT = "宋体"
HEADING_FONT = "黑体"
_ID = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 16 -> 十六, 21 -> 二十一 (up to 99; larger numbers as digits)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    text = ("" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")) + (_DIGITS[ones] if ones else "")
    return text


def mask_personal(text: str) -> str:
    text = _ID.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_mobile(m.group(0)), text)


def abstract(text: str, length: int = ABSTRACT_LENGTH) -> str:
    flat = re.sub(r"\s+", " ", text or "").strip()
    flat = mask_personal(flat)
    return flat if len(flat) <= length else flat[:length] + "……"


def compilation_title(organisation: Organisation, term: Term | None, session: int) -> str:
    """政协东城县第十六届委员会第一次会议提案汇编."""
    place = organisation.name.replace("政协", "").replace("委员会", "") or organisation.name
    term_text = term.name if term is not None and term.name else (f"第{chinese_number(term.number)}届" if term else "")
    return f"政协{place}{term_text}委员会第{chinese_number(session)}次会议提案汇编"


def session_proposals(
    user: User, organisation: Organisation, *, term_number: int | None = None, session: int | None = None
) -> tuple[Term | None, int, list[Proposal]]:
    """(term, session, the filed proposals of that session the user may see, by number)."""
    if term_number is not None:
        term = organisation.terms.filter(number=term_number).first()
    else:
        term = organisation.current_term
    if session is None:
        conf = ProposalSettings.objects.filter(organisation=organisation).first()
        session = conf.current_session if conf else 1
    visible = Proposal.objects.visible_to(user).values("pk")
    proposals = (
        Proposal.objects.filter(pk__in=visible, organisation=organisation, term=term, session=session)
        .filter(state__in=FILED_STATES)
        .order_by("seq", "number", "pk")
        .prefetch_related(
            Prefetch("signers", queryset=ProposalSigner.objects.select_related("person")),
            Prefetch(
                "assignments",
                queryset=Assignment.objects.exclude(state=AssignmentState.CANCELLED).select_related("unit"),
                to_attr="active_assignments",
            ),
            Prefetch("merged", queryset=Proposal.objects.prefetch_related("signers__person").order_by("pk")),
        )
    )
    return term, session, list(proposals)


def units_text(proposal: Proposal) -> str:
    assignments: Sequence[Assignment] = getattr(proposal, "active_assignments", None) or list(
        proposal.assignments.exclude(state=AssignmentState.CANCELLED).select_related("unit")
    )
    if not assignments:
        return "（尚未交办）"
    ordered = sorted(assignments, key=lambda a: (a.role not in ("lead", "sole"), a.pk))
    if proposal.handling_mode == "joint":
        return "、".join(f"{a.unit.name}（{a.get_role_display()}）" for a in ordered)
    if proposal.handling_mode == "split":
        return "、".join(a.unit.name for a in ordered) + "（分办）"
    return "、".join(a.unit.name for a in ordered)


def _font(run: object, name: str = FONT, size: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    r = run  # a docx Run
    r.font.name = name  # type: ignore[attr-defined]
    r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)  # type: ignore[attr-defined]
    if size is not None:
        r.font.size = Pt(size)  # type: ignore[attr-defined]
    if bold is not None:
        r.font.bold = bold  # type: ignore[attr-defined]


def compilation_docx(
    organisation: Organisation, term: Term | None, session: int, proposals: Sequence[Proposal]
) -> bytes:
    from docx import Document
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    title = compilation_title(organisation, term, session)
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    normal = doc.styles["Normal"]
    normal.font.name = FONT  # type: ignore[attr-defined]
    normal.font.size = Pt(12)  # type: ignore[attr-defined]
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)  # type: ignore[attr-defined]
    doc.core_properties.title = title
    doc.core_properties.author = f"{organisation.name}提案委员会"

    # Title page.
    for _ in range(6):
        doc.add_paragraph()
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(title), HEADING_FONT, 26, True)
    for _ in range(10):
        doc.add_paragraph()
    for line in (f"{organisation.name}提案委员会 编", f"{timezone.localdate():%Y}年{timezone.localdate().month}月"):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(line), FONT, 16)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # Contents.
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run("目　　录"), HEADING_FONT, 18, True)
    if not proposals:
        doc.add_paragraph("（本次会议暂无已立案提案）")
    for proposal in proposals:
        p = doc.add_paragraph()
        p.paragraph_format.space_after = Pt(2)
        _font(p.add_run(f"{proposal.number}　"), FONT, 11, True)
        _font(p.add_run(proposal.title), FONT, 11)
        _font(p.add_run(f"　（{proposal.proposer_names}）"), FONT, 10)

    # The proposals, each starting on a new page.
    for proposal in proposals:
        doc.add_section(WD_SECTION.NEW_PAGE)
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(proposal.number), HEADING_FONT, 14, True)
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(proposal.title), HEADING_FONT, 16, True)
        merged = [m for m in proposal.merged.all()]
        rows = [
            ("提案人", proposal.proposer_names or "—"),
            ("类别", "、".join(x for x in (proposal.category, proposal.get_kind_display()) if x)),
        ]
        if merged:
            rows.append(("并案", "；".join(f"{m.title}（{m.proposer_names}）" for m in merged)))
        rows.append(("承办单位", units_text(proposal)))
        if proposal.is_key:
            rows.append(("重点提案", "是"))
        rows.append(
            ("摘要", "（涉密提案，摘要略）" if proposal.is_confidential else abstract(proposal.suggestions) or "—")
        )
        for label, value in rows:
            p = doc.add_paragraph()
            p.paragraph_format.space_after = Pt(4)
            _font(p.add_run(f"{label}："), HEADING_FONT, 12, True)
            _font(p.add_run(value), FONT, 12)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
