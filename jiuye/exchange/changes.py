"""The change sample of a dry run, made ready for a page that may show full ID numbers.

The importer notes, for the first few changed rows of each table, their key and what changes
(``ImportResult.preview``), with ID and phone numbers masked: that is what the command line
prints and what a page shows to a user without the right to see full ID numbers. A preview is
stored (``Job.result``) and read later, perhaps by a user who may see them; so each sampled
key that holds an ID number also gets its full text *sealed* (encrypted with the field key,
as the register stores ID numbers), never in clear:

    keys_seal(result.preview, parsed)         # in ledger_import, for a dry run
    sample_key(sample, reveal=True)           # on the page: the full key, or the masked one
"""

from jiuye.registry.crypto import decrypt, encrypt
from jiuye.registry.rules.parse import ParsedTable
from jiuye.registry.rules.schema import TABLE_BY_NAME

# The encryption context of a sealed key (a token sealed for another use does not open here).
SEALED_CONTEXT = "jiuye.exchange.preview.key"
MASKED_COLUMNS = ("身份证号",)


def keys_seal(preview: dict, parsed: dict[str, ParsedTable]) -> dict:
    """Add ``key_sealed`` to each sample of ``preview`` whose key holds an ID number; returns it."""
    for table, entry in preview.items():
        samples = entry.get("sample") or []
        key_columns = TABLE_BY_NAME[table].key or ()
        if not samples or table not in parsed or not any(c in MASKED_COLUMNS for c in key_columns):
            continue
        wanted = {sample["row"] for sample in samples}
        rows = {row.number: row for row in parsed[table].rows if row.number in wanted}
        for sample in samples:
            row = rows.get(sample["row"])
            if row is not None:
                full = " ".join(_text(row.get(c)) for c in key_columns)
                sample["key_sealed"] = encrypt(full, SEALED_CONTEXT)
    return preview


def sample_key(sample: dict, *, reveal: bool) -> str:
    """The sample's key as a page shows it: in full if ``reveal`` and it was sealed, else masked."""
    if reveal and sample.get("key_sealed"):
        try:
            return decrypt(sample["key_sealed"], SEALED_CONTEXT)
        except Exception:  # noqa: BLE001 - another field key (a restored database): the masked key
            return sample.get("key", "")
    return sample.get("key", "")


def _text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
