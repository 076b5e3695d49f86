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

A wrong key (another ``JIUYE_FIELD_KEY``, or ``./var`` moved so that a new development key was
generated) is caught before anything is served: ``FieldKeyCheck`` holds a known text encrypted
with the key of the data (written by ``migrate``, or on first use after checking a stored ID
number), and ``field_key_problem`` compares. It is a problem of start-up
(``jiuye.checks.startup_problem``): ``jiuye check``, ``migrate`` and ``runserver`` stop on it, the
WSGI application answers 503 to every request, and the job runner fails the job.
"""

import base64
import binascii
import hashlib
import hmac
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import DatabaseError, connections, models

from jiuye.checks import startup_problem_source
from jiuye.registry.sealing import PREFIX, hash_column, hmac_pads, phone_digit_column, seal_column
from jiuye.registry.sealing import person_number_columns as person_columns


@lru_cache(maxsize=4)
def _keys(field_key: str) -> tuple[AESGCM, bytes]:
    encryption, lookup = raw_keys(field_key)
    return AESGCM(encryption), lookup


def raw_keys(field_key: str) -> tuple[bytes, bytes]:
    """The encryption and lookup keys derived from ``field_key`` (for a helper process of the
    import, ``jiuye.exchange.ahead``, which is handed them through a pipe; never logged)."""
    master = field_key.encode()
    encryption = hmac.new(master, b"jiuye field encryption v1", hashlib.sha256).digest()
    lookup = hmac.new(master, b"jiuye lookup hash v1", hashlib.sha256).digest()
    return encryption, lookup


def encrypt(value: str, context: str) -> str:
    return encrypt_column([value], context)[0] if value else ""


def encrypt_column(values: list, context: str) -> list:
    """``encrypt`` of a whole column (a bulk import), see ``sealing.seal_column``."""
    return seal_column(values, _keys(settings.FIELD_KEY)[0], context)


def decrypt(token: str, context: str) -> str:
    if not token or not token.startswith(PREFIX):
        return token or ""
    aead, _ = _keys(settings.FIELD_KEY)
    raw = base64.b64decode(token[len(PREFIX):])
    return aead.decrypt(raw[:12], raw[12:], context.encode()).decode()


def lookup_hash(value: str) -> str:
    """The keyed hash of a normalised value ("" for no value): 32 hex characters."""
    return lookup_hash_column([value])[0] if value else ""


def lookup_hash_column(values) -> list[str]:
    """``lookup_hash`` of each value (a bulk import), see ``sealing.hash_column``."""
    return hash_column(values, _hmac_pads(settings.FIELD_KEY))


@lru_cache(maxsize=4)
def _hmac_pads(field_key: str) -> tuple:
    return hmac_pads(_keys(field_key)[1])


def phone_digits(value: str) -> str:
    """A phone number as searched: its digits only ("138 1234-5678（家）" → "13812345678")."""
    return phone_digit_column([value])[0]


def phone_hash(value: str) -> str:
    """The keyed hash a phone number is found by (of its digits; "" for none)."""
    return lookup_hash(phone_digits(value))


def phone_hash_column(values) -> list[str]:
    """``phone_hash`` of each value (a bulk import)."""
    return lookup_hash_column(phone_digit_column(values))


def person_number_columns(ids: list, phones: list | None, contexts: dict[str, str]) -> dict:
    """``sealing.person_number_columns`` under this installation's keys."""
    return person_columns(ids, phones, _keys(settings.FIELD_KEY)[0], _hmac_pads(settings.FIELD_KEY), contexts)


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


# -- the check value: is JIUYE_FIELD_KEY the key of this database? ----------------------------------

CHECK_TEXT = "jiuye field key check v1"
CHECK_CONTEXT = "registry.fieldkeycheck.token"

KEY_MISMATCH = (
    "字段加密密钥 JIUYE_FIELD_KEY 与数据库不符，身份证号和电话无法解密：请恢复加密这些数据时所用的密钥"
    "（或把 JIUYE_VAR_DIR 指回原来的 ./var 目录）后重新启动 / JIUYE_FIELD_KEY does not match the database, "
    "whose ID and phone numbers it cannot decrypt: restore the key they were encrypted with (or point "
    "JIUYE_VAR_DIR at the original ./var), then start again"
)


class FieldKeyCheck(models.Model):
    """One row: ``CHECK_TEXT`` encrypted with the field key of the data (``field_key_problem``)."""

    token = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "registry"
        verbose_name = "field key check"


_verified: set[tuple[str, str]] = set()  # (digest of the key, database) found to match, in this process


def _opens(token: str, context: str) -> bool:
    try:
        decrypt(token, context)
    except (InvalidTag, ValueError, binascii.Error):
        return False
    return True


def field_key_check_write(connection) -> str | None:
    """What ``migrate`` and the first use do: if the database has no check value yet, and the
    key opens a stored ID number (or none is stored), write one. Returns the problem, if any."""
    tables = set(connection.introspection.table_names())
    checks, persons = FieldKeyCheck._meta.db_table, "registry_person"
    if checks not in tables:
        return None
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {quote(checks)} ORDER BY id LIMIT 1")
        row = cursor.fetchone()
        if row is not None:
            return None if _opens(row[0], CHECK_CONTEXT) else KEY_MISMATCH
        if persons in tables:
            cursor.execute(f"SELECT id_number FROM {quote(persons)} WHERE id_number LIKE %s LIMIT 1", [PREFIX + "%"])
            sample = cursor.fetchone()
            if sample is not None and not _opens(sample[0], "registry.person.id_number"):
                return KEY_MISMATCH
        cursor.execute(f"INSERT INTO {quote(checks)} (token, created_at) VALUES (%s, %s)",
                       [encrypt(CHECK_TEXT, CHECK_CONTEXT), connection.ops.adapt_datetimefield_value(_now())])
    return None


def _now():
    from django.utils import timezone

    return timezone.now()


@startup_problem_source
def field_key_problem(*, thorough: bool = True, using: str = "default") -> str | None:
    """``KEY_MISMATCH`` when ``JIUYE_FIELD_KEY`` is not the key of the database, else None (also
    when it cannot be told: no tables yet, or the database unreachable, which is its own error).

    ``thorough`` (the commands, the WSGI start-up, the job runner): without a check value yet,
    try a stored ID number and write the check value. Otherwise (a request, after start-up)
    only the check value is read. A match is remembered for the process; a mismatch is looked
    at again each time, so service comes back as soon as the right database is there."""
    connection = connections[using]
    seen = (hashlib.sha256(settings.FIELD_KEY.encode()).hexdigest(), str(connection.settings_dict["NAME"]))
    if seen in _verified:
        return None
    try:
        if thorough:
            problem = field_key_check_write(connection)
        else:
            problem = None
            token = FieldKeyCheck.objects.using(using).order_by("id").values_list("token", flat=True).first()
            if token is not None and not _opens(token, CHECK_CONTEXT):
                problem = KEY_MISMATCH
    except DatabaseError:
        return None  # unreachable, or not migrated: said elsewhere
    if problem is None:
        _verified.add(seen)
    return problem
