from __future__ import annotations

import string
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """At least 8 characters and three of: upper case, lower case, digits, symbols (等保 level 3)."""

    def __init__(self, min_length: int = 8) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                _("密码至少%(min_length)s位") % {"min_length": self.min_length}, code="password_too_short"
            )
        classes = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(_("密码须包含大写字母、小写字母、数字、符号中的至少三类"), code="password_classes")

    def get_help_text(self) -> str:
        return _("密码至少%(min_length)s位，且包含大写字母、小写字母、数字、符号中的至少三类。") % {
            "min_length": self.min_length
        }
