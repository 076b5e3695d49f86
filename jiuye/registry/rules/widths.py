"""Full-width forms read as ASCII (exchange.md, "Values").

A Chinese input method types ``２０２６年６月３０日``, ``５００１…`` or ``Ａ１`` as readily as
ASCII. In the columns that hold codes, ID numbers, phone numbers, dates and integers the
full-width forms U+FF01–U+FF5E and the ideographic space U+3000 are read as their ASCII
counterparts before the value is checked; nothing else is changed (no other Unicode
normalisation, and in no other column).
"""

# Unicode white space (the White_Space property): what a cell is trimmed of. Python's own
# str.strip() would also take U+001C–U+001F, which are control characters, not space.
WHITE_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
    "\u2028\u2029\u202f\u205f\u3000"

FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def trim(text: str) -> str:
    """``text`` without surrounding Unicode white space (the ideographic space U+3000 included)."""
    return text.strip(WHITE_SPACE)


def ascii_forms(text: str) -> str:
    """``text`` with its full-width forms (and U+3000) as ASCII; ASCII text is returned as it is."""
    return text if text.isascii() else text.translate(FULL_WIDTH)
