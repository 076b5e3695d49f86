"""Hostile files against `jiuye import`: `python -m bench.hostile [--keep DIR] [--only NAMES]`.

Builds each file in a temporary directory (a few GB of disk at most, streamed, never held in
memory), migrates a scratch SQLite database once, then runs `jiuye import` on each file in a
fresh process and prints a Markdown table: refused or not, the first problem line, seconds,
and the child's peak RSS (``ru_maxrss`` from ``wait4``). Goal (issue 14): each refused within
10 s and under 500 MB. The limits are the defaults, except where a row says otherwise.
"""

import argparse
import io
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = ["身份证号", "姓名", "性别", "出生日期", "家庭编号", "居住起始日期"]


def _base_workbook() -> bytes:
    """A small valid workbook (one sheet, 人员) as openpyxl writes it."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "人员"
    sheet.append(HEADER)
    sheet.append(["500103198003150119", "张建国", "男", "1980-03-15", "A1", "2000-01-01"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _workbook(path: Path, sheet_writer=None, extra=(), strings_writer=None) -> None:
    """The base workbook with its sheet (and shared strings, extra parts) written by the
    callables given, streamed into the archive."""
    base = zipfile.ZipFile(io.BytesIO(_base_workbook()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name in base.namelist():
            data = base.read(name)
            if name == "xl/worksheets/sheet1.xml" and sheet_writer:
                with archive.open(name, "w", force_zip64=True) as out:
                    sheet_writer(out)
                continue
            if name == "[Content_Types].xml" and strings_writer:
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            archive.writestr(name, data)
        if strings_writer:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
                strings_writer(out)
        for name, data, method in extra:
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)


def _padded_sheet(size: int):
    def write(out):
        out.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>'.encode())
        block = b" " * MB
        for _ in range(size // MB):
            out.write(block)
        out.write(b"</sheetData></worksheet>")
    return write


def padded_bomb(folder: Path) -> Path:
    """A 600 MB sheet beside 4 MB of random bytes: the whole's ratio stays near 100."""
    path = folder / "padded-bomb.xlsx"
    _workbook(path, _padded_sheet(600 * MB), extra=[("xl/media/noise.bin", os.urandom(4 * MB), zipfile.ZIP_STORED)])
    return path


def lying_directory(folder: Path) -> Path:
    """The 600 MB sheet, its sizes in both headers rewritten to 4 KB."""
    path = folder / "lying-directory.xlsx"
    _workbook(path, _padded_sheet(600 * MB))
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    with path.open("r+b") as fh:
        data = fh.read()
        name = info.filename.encode()
        for signature, size_at, name_at, length_at in ((b"PK\x01\x02", 24, 46, 28), (b"PK\x03\x04", 22, 30, 26)):
            at = data.find(signature)
            while at >= 0:
                length = int.from_bytes(data[at + length_at:at + length_at + 2], "little")
                if data[at + name_at:at + name_at + length] == name:
                    fh.seek(at + size_at)
                    fh.write((4096).to_bytes(4, "little"))  # ZIP64 keeps the real size in the extra field
                    if signature == b"PK\x01\x02":  # the extra field's copy, when ZIP64
                        extra_at = at + name_at + length
                        extra = data[extra_at:extra_at + 64]
                        if extra[:2] == b"\x01\x00":
                            fh.seek(extra_at + 4)
                            fh.write((4096).to_bytes(8, "little"))
                at = data.find(signature, at + 4)
    return path


def strings_bomb(folder: Path) -> Path:
    """A workbook of a few MB whose shared strings inflate to 400 MB."""
    path = folder / "shared-strings-bomb.xlsx"
    rng = random.Random(1)

    def write(out):
        out.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}">'.encode())
        filler = "张" * 300
        written = 0
        while written < 400 * MB:
            item = f"<si><t>{rng.getrandbits(32):08x}{filler}</t></si>".encode()
            out.write(item * 1)
            written += len(item)
        out.write(b"</sst>")
    _workbook(path, strings_writer=write)
    return path


def strings_count(folder: Path) -> Path:
    """Under the shared strings' byte limit and the ratio, but 4,500,000 short strings."""
    path = folder / "shared-strings-count.xlsx"
    rng = random.Random(2)
    letters = "abcdefghijklmnopqrstuvwxyz"

    def write(out):
        out.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}">'.encode())
        for _ in range(4500):
            out.write("".join(f"<si><t>{''.join(rng.choices(letters, k=6))}</t></si>" for _ in range(1000)).encode())
        out.write(b"</sst>")
    _workbook(path, strings_writer=write)
    return path


