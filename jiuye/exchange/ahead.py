"""A first load's ID and phone numbers hashed and encrypted ahead, by a helper process on the
machine's other core.

A first load of a whole register spends seconds on the keyed hashes and the encryption of
every person's ID and phone numbers, work that depends on nothing but the parsed numbers.
``NumbersAhead`` starts a helper as soon as the rows are parsed and hands it the two columns and
the two keys through a pipe; while the import checks the input (one core), the helper makes the
columns slice by slice (the other core) with the functions the import itself uses
(``jiuye.registry.sealing``) into an unnamed temporary file, and the writer takes each slice
from there when it comes to it.

The helper is a fresh interpreter (``python -m jiuye.exchange.ahead``) that imports neither
Django nor the project's settings: it holds the two columns and one slice of results, not a
copy of the import's memory (a forked child would keep the pages the import goes on changing).
The keys go through its standard input only, never its command line or environment.

If anything goes wrong (the helper cannot start, fails, dies, or a slice is not the one asked
for), ``get`` answers None and the writer makes the columns itself, as without it: the
register stored is the same either way (``tests/test_import_ahead.py``).
"""

import json
import logging
import os
import subprocess
import sys
import tempfile

logger = logging.getLogger(__name__)

# The peak resident memory (MB) of the last helper that ran to its end (the benchmark shows it).
last_peak_mb: float | None = None

# A value stands for None in the pipe and the file (never in a number, a hash or a ciphertext).
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


class NumbersAhead:
    """The columns ``id_hash``, ``id_number`` (encrypted), ``phone_hash`` and, with phones,
    ``phone`` (encrypted) of ``ids`` and ``phones`` (None: no phone column), made by a helper
    process for each slice of ``size`` rows; ``get(start, stop)`` waits for that slice and
    returns its columns, or None (then the caller makes them)."""

    def __init__(self, ids: list, phones: list | None, *, keys: tuple[bytes, bytes], contexts: dict[str, str],
                 size: int):
        self.count, self.size = len(ids), size
        self.process = None
        self.delivered = 0  # rows whose columns were taken
        self.failed = True
        try:
            blobs = [_encoded(ids)] + ([] if phones is None else [_encoded(phones)])
        except ValueError:
            return
        self.file = tempfile.TemporaryFile(prefix="jiuye-ahead-")  # unnamed: gone with its last descriptor
        header = self._header(keys, contexts, [len(b) for b in blobs])
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jiuye.exchange.ahead"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # nothing of the numbers or keys may reach a log
                pass_fds=(self.file.fileno(),), close_fds=True)
            self.process.stdin.write(json.dumps(header).encode() + b"\n")
            for blob in blobs:
                self.process.stdin.write(blob)
            self.process.stdin.close()
        except (OSError, ValueError) as exc:  # no interpreter to start, it ended at once (a broken pipe), no pass_fds
            logger.warning("numbers not made ahead (%s): made in the import's process", type(exc).__name__)
            self.close()
            return
        self.failed = False
        self.offset = 0

    def _header(self, keys: tuple[bytes, bytes], contexts: dict[str, str], lengths: list[int]) -> dict:
        return {"fd": self.file.fileno(), "count": self.count, "size": self.size, "lengths": lengths,
                "encryption_key": keys[0].hex(), "lookup_key": keys[1].hex(), "contexts": contexts}

    def get(self, start: int, stop: int) -> dict[str, list] | None:
        """The columns of rows ``start:stop`` (the slices are asked for in order), or None."""
        if self.failed:
            return None
        try:
            line = self.process.stdout.readline()
            if not line:
                raise EOFError(f"the helper ended before the slice (exit status {self.process.wait()})")
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
            self.delivered = stop
            return columns
        except Exception as exc:  # noqa: BLE001 - the caller makes the columns itself
            logger.warning("numbers made ahead not used (%s: %s): made in the import's process", type(exc).__name__, exc)
            self.close()
            return None

    def close(self) -> None:
        """Stop the helper if it still runs, reap it, let the file go. Idempotent."""
        done = not self.failed and self.delivered == self.count
        self.failed = True
        process, self.process = self.process, None
        if process is not None:
            if done:  # every slice taken: it is ending by itself, its last line tells its peak memory
                last = process.stdout.read().split()
                if len(last) == 2 and last[0] == b"end":
                    global last_peak_mb
                    last_peak_mb = int(last[1]) / 1024
            elif process.poll() is None:
                process.kill()
            process.wait()
            process.stdout.close()
        file = self.__dict__.pop("file", None)
        if file is not None:
            file.close()


def _helper(stdin, stdout) -> None:
    """The helper process: the header line, the numbers, then each slice's columns."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from jiuye.registry.sealing import hmac_pads, person_number_columns

    header = json.loads(stdin.readline())
    columns = [_decoded(stdin.read(length), header["count"]) for length in header["lengths"]]
    ids, phones = columns[0], columns[1] if len(columns) > 1 else None
    aead, pads = AESGCM(bytes.fromhex(header["encryption_key"])), hmac_pads(bytes.fromhex(header["lookup_key"]))
    contexts, fd, offset = header["contexts"], header["fd"], 0
    for start in range(0, header["count"], header["size"]):
        stop = min(start + header["size"], header["count"])
        made = person_number_columns(ids[start:stop], None if phones is None else phones[start:stop], aead, pads,
                                     contexts)
        lengths = []
        for name, values in made.items():
            blob = _encoded(values)
            done = 0
            while done < len(blob):
                done += os.pwrite(fd, blob[done:], offset + done)
            offset += len(blob)
            lengths.append(f"{name}={len(blob)}")
        stdout.write(f"{start} {stop} {' '.join(lengths)}\n".encode())
        stdout.flush()
    stdout.write(f"end {_peak_kb()}\n".encode())  # for the benchmark (bench/step.py)
    stdout.flush()


def _peak_kb() -> int:
    """This process's peak resident memory since it started its interpreter (VmHWM, kB)."""
    try:
        with open("/proc/self/status") as status:
            return int(next(line for line in status if line.startswith("VmHWM")).split()[1])
    except (OSError, StopIteration, ValueError):
        return 0


if __name__ == "__main__":
    _helper(sys.stdin.buffer, sys.stdout.buffer)
