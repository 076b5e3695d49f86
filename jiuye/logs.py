"""Logging filters: quiet, useful lines with no ID or phone number in them.

- ``MaskNumbers`` masks 18-character ID numbers (``500103********0119``) and mainland mobile
  numbers (``138****5678``) in every record of the handlers it sits on: the message with its
  arguments, the traceback and the stack. A number can come in through anything that is logged
  (a path, a driver's message, an exception), so it is masked where the line is written.
- ``OneLineClientErrors``: a 4xx answer (403, 404, a CSRF refusal) is one line: what Django said,
  the method and the path (never the query string) and who asked; no traceback.

Both sit on every handler of ``LOGGING`` (settings), the web server's access log included.
"""

import logging
import re

# 17 digits and a check character (a digit or X), not inside a longer run of digits or letters.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
# 1[3-9]x xxxx xxxx, possibly with a space or a dash after the 3rd and the 7th digit.
MOBILE = re.compile(r"(?<![0-9])(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?![0-9])")


def mask_numbers(text: str) -> str:
    """``text`` with every ID and mobile number in it masked."""
    if not text or not any(c.isdigit() for c in text):
        return text
    return MOBILE.sub(r"\1****\2", ID_NUMBER.sub(r"\1********\2", text))


class MaskNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_jiuye_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format: logging reports it itself
            return True
        masked = mask_numbers(message)
        if masked != message or record.args:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_numbers(record.stack_info)
        record._jiuye_masked = True
        return True


def _who(request) -> str:
    user = request.__dict__.get("user")  # only if the request got that far
    try:
        if user is not None and user.is_authenticated:
            return user.get_username()
    except Exception:  # noqa: BLE001 - a lazy user that cannot be loaded now (no database)
        return "?"
    return "anonymous"


class OneLineClientErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        request = getattr(record, "request", None)
        if (getattr(record, "_jiuye_one_line", False) or not isinstance(status, int) or not 400 <= status < 500
                or not record.name.startswith(("django.request", "django.security")) or request is None
                or not hasattr(request, "path")):
            return True
        try:
            said = record.getMessage()
        except Exception:  # noqa: BLE001
            return True
        path = request.path
        what = request.method if path in said or path.encode("unicode_escape").decode() in said else \
            f"{request.method} {path}"
        record.msg, record.args = "%s [%s, %s, %s]", (said, what, _who(request), status)
        record.exc_info = record.exc_text = None
        record._jiuye_one_line = True
        return True
