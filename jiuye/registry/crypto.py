"""Sensitive fields at rest: ID and phone numbers encrypted, found by a keyed hash.

Both keys are derived from ``settings.FIELD_KEY`` (environment ``JIUYE_FIELD_KEY``):

- values are encrypted with AES-256-GCM (``cryptography``), a random 96-bit nonce each
  time, the column's name as associated data (a value copied into another column does
  not decrypt); stored as ``v1:`` + base64(nonce + ciphertext + tag);
- exact search uses ``lookup_hash``: HMAC-SHA256 under a second derived key, so the
  database alone reveals neither the numbers nor which rows share a number with a
  list an attacker holds.

Values without the ``v1:`` prefix are read as legacy clear text (rows written before
encryption existed are re-encrypted by migration ``registry.0004``).
"""

import base64
import hashlib
import hmac
import os
import re
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models

PREFIX = "v1:"


@lru_cache(maxsize=4)
def _keys(field_key: str) -> tuple[AESGCM, bytes]:
    master = field_key.encode()
    encryption = hmac.new(master, b"jiuye field encryption v1", hashlib.sha256).digest()
    lookup = hmac.new(master, b"jiuye lookup hash v1", hashlib.sha256).digest()
    return AESGCM(encryption), lookup


def encrypt(value: str, context: str) -> str:
    if not value:
        return ""
    aead, _ = _keys(settings.FIELD_KEY)
    nonce = os.urandom(12)
    return PREFIX + base64.b64encode(nonce + aead.encrypt(nonce, value.encode(), context.encode())).decode()


def decrypt(token: str, context: str) -> str:
    if not token or not token.startswith(PREFIX):
        return token or ""
    aead, _ = _keys(settings.FIELD_KEY)
    raw = base64.b64decode(token[len(PREFIX):])
    return aead.decrypt(raw[:12], raw[12:], context.encode()).decode()


@lru_cache(maxsize=4)
def _hasher(field_key: str):
    _, key = _keys(field_key)
    return hmac.new(key, digestmod=hashlib.sha256)


def lookup_hash(value: str) -> str:
    """The keyed hash of a normalised value ("" for no value): 32 hex characters."""
    if not value:
        return ""
    h = _hasher(settings.FIELD_KEY).copy()
    h.update(value.encode())
    return h.hexdigest()[:32]


def phone_digits(value: str) -> str:
    """A phone number as searched: its digits only ("138 1234-5678（家）" → "13812345678")."""
    return re.sub(r"\D", "", value or "")


def phone_hash(value: str) -> str:
    """The keyed hash a phone number is found by (of its digits; "" for none)."""
    return lookup_hash(phone_digits(value))


class EncryptedTextField(models.TextField):
    """A text column stored encrypted. It cannot be filtered or ordered on: search by
    the keyed-hash column beside it (``Person.id_hash``, ``Person.phone_hash``)."""

    encrypted = True

    @property
    def context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value, expression, connection):
        return decrypt(value, self.context) if value is not None else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value is None else encrypt(value, self.context)

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None  # FieldError: "Unsupported lookup" — search by the keyed hash instead
