"""Every upload is read within the deployment's limits and refused at the first excess
(issue 14 part 1): a CSV file as a stream (never read whole, an over-long cell refused as
soon as it is seen), a workbook fenced at its directory (each part: sheets, shared strings,
every other part), while inflating, and in its XML (rows, cells of a row, characters of a
cell, the shared strings' number and characters). The hostile files at full size are in
``bench/hostile.py``; here the limits are small and the files too."""

import re
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from jiuye.exchange.reader import read_input
from jiuye.registry import models as m
from tests.ledger_builders import Ledger

pytestmark = pytest.mark.django_db


@pytest.fixture
def base(example_dir) -> Ledger:
    return Ledger.example(example_dir)


@pytest.fixture
def run_import(jiuye, tmp_path):
    def run(ledger):
        return jiuye("import", str(ledger.write_csv(tmp_path / "input") if isinstance(ledger, Ledger) else ledger))

    return run


def problem_lines(run) -> list[list[str]]:
    return [line.split("\t") for line in run.stderr.splitlines() if line.count("\t") == 3]


def refused(run, table: str, *words: str) -> str:
    """Exit 2, nothing written, the first problem line names ``table`` and holds ``words`` and
    both languages; its message."""
    assert run.code == 2, (run.stdout, run.stderr)
    assert not m.Person.objects.exists()
    lines = problem_lines(run)
    assert lines and lines[0][0] == table, run.stderr
    message = lines[0][3]
    assert " / " in message and re.search(r"[\u4e00-\u9fff]", message), message
    for word in words:
        assert word in message, message
    return message


def peak_memory(function, *args) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = function(*args)
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- CSV: a stream ------------------------------------------------------------------------------------


def test_csv_is_never_read_whole(run_import, base, tmp_path, monkeypatch):
    folder = base.write_csv(tmp_path / "in")

    def whole(self):
        raise AssertionError(f"{self.name} read whole")

    monkeypatch.setattr(Path, "read_bytes", whole)
    monkeypatch.setattr(Path, "read_text", whole)
    run = run_import(folder)
    assert run.code == 0, run.stderr


def test_a_long_one_line_csv_is_refused_at_its_first_cell(jiuye, tmp_path):
    """20 MB without a line break: refused once the first 32,767 characters are over, in a
    block or two (a little memory), naming the line."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "投诉.csv").write_bytes(b"x" * (20 * 1024 * 1024))
    (tables, problems), peak = peak_memory(read_input, folder)
    assert [p.kind for p in problems] == ["over_limit"] and tables[0].unreadable
    assert "JIUYE_IMPORT_MAX_CELL_CHARS" in problems[0].message and "line 1" in problems[0].message
    assert peak < 8 * 1024 * 1024, peak
    refused(jiuye("import", str(folder)), "投诉", "the characters of a cell", "shorten the cell")


def test_a_long_quoted_cell_over_several_lines_is_refused(run_import, base, settings):
    """A quoted cell going on over line breaks, and a long line that goes on with it."""
    settings.JIUYE_IMPORT_MAX_CELL_CHARS = 1000
    base.set("人员", 3, "技能", "电工\n" * 10 + "电" * 300_000)
    refused(run_import(base), "人员", "the characters of a cell", "JIUYE_IMPORT_MAX_CELL_CHARS")


def test_a_long_line_of_short_cells_is_refused_at_the_column_limit(tmp_path, settings):
    """A million columns on one line (3 MB): refused from what is read of the line, not
    after it all (and not as a million unknown columns)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "人员.csv").write_bytes(b"a," * 1_500_000 + b"\r\n")
    (tables, problems), peak = peak_memory(read_input, folder)
    assert len(problems) == 1 and problems[0].kind == "over_limit", problems
    assert "JIUYE_IMPORT_MAX_COLUMNS" in problems[0].message
    assert peak < 12 * 1024 * 1024, peak


