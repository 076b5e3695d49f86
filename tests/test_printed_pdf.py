"""A printed ledger as LibreOffice prints it: rows as high as their wrapped text, Chinese in
a Simplified Chinese face.

One workbook (劳动力资源台账 of a synthetic community with long addresses and employer
names) is converted to PDF with ``soffice --headless --convert-to pdf``, beside the
same workbook with its row heights taken out (what jiuye wrote before: the control,
which shows that the check can fail). In the PDF, poppler's word boxes of one row never
cross those of another, and every address and employer can be read in full; every
embedded font is a Noto CJK face and every Chinese character is drawn with the glyph
of its Simplified Chinese face (the faces of a Noto CJK collection share one glyph
set and differ in which glyph a character maps to, so the glyph numbers tell SC from
JP even where the embedded font's name says "jp").
"""

import datetime as dt
import io
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from jiuye.accounts.models import User
from jiuye.ledgers.printed import ledger_workbook
from jiuye.ledgers.printsetup import HEADING_FONT, TEXT_FONT
from jiuye.registry.models import Person
from tests.conftest import run_jiuye

pytestmark = [pytest.mark.django_db, pytest.mark.pg_only]

D = dt.date(2026, 6, 30)
TOOLS = ("soffice", "pdftotext", "pdffonts", "fc-match")
LONG_ADDRESS = "重庆市黔江区城东街道新华大道二段一百二十八号滨江花园小区七栋三单元十二楼四号附一号"


def _tools():
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not found: apt-get install libreoffice-calc poppler-utils fontconfig")
    try:
        from fontTools.ttLib import TTCollection  # noqa: F401  (WeasyPrint's dependency)
    except ImportError:
        pytest.skip("fontTools not installed (pip install fonttools)")


@pytest.fixture
def ledger(tmp_path) -> tuple[bytes, list[list]]:
    """The labour-force ledger of one synthetic community, one resident's address made very long."""
    out = tmp_path / "register"
    assert run_jiuye("generate", str(out), "--communities", "1", "--seed", "7", "--persons-per-community", "120",
                     "--as-of", D.isoformat()).code == 0
    assert run_jiuye("import", str(out)).code == 0
    person = Person.objects.order_by("pk").first()
    household = person.household
    household.address = LONG_ADDRESS
    household.save(update_fields=["address"])
    code = household.community.code
    admin = User.objects.create_superuser("printer", password="Gongzuo-2026!x")
    content = ledger_workbook(user=admin, slug="labour-force", division_code=code, as_of=D)
    sheet = load_workbook(io.BytesIO(content)).active
    rows = [list(row) for row in sheet.iter_rows(min_row=4, values_only=True) if isinstance(row[0], int)]
    return content, rows


def _convert(tmp_path: Path, *books: Path) -> list[Path]:
    profile = tmp_path / "lo-profile"  # a private profile: several conversions may run at once
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), *map(str, books)], check=True, capture_output=True, timeout=300)
    pdfs = [book.with_suffix(".pdf") for book in books]
    for pdf in pdfs:
        assert pdf.exists(), f"LibreOffice made no {pdf.name}"
    return pdfs


def _words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    return [[(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(pattern, page)]
            for page in html.split("<page ")[1:]]


def _overlaps(pdf: Path) -> list[tuple[str, str]]:
    """Pairs of words on one page whose boxes cross (by more than half a point each way)."""
    found = []
    for words in _words(pdf):
        words.sort(key=lambda w: w[1])
        for i, (x0, y0, x1, y1, text) in enumerate(words):
            for a0, b0, a1, b1, other in words[i + 1:]:
                if b0 >= y1 - 0.5:
                    break  # sorted by top: no later word reaches this one
                if min(x1, a1) - max(x0, a0) > 0.5 and min(y1, b1) - max(y0, b0) > 0.5:
                    found.append((text, other))
    return found


def _text(pdf: Path) -> str:
    raw = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", raw)


# -- which face drew the Chinese: the glyph numbers of the embedded fonts ------------------------


def _objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    out = {}
    for match in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S):
        body, stream = match.group(2), None
        if b"stream" in body:
            head, rest = body.split(b"stream", 1)
            raw = rest.lstrip(b"\r\n").rsplit(b"endstream", 1)[0]
            stream = zlib.decompress(raw) if b"FlateDecode" in head else raw
            body = head
        out[int(match.group(1))] = (body, stream)
    return out


def _to_unicode(cmap: str) -> dict[int, str]:
    codes = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            codes[int(code, 16)] = chr(int(uni, 16))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for first, last, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            for i, code in enumerate(range(int(first, 16), int(last, 16) + 1)):
                codes[code] = chr(int(uni, 16) + i)
    return codes


