"""Progress of long work on a terminal: one line on stderr, rewritten in place (the CLI's
``import``, ``export`` and ``demo``; a background job reports to ``jiuye.tasks.progress``)."""

import unicodedata


def percent(done: int | None, total: int | None) -> int | None:
    if not total:
        return None
    return max(0, min(100, (done or 0) * 100 // total))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class ProgressLine:
    """For the CLI: one line on stderr rewritten in place (``\\r人员: 400000/1000000 (… 40%)``).

    ``enabled`` (stderr is a terminal, or ``--progress``): steps with numbers rewrite
    the line. Otherwise only the steps without numbers are written, one line each,
    as the commands always did.
    """

    def __init__(self, stream, enabled: bool):
        self.stream = stream
        self.enabled = enabled
        self.width = 0

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        if not self.enabled:
            if done is None:
                self.stream.write(message)
            return
        share = percent(done, total)
        text = message if share is None else f"{message} (总计 / total {share}%)"
        pad = max(0, self.width - _width(text))
        self.width = _width(text)
        self.stream.write("\r" + text + " " * pad, style_func=lambda s: s, ending="")
        self.stream.flush()

    def end(self) -> None:
        """Finish the line (before anything else is written to the stream)."""
        if self.width:
            self.stream.write("", style_func=lambda s: s)
            self.width = 0
