"""Columns of a large write made ahead of time by a forked child, on the machine's other core.

A first load of a whole register spends seconds on the keyed hashes and the encryption of
every person's ID and phone numbers (``jiuye.registry.crypto``), work that depends on nothing
but the parsed rows. ``ColumnsAhead`` forks a child as soon as the rows are parsed; while the
import checks them (one core), the child makes those columns slice by slice (the other core)
into an unnamed temporary file, and the writer takes each slice from there when it comes to it.

The child touches no database connection, thread or lock of the parent: it runs ``make``, writes
the file and a line per slice to a pipe, and leaves with ``os._exit`` (no clean-up handler, no
buffered output written twice). Its pages are the parent's, shared until written. If anything
goes wrong (no ``os.fork``, the child killed or failing, a slice not the one asked for),
``get`` answers None and the writer makes the columns itself, as without it: the result is the
same either way (``tests/test_import_ahead.py``).
"""

import gc
import logging
import os
import signal
import tempfile
from collections.abc import Callable

logger = logging.getLogger(__name__)

# A value stands for None in the file (never in a hash, a ciphertext or a key).
_NONE = "\x00"


def _encoded(values: list) -> bytes:
    text = "\n".join(_NONE if v is None else v for v in values)
    if text.count("\n") != len(values) - 1 or text.count(_NONE) != values.count(None):
        raise ValueError("a value holds a line break or a NUL")  # the writer makes the columns itself
    return text.encode()


def _decoded(blob: bytes, count: int) -> list:
    text = blob.decode()
    values = text.split("\n") if count else []
    if len(values) != count:
        raise ValueError(f"{len(values)} values for {count} rows")
    return [None if v == _NONE else v for v in values] if _NONE in text else values


class ColumnsAhead:
    """``make(start, stop)`` (a dict of columns of text or None for rows ``start:stop``) run in
    a forked child for each slice of ``size`` rows of ``count``; ``get(start, stop)`` waits for
    that slice and returns its columns, or None (then the caller makes them)."""

    def __init__(self, make: Callable[[int, int], dict[str, list]], count: int, size: int):
        self.count, self.size = count, size
        self.pid = None
        self.failed = False
        if not hasattr(os, "fork") or count <= 0:
            self.failed = True
            return
        self.file = tempfile.TemporaryFile(prefix="jiuye-ahead-")  # unnamed: gone with its last descriptor
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            status = 1
            try:
                os.close(read)
                gc.disable()  # a collection would walk (and so copy) every page of the parent's objects
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                self._child(make, write)
                status = 0
            except BaseException:  # noqa: BLE001, S110 - the parent sees the pipe end and makes the columns
                pass
            finally:
                os._exit(status)
        os.close(write)
        self.pid = pid
        self.pipe = os.fdopen(read, "rb")
        self.offset = 0

    def _child(self, make, pipe: int) -> None:
        fd, offset = self.file.fileno(), 0
        for start in range(0, self.count, self.size):
            stop = min(start + self.size, self.count)
            parts = []
            for name, values in make(start, stop).items():
                blob = _encoded(values)
                done = 0
                while done < len(blob):
                    done += os.pwrite(fd, blob[done:], offset + done)
                offset += len(blob)
                parts.append(f"{name}={len(blob)}")
            line = f"{start} {stop} {' '.join(parts)}\n".encode()
            while line:
                line = line[os.write(pipe, line):]

    def get(self, start: int, stop: int) -> dict[str, list] | None:
        """The columns of rows ``start:stop`` (the slices are asked for in order), or None."""
        if self.failed:
            return None
        try:
            line = self.pipe.readline()
            if not line:
                raise EOFError("the child ended before the slice")
            head = line.decode().split()
            if (int(head[0]), int(head[1])) != (start, stop):
                raise ValueError(f"slice {head[:2]} given for {start}:{stop}")
            columns = {}
            for part in head[2:]:
                name, length = part.split("=")
                blob = b""
                while len(blob) < int(length):
                    chunk = os.pread(self.file.fileno(), int(length) - len(blob), self.offset + len(blob))
                    if not chunk:
                        raise EOFError("the file ended before the slice")
                    blob += chunk
                self.offset += len(blob)
                columns[name] = _decoded(blob, stop - start)
            return columns
        except Exception as exc:  # noqa: BLE001 - the caller makes the columns itself
            logger.warning("columns made ahead not used (%s): made in the import's process", type(exc).__name__)
            self.close()
            return None

    def close(self) -> None:
        """Stop the child if it still runs, reap it, let the file go. Idempotent."""
        self.failed = True
        pid, self.pid = self.pid, None
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        self.pipe.close()
        self.file.close()