def embedded_glyphs(pdf: Path) -> dict[str, dict[str, int]]:
    """For each embedded Type 1 font (LibreOffice's export of CFF faces): character → glyph (CID)."""
    objects = _objects(pdf.read_bytes())
    fonts = {}
    for body, _ in objects.values():
        if not re.search(rb"/Subtype\s*/Type1\b", body) or b"/ToUnicode" not in body:
            continue

        def ref(key: bytes, where: bytes = body) -> int:
            return int(re.search(key + rb"\s+(\d+)\s+0\s+R", where).group(1))

        name = re.search(rb"/BaseFont\s*/([^/\s>]+)", body).group(1).decode()
        program = objects[ref(rb"/FontFile[23]?", objects[ref(rb"/FontDescriptor")][0])][1]
        clear = program.split(b"eexec")[0].decode("latin1")
        glyph_of_code = {int(code): glyph for code, glyph in re.findall(r"dup (\d+) /(\S+) put", clear)}
        unicode_of_code = _to_unicode(objects[ref(rb"/ToUnicode")][1].decode("latin1"))
        fonts[name] = {unicode_of_code[code]: int(glyph[3:]) for code, glyph in glyph_of_code.items()
                       if code in unicode_of_code and glyph.startswith("cid")}
    return fonts


def _face_cmaps(family: str, bold: bool) -> dict[str, dict[int, int]]:
    """The cmap (code point → CID) of each face of the collection holding ``family``."""
    from fontTools.ttLib import TTCollection

    pattern = f"{family}:style={'Bold' if bold else 'Regular'}"
    path = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True).stdout
    if not path.endswith(".ttc"):
        pytest.skip(f"{family} is not installed as the Noto CJK collection (fc-match: {path})")
    faces = {}
    for font in TTCollection(path).fonts:  # CID-keyed CFF: glyph names are "cid" and the CID
        faces[font["name"].getDebugName(1)] = {cp: int(name[3:]) for cp, name in font.getBestCmap().items()
                                               if name.startswith("cid")}
    return faces


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


# -- the test ---------------------------------------------------------------------------------------


def test_libreoffice_prints_each_row_whole_in_simplified_chinese(ledger, tmp_path):
    _tools()
    content, rows = ledger
    book = tmp_path / "labour-force.xlsx"
    book.write_bytes(content)
    control = tmp_path / "no-row-heights.xlsx"  # what was written before: no row heights
    workbook = load_workbook(io.BytesIO(content))
    for dimension in workbook.active.row_dimensions.values():
        dimension.height = None
    workbook.save(control)
    assert any(len(str(row[8] or "")) > 12 for row in rows), "the ledger has no address long enough to wrap"

    pdf, control_pdf = _convert(tmp_path, book, control)

    # The check can fail: without row heights the wrapped addresses run into the rows around them.
    assert len(_overlaps(control_pdf)) > 0
    # With them, no word of one row crosses a word of another.
    assert _overlaps(pdf) == []
    # Nothing is cut: every address and employer is there in full, the very long one too.
    text = _text(pdf)
    wrapped = [re.sub(r"\s+", "", str(value)) for row in rows for value in (row[8], row[14]) if value]
    assert LONG_ADDRESS in wrapped
    assert [value for value in wrapped if value not in text] == []

    # The fonts: Noto Serif CJK for the text, Noto Sans CJK for the title and headers, all embedded.
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:] if line.strip()]
    assert any("NotoSerifCJK" in name for name in names) and any("NotoSansCJK" in name for name in names), fonts
    assert all("CJK" in name or "DejaVu" in name or "Liberation" in name for name in names), fonts
    # Every Chinese character is the Simplified Chinese face's glyph; some would differ in the Japanese face.
    glyphs = embedded_glyphs(pdf)
    assert glyphs, fonts
    differ_from_jp = 0
    for name, chars in glyphs.items():
        family = TEXT_FONT if "Serif" in name else HEADING_FONT
        faces = _face_cmaps(family, bold="Bold" in name)
        sc, jp = faces[family], faces[family.replace(" SC", " JP")]
        chinese = {ch: glyph for ch, glyph in chars.items() if _cjk(ch)}
        assert chinese, name
        wrong = [ch for ch, glyph in chinese.items() if sc.get(ord(ch)) != glyph]
        assert wrong == [], f"{name}: not the Simplified Chinese glyphs of {''.join(wrong)}"
        differ_from_jp += sum(1 for ch in chinese if jp.get(ord(ch)) != sc.get(ord(ch)))
    assert differ_from_jp > 0  # the check tells SC from JP on this text