def workbook_million_columns(folder: Path) -> Path:
    path = folder / "million-columns.xlsx"

    def write(out):
        out.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData><row r="1">'.encode())
        for start in range(0, 1_000_000, 10_000):
            out.write("".join(f'<c t="inlineStr"><is><t>x{i}</t></is></c>' for i in range(start, start + 10_000))
                      .encode())
        out.write(b"</row></sheetData></worksheet>")
    _workbook(path, write)
    return path


def _csv(folder: Path, name: str, table: str, write) -> Path:
    target = folder / name
    target.mkdir()
    with (target / f"{table}.csv").open("wb") as out:
        write(out)
    return target


def csv_long_line(folder: Path) -> Path:
    def write(out):
        block = b"x" * MB
        for _ in range(200):
            out.write(block)
    return _csv(folder, "one-line-200MB", "人员", write)


def csv_nul(folder: Path) -> Path:
    """50 MB of rows, a NUL byte in the last."""
    def write(out):
        out.write(",".join(HEADER).encode() + b"\r\n")
        row = "500103198003150119,张建国,男,1980-03-15,A1,2000-01-01\r\n".encode()
        for _ in range(50 * MB // len(row)):
            out.write(row)
        out.write(b"500103198003150119,\x00,\r\n")
    return _csv(folder, "nul-at-the-end", "人员", write)


def csv_million_columns(folder: Path) -> Path:
    return _csv(folder, "million-columns-csv", "人员", lambda out: out.write(b"x," * 1_000_000 + b"x\r\n"))


def csv_rows(folder: Path) -> Path:
    """1,000,001 tiny rows, over a row limit of 1,000,000 (set for this file)."""
    def write(out):
        out.write(b"x\r\n" * 1_000_002)
    return _csv(folder, "million-tiny-rows", "投诉", write)


FILES = {
    "padded-bomb": (padded_bomb, {}),
    "lying-directory": (lying_directory, {}),
    "shared-strings-bomb": (strings_bomb, {}),
    "shared-strings-count": (strings_count, {}),
    "million-columns-xlsx": (workbook_million_columns, {}),
    "one-line-csv": (csv_long_line, {}),
    "nul-csv": (csv_nul, {}),
    "million-columns-csv": (csv_million_columns, {}),
    "million-rows-csv": (csv_rows, {"JIUYE_IMPORT_MAX_ROWS": "1000000"}),
}


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir()) if path.is_dir() else path.stat().st_size


def run_import(path: Path, env: dict) -> tuple[int, str, float, int]:
    """(exit status, stderr, seconds, peak RSS in bytes) of `jiuye import path` in a fresh process."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "jiuye", "import", str(path)], cwd=ROOT, env=env,
                                 stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return child.returncode, err.read().decode("utf-8", "replace"), seconds, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build the files here and keep them")
    parser.add_argument("--only", help="comma-separated names: " + ", ".join(FILES))
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(FILES)
    with tempfile.TemporaryDirectory(prefix="jiuye-hostile-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "JIUYE_VAR_DIR": str(Path(scratch) / "var"),
               "JIUYE_DATABASE_URL": f"sqlite:///{Path(scratch) / 'hostile.sqlite3'}"}
        env.pop("JIUYE_REDIS_URL", None)
        subprocess.run([sys.executable, "-m", "jiuye", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        print("| file | size | refused | first problem line | seconds | peak RSS |")
        print("| --- | ---: | --- | --- | ---: | ---: |")
        for name in names:
            build, extra_env = FILES[name]
            path = build(folder)
            code, stderr, seconds, rss = run_import(path, {**env, **extra_env})
            first = next((line for line in stderr.splitlines() if line.count("\t") == 3), stderr.strip()[-200:])
            first = first.replace("\t", " · ").replace("|", "\\|")
            if len(first) > 220:
                first = first[:220] + "…"
            limits = "".join(f" ({k}={v})" for k, v in extra_env.items())
            print(f"| {name}{limits} | {_size(path) / MB:.1f} MB | {'yes' if code == 2 else f'NO (exit {code})'} "
                  f"| {first} | {seconds:.2f} | {rss / MB:.0f} MB |", flush=True)
            if not args.keep:
                if path.is_dir():
                    for file in path.iterdir():
                        file.unlink()
                    path.rmdir()
                else:
                    path.unlink()


if __name__ == "__main__":
    main()
