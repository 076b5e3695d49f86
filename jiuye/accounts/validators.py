"""Password rules beyond Django's: at least two kinds of characters (letters, digits, symbols),
and the minimum length with a message in our catalogue."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _kinds(password: str) -> int:
    letters = any(c.isalpha() for c in password)
    digits = any(c.isdigit() for c in password)
    others = any(not c.isalnum() for c in password)
    return letters + digits + others


class CharacterClassesValidator:
    def __init__(self, min_kinds: int = 2):
        self.min_kinds = min_kinds

    def validate(self, password, user=None):
        if _kinds(password) < self.min_kinds:
            raise ValidationError(
                _("The password must mix letters, digits or symbols (at least two of them)."),
                code="password_too_uniform",
            )

    def get_help_text(self):
        return _("Your password must mix letters, digits or symbols (at least two of them).")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with a message that has a Chinese translation (Django 5.2's zh_Hans lacks one)."""

    def get_error_message(self):
        return _("The password is too short: it needs at least %(min_length)d characters.") % {
            "min_length": self.min_length
        }

    def get_help_text(self):
        return _("Your password must contain at least %(min_length)d characters.") % {"min_length": self.min_length}