def test_rows_over_the_limit_stop_the_reading(tmp_path, settings):
    settings.JIUYE_IMPORT_MAX_ROWS = 1000
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "投诉.csv").write_bytes(b"a\r\n" * 2_000_000)
    (tables, problems), peak = peak_memory(read_input, folder)
    assert [p.kind for p in problems] == ["over_limit"] and "JIUYE_IMPORT_MAX_ROWS" in problems[0].message
    assert peak < 32 * 1024 * 1024, peak  # a block's lines at most (2,000,000 rows would be 300 MB)


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_characters_across_the_reading_blocks(base, tmp_path, settings, encoding):
    """Chinese characters astride the 1 MiB blocks the file is read in, in both encodings."""
    settings.JIUYE_IMPORT_MAX_CELL_CHARS = 1_000_000
    folder = base.write_csv(tmp_path / "in", encoding=encoding)
    path = folder / "服务记录.csv"
    lines = path.read_bytes().split(b"\r\n")
    padding = "政策咨询，" * 80_000  # more than a block in either encoding, odd byte counts
    header, first = lines[0].decode(encoding), lines[1].decode(encoding)
    assert first.endswith(",")  # 经办人 is blank: write the long note there
    lines[1] = (first + "张" + padding[: len(padding) - 1]).encode(encoding)
    path.write_bytes(b"\r\n".join(lines))
    (tables, problems) = read_input(folder)
    assert not problems, problems
    cell = next(t for t in tables if t.name == "服务记录").rows[0][1][-1]
    assert cell == "张" + padding[: len(padding) - 1], (problems, header)


def test_old_mac_line_breaks_are_lines(run_import, base, tmp_path):
    folder = base.write_csv(tmp_path / "in")
    path = folder / "投诉.csv"
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\r"))
    assert run_import(folder).code == 0


def test_utf8_line_before_the_gb18030_one_is_a_mixed_file(run_import, base, tmp_path):
    """The UTF-8 line first (line 1, the header), then a GB18030 one: mixed, both named."""
    folder = base.write_csv(tmp_path / "in")
    path = folder / "家庭.csv"
    lines = path.read_bytes().split(b"\r\n")
    lines[5] = lines[5].decode("utf-8").encode("gb18030")
    path.write_bytes(b"\r\n".join(lines))
    refused(run_import(folder), "家庭", "line 1 is UTF-8, line 6 is not")


# --- workbooks: the directory, before anything is inflated -------------------------------------------


_REWRITES = iter(range(1_000_000))


def _rewrite(book: Path, change) -> Path:
    """The workbook with ``change(name, data)`` applied to each part (None drops it)."""
    out = book.parent / f"{next(_REWRITES)}" / "台账.xlsx"
    out.parent.mkdir()
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = change(name, source.read(name))
            if data is not None:
                target.writestr(name, data)
    return out


def _shared_strings(book: Path) -> Path:
    """The workbook with its text cells as shared strings (openpyxl writes them inline)."""
    strings: dict[str, int] = {}
    cell = re.compile(rb'<c r="([A-Z]+\d+)"( s="\d+")? t="inlineStr"><is><t(?: xml:space="preserve")?>([^<]*)</t></is></c>')

    def shared(match):
        index = strings.setdefault(match[3].decode(), len(strings))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match[1], match[2] or b"", index)

    sheets = {}
    with zipfile.ZipFile(book) as source:
        for name in source.namelist():
            if name.startswith("xl/worksheets/"):
                sheets[name] = cell.sub(shared, source.read(name))
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    table = (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             f'2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>').encode()

    def change(name, data):
        if name in sheets:
            return sheets[name]
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        return data

    out = _rewrite(book, change)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", table)
    return out


@pytest.fixture
def book(base, tmp_path) -> Path:
    return base.write_xlsx(tmp_path / "good.xlsx")


def test_shared_strings_workbook_imports(jiuye, book):
    run = jiuye("import", str(_shared_strings(book)))
    assert run.code == 0, run.stderr


