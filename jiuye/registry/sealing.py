"""The column-wise forms of ``jiuye.registry.crypto`` (a bulk import's ID and phone numbers),
given their keys: no Django here, so that a helper process of the import
(``jiuye.exchange.ahead``) runs the very same functions without the project's settings.
``crypto`` is where the keys come from and what the formats mean."""

import binascii
import hashlib
import os
import re
from functools import partial

PREFIX = "v1:"


def seal_column(values: list, aead, context: str) -> list:
    """Each value encrypted with ``aead`` (an ``AESGCM``): one read of random bytes for all the
    nonces. None stays None, "" stays "", as ``EncryptedTextField`` leaves them."""
    seal, data = aead.encrypt, context.encode()
    b64 = partial(binascii.b2a_base64, newline=False)  # base64.b64encode without its wrapper
    nonces = os.urandom(12 * len(values))
    out = []
    append = out.append
    for i, value in enumerate(values):
        if value is None:
            append(None)
        elif not value:
            append("")
        else:
            nonce = nonces[12 * i : 12 * i + 12]
            append(PREFIX + b64(nonce + seal(nonce, str(value).encode(), data)).decode())
    return out


def hmac_pads(key: bytes) -> tuple:
    """SHA-256 states after ``key``'s inner and outer padded blocks (RFC 2104), for ``hash_column``."""
    block = hashlib.sha256().block_size
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    return hashlib.sha256(bytes(k ^ 0x36 for k in key)), hashlib.sha256(bytes(k ^ 0x5C for k in key))


def hash_column(values, pads: tuple) -> list[str]:
    """HMAC-SHA256 of each value (32 hex characters; "" for no value), as RFC 2104 builds it:
    the two padded key blocks hashed once (``hmac_pads``) and copied per value, not hashed again
    for each value as ``hmac.digest`` does (half the work; ``tests/test_encryption.py`` compares)."""
    inner_copy, outer_copy = pads[0].copy, pads[1].copy
    out = []
    append = out.append
    for value in values:
        if value:
            h = inner_copy()
            h.update(value.encode())
            o = outer_copy()
            o.update(h.digest())
            append(o.hexdigest()[:32])
        else:
            append("")
    return out


_NOT_DIGITS = re.compile(r"\D")


def phone_digit_column(values) -> list[str]:
    """Each phone number as it is searched, its digits only ("" for none)."""
    strip = _NOT_DIGITS.sub  # a value of digits only (str.isdecimal: what \d takes) is kept as it is
    return [(v if v.isdecimal() else strip("", v)) if v else "" for v in values]


def person_number_columns(ids: list, phones: list | None, aead, pads: tuple, contexts: dict[str, str]) -> dict:
    """What a new 人员 row stores of its ID and phone numbers, for a slice of rows: ``id_hash``,
    ``id_number`` (encrypted), ``phone_hash`` and, if ``phones`` is given, ``phone`` (encrypted;
    without, the field's default ""). The import's own process and its helper both use it."""
    columns = {"id_hash": hash_column(ids, pads), "id_number": seal_column(ids, aead, contexts["id_number"])}
    if phones is None:
        columns["phone_hash"] = [""] * len(ids)
    else:
        columns["phone_hash"] = hash_column(phone_digit_column([p or "" for p in phones]), pads)
        columns["phone"] = seal_column(phones, aead, contexts["phone"])
    return columns
