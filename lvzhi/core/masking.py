"""The personal data of the people in poor households (建档立卡贫困户): one rule for every
page, export and API answer that shows them.

The rule: the names of the head of household and of the family members, ID numbers, phones
and health are shown in full only to a user holding the personal-data right (可查看个人敏感
信息, granted by the security administrator to office clerks and leaders) over the
household's committee, that is a committee in the user's scope. Everyone else (the members
paired with the household, leaders and clerks without the right) sees the surname and 某某
(张某某, 欧阳某某), ID numbers as 110105********0021, phones as 138****1234 and health as
***. Public pages show none of it.

Views build one `HouseholdPrivacy` per request (`for_request`) and ask it per household;
templates whose view does not pass the names use the ``household_head`` tag, which reads the
same object."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from lvzhi.core.identity import mask_id_number, mask_mobile

if TYPE_CHECKING:
    from django.db.models import Q
    from django.http import HttpRequest

HIDDEN = "***"
# Two-character surnames (复姓) keep both characters: 欧阳娜娜 -> 欧阳某某, not 欧某某.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 司空 夏侯 轩辕 令狐 端木 独孤 "
    "南宫 西门 呼延 申屠 澹台 公冶 太史 万俟 闻人 赫连 东郭 拓跋 钟离 宗政 濮阳 淳于 单于 百里 "
    "第五 左丘 梁丘 谷梁 段干 乐正 巫马 仲孙 叔孙 羊舌 微生 子车 颛孙 壤驷 公良 漆雕".split()
)
_CACHE = "_lz_household_privacy"


def mask_name(value: str) -> str:
    """张三 -> 张某某; 欧阳娜娜 -> 欧阳某某; blank stays blank."""
    name = re.sub(r"\s+", "", value or "")
    if not name:
        return ""
    surname = name[:2] if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else name[0]
    return f"{surname}某某"


class InCommittee(Protocol):
    """A household (or anything of one committee): its committee decides what is shown."""

    @property
    def organisation_id(self) -> int: ...


@dataclass(frozen=True)
class HouseholdPrivacy:
    """What one user may see of the people in households: the committees over which the user
    holds the personal-data right (none for most users)."""

    committees: frozenset[int] = frozenset()

    @classmethod
    def of(cls, user: Any) -> HouseholdPrivacy:
        from lvzhi.accounts.scoping import can_see_personal_data, organisation_ids_in_scope

        # Without a person id the check is the granted right alone (members are never granted it).
        if not can_see_personal_data(user):
            return cls()
        return cls(frozenset(organisation_ids_in_scope(user)))

    @classmethod
    def for_request(cls, request: HttpRequest) -> HouseholdPrivacy:
        """Built once per request: the page, its fragments and its template tags agree."""
        cached = getattr(request, _CACHE, None)
        if cached is None:
            user = getattr(request, "auth", None) or getattr(request, "user", None)
            cached = cls.of(user) if user is not None else cls()
            setattr(request, _CACHE, cached)
        return cached

    def search(self, text: str) -> Q:
        """Households found by 户编号 (its start), or by the head's name where the name is
        shown: a hidden name must not be confirmed by guessing it."""
        from django.db.models import Q

        return Q(number__startswith=text) | Q(head_name__contains=text, organisation_id__in=self.committees)

    def shows(self, household: InCommittee) -> bool:
        return household.organisation_id in self.committees

    def name(self, household: InCommittee, value: str) -> str:
        """A family member's (or the head's) name."""
        return value if self.shows(household) else mask_name(value)

    def head(self, household: Any) -> str:
        return self.name(household, household.head_name)

    def id_number(self, household: InCommittee, value: str) -> str:
        return value if self.shows(household) else mask_id_number(value or "")

    def phone(self, household: InCommittee, value: str) -> str:
        return value if self.shows(household) else mask_mobile(value or "")

    def health(self, household: InCommittee, label: str) -> str:
        return label if self.shows(household) else HIDDEN

    def text(self, household: InCommittee, value: str, names: Iterable[str]) -> str:
        """Free text that may quote the household's people by name (the file's problems,
        “成员张小明未填身份证号码”): each of those names masked."""
        if self.shows(household) or not value:
            return value
        # Longest first, so 张小明 is not masked as 张某某明 when 张小 is a name too.
        for name in sorted({n for n in names if n and len(n) > 1}, key=len, reverse=True):
            value = value.replace(name, mask_name(name))
        return value