@pytest.mark.parametrize(("setting", "kind"), [
    ("JIUYE_IMPORT_MAX_XLSX_SHEET_BYTES", "sheet"),
    ("JIUYE_IMPORT_MAX_XLSX_STRINGS_BYTES", "strings"),
    ("JIUYE_IMPORT_MAX_XLSX_PART_BYTES", "other"),  # styles, theme, workbook...
])
def test_each_part_has_its_limit(jiuye, book, settings, setting, kind):
    from jiuye.exchange.workbook import part_kind

    book = _shared_strings(book)
    with zipfile.ZipFile(book) as archive:
        largest = max((i for i in archive.infolist() if part_kind(i.filename) == kind), key=lambda i: i.file_size)
    setattr(settings, setting, largest.file_size - 1)
    refused(jiuye("import", str(book)), "-", largest.filename, setting, "zip bomb")


def _inflated_sheet(book):
    """The workbook with its first sheet padded to inflate to 64 MiB (it compresses to little)."""
    def change(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b"</worksheet>", b" " * (64 * 1024 * 1024) + b"</worksheet>")
        return data

    return _rewrite(book, change)


def test_a_sheet_that_inflates_far_beside_incompressible_padding(jiuye, book):
    """The padded bomb: a 64 MiB sheet beside random bytes that keep the whole's ratio low."""
    import os

    bomb = _inflated_sheet(book)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/noise.bin", os.urandom(2 * 1024 * 1024))
    refused(jiuye("import", str(bomb)), "-", "xl/worksheets/sheet1.xml", "zip bomb")


def test_a_directory_that_lies_about_the_sizes(jiuye, book):
    """Declared sizes small, the sheet inflating to 64 MiB: stopped where the directory said."""
    bomb = _inflated_sheet(book)
    data = bytearray(bomb.read_bytes())
    with zipfile.ZipFile(bomb) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):  # central, local header
        at = data.find(signature + b"", 0)
        while at >= 0:
            name_length = struct.unpack("<H", data[at + (28 if signature == b"PK\x01\x02" else 26):][:2])[0]
            start = at + (46 if signature == b"PK\x01\x02" else 30)
            if bytes(data[start:start + name_length]) == info.filename.encode():
                data[at + offset:at + offset + 4] = struct.pack("<I", 4096)
            at = data.find(signature, at + 4)
    bomb.write_bytes(bytes(data))
    run = jiuye("import", str(bomb))
    assert run.code == 2 and problem_lines(run), run.stderr
    assert not m.Person.objects.exists()


def test_too_many_parts(jiuye, book):
    with zipfile.ZipFile(book, "a") as archive:
        for i in range(10_001):
            archive.writestr(f"xl/media/{i}.bin", b"")
    refused(jiuye("import", str(book)), "-", "the number of parts")


# --- workbooks: the XML, counted as it comes --------------------------------------------------------


def test_shared_strings_over_their_number(jiuye, book, settings):
    settings.JIUYE_IMPORT_MAX_XLSX_STRINGS = 50
    refused(jiuye("import", str(_shared_strings(book))), "-", "the number of shared strings",
            "JIUYE_IMPORT_MAX_XLSX_STRINGS")


def test_shared_strings_over_their_characters(jiuye, book, settings):
    settings.JIUYE_IMPORT_MAX_XLSX_STRING_CHARS = 500
    refused(jiuye("import", str(_shared_strings(book))), "-", "the characters of all shared strings")


def test_a_shared_string_over_the_cell_limit_even_unused(jiuye, book, settings):
    settings.JIUYE_IMPORT_MAX_CELL_CHARS = 100
    strings = _shared_strings(book)

    def change(name, data):
        if name == "xl/sharedStrings.xml":
            return data.replace(b"</sst>", b"<si><t>" + b"x" * 101 + b"</t></si></sst>")
        return data

    refused(jiuye("import", str(_rewrite(strings, change))), "-", "the characters of a cell",
            "JIUYE_IMPORT_MAX_CELL_CHARS")


def test_a_data_row_wider_than_the_column_limit(jiuye, base, tmp_path, settings):
    """A row with more values than the limit allows is refused like a CSV line (it used to be
    cut at the limit without a word)."""
    settings.JIUYE_IMPORT_MAX_COLUMNS = 30
    book = base.write_xlsx(tmp_path / "good.xlsx")
    import openpyxl

    workbook = openpyxl.load_workbook(book)
    sheet = workbook["人员"]
    for column in range(30, 60):
        sheet.cell(row=3, column=column, value="x")
    workbook.save(book)
    refused(jiuye("import", str(book)), "人员", "the number of columns", "row 3")


def test_a_row_of_more_cells_than_excel_has_columns(jiuye, book):
    def change(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return re.sub(rb"(<row [^>]*>)", lambda m: m[1] + b"<c/>" * 20_000, data, count=1)
        return data

    bad = _rewrite(book, change)
    message = refused(jiuye("import", str(bad)), "人员", "the number of columns")
    assert "16384+" in message


def test_a_far_row_and_a_sheet_claiming_every_cell_cost_nothing(jiuye, book):
    """A sheet stating A1:XFD1048576 with an empty row at 1,000,000: no row made up, none padded."""
    def change(name, data):
        if name == "xl/worksheets/sheet1.xml":
            data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
            return data.replace(b"</sheetData>", b'<row r="1000000"><c r="XFD1000000" s="0"/></row></sheetData>')
        return data

    bad = _rewrite(book, change)
    (tables, problems), peak = peak_memory(read_input, bad)
    assert not problems, problems
    persons = next(t for t in tables if t.name == "人员")
    assert len(persons.rows) == 24 and {len(cells) for _, cells in persons.rows} == {len(persons.headers)}
    assert peak < 20 * 1024 * 1024, peak
    assert jiuye("import", str(bad)).code == 0


def test_a_row_number_beyond_the_row_limit_is_refused_before_the_rows(jiuye, book, settings):
    settings.JIUYE_IMPORT_MAX_ROWS = 100

    def change(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b"</sheetData>", b'<row r="500"><c r="A500" t="inlineStr"><is><t>x</t></is></c>'
                                                 b"</row></sheetData>")
        return data

    refused(jiuye("import", str(_rewrite(book, change))), "人员", "the number of rows", "JIUYE_IMPORT_MAX_ROWS")


def test_a_sheet_with_a_doctype_is_not_read(jiuye, book):
    """No entity of a DOCTYPE is ever expanded (Excel writes none)."""
    def change(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]><worksheet', 1)
        return data

    refused(jiuye("import", str(_rewrite(book, change))), "-", "not a valid .xlsx", "DOCTYPE")


def test_a_plain_utf8_file_is_read_quickly_and_as_the_careful_reading_reads_it(monkeypatch, settings):
    """A UTF-8 file with short lines is decoded and split by the io module; what it gives is what
    the line-by-line reading gives (a BOM, CR LF, a quoted cell over two lines with a comma, a
    last line without a break), and anything over a limit is read again to say its line."""
    import io

    from jiuye.exchange import reader

    data = ("\ufeff身份证号,姓名,技能\r\n500103198003150119,张建国,\"电工,\r\n焊工\"\r\n"
            "500103198207200122,李秀英,\r\n,,\r\n500103199001010011,王五,厨师").encode()
    quick = []
    real = reader._csv_records_plain
    monkeypatch.setattr(reader, "_csv_records_plain", lambda fh: quick.append(1) or real(fh))
    records = reader.read_csv(io.BytesIO(data), "人员")
    with reader._field_limit(settings.JIUYE_IMPORT_MAX_CELL_CHARS):
        careful = reader._csv_records(reader._CsvLines(io.BytesIO(data), "人员", "utf-8"))
    assert quick and records == careful
    assert records[1] == ["500103198003150119", "张建国", "电工,\r\n焊工"] and records[-1][-1] == "厨师"

    settings.JIUYE_IMPORT_MAX_COLUMNS = 4
    with pytest.raises(reader.Refused) as refused_at:
        reader.read_csv(io.BytesIO(b"a,b\r\n1,2\r\n1,2,3,4,5\r\n"), "人员")
    assert "line 3" in refused_at.value.problem.message and "JIUYE_IMPORT_MAX_COLUMNS" in refused_at.value.problem.message
