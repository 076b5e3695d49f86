"""The public notice board (公示牌): no login, counts only, 1–4 shown as "<5", and its A3 poster."""

import datetime as dt
import shutil
import subprocess

import pytest
import time_machine

from jiuye.accounts.services import user_add
from jiuye.oversight import noticeboard
from jiuye.registry import models as m

pytestmark = pytest.mark.django_db
PASSWORD = "Gongzuo-2026!x"
D = dt.date(2026, 6, 30)


@pytest.fixture
def register(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    worker = user_add(username="jia-worker", role="community", scope_code="500103001002", password=PASSWORD)
    worker.first_name = "钱老师"
    worker.save()
    user_add(username="street-user", role="street", scope_code="500103001", password=PASSWORD)


def _residents(code: str) -> list[tuple[str, str]]:
    return list(m.Person.objects.filter(household__community__code=code).values_list("name", "id_number"))


def _text_of(html: str) -> str:
    import re

    return re.sub(r"<[^>]+>", " ", html)


def test_masking_of_small_counts():
    assert [noticeboard.masked(n) for n in (0, 1, 2, 3, 4, 5, 17)] == ["0", "<5", "<5", "<5", "<5", "5", "17"]


@time_machine.travel(D)
def test_counts_of_the_worked_example(register):
    yi = noticeboard.notice_board("500103001002", D)
    # 乙: labour force 6 (S1's denominator), 3 employed; 孙伟, 吴刚, 何静 registered and 失业;
    # 孙伟's household is zero-employment now; none eliminated in 2026.
    assert yi["counts"] == {"labour_force": 6, "employed": 3, "registered_unemployed": 3,
                            "zero_employment_now": 1, "zero_employment_eliminated": 0}
    assert yi["shown"] == {"labour_force": "6", "employed": "<5", "registered_unemployed": "<5",
                           "zero_employment_now": "<5", "zero_employment_eliminated": "0"}
    assert [s["key"] for s in yi["standards"] if not s["pass"]] == ["S1", "S2", "S3", "S5"]
    assert yi["standards_met"] == 4
    # 丙: 胡敏's household was zero-employment 2025-12-20 … 2026-01-04, eliminated on 2026-01-05.
    bing = noticeboard.notice_board("500105002003", D)
    assert bing["counts"]["zero_employment_eliminated"] == 1 and bing["counts"]["zero_employment_now"] == 0
    assert bing["counts"]["labour_force"] == 4
    # 甲: 8 in the labour force, all employed (赵磊's household was eliminated in 2025).
    jia = noticeboard.notice_board("500103001001", D)
    assert jia["counts"]["labour_force"] == 8 and jia["counts"]["employed"] == 8
    assert jia["counts"]["zero_employment_eliminated"] == 0 and jia["all_met"]


@time_machine.travel(D)
def test_anonymous_visitors_see_counts_and_never_a_name_or_id(client, register):
    response = client.get("/notice/500103001002/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "示例乙社区" in html and "2026-06-30" in html
    figure = html.split('id="labour-force"')[1].split("</div>")[0]
    assert "<strong>6</strong>" in figure
    for key in ("employed", "registered-unemployed", "zero-now"):
        assert "<strong>&lt;5</strong>" in html.split(f'id="{key}"')[1].split("</div>")[0], key
    assert "<strong>0</strong>" in html.split('id="zero-eliminated"')[1].split("</div>")[0]
    # The worker to contact: given name only; the street user is no contact.
    contact = html.split('id="contact"')[1].split("</section>")[0]
    assert "钱老师" in contact and "jia-worker" not in contact and "street-user" not in contact
    text = _text_of(html)
    for name, id_number in _residents("500103001002"):
        assert name not in text, name
        assert id_number not in html
    households = m.Household.objects.filter(community__code="500103001002").values_list("code", flat=True)
    assert not [code for code in households if f" {code} " in f" {text} "]  # no household numbers either


def test_unknown_or_non_community_codes_are_not_found(client, register):
    for code in ("500103001009", "500103001", "500103", "abc"):
        assert client.get(f"/notice/{code}/").status_code == 404, code
    assert client.get("/notice/500103001009/poster.pdf").status_code == 404


def test_the_poster_says_what_to_install_when_it_cannot_be_made(client, register, monkeypatch):
    monkeypatch.setattr(noticeboard, "poster_missing", lambda: ["apt-get install fonts-noto-cjk"])
    response = client.get("/notice/500103001002/poster.pdf")
    assert response.status_code == 503
    body = response.content.decode()
    assert "apt-get install fonts-noto-cjk" in body and "/notice/500103001002/" in body


def _poppler():
    missing = [tool for tool in ("pdftoppm", "pdftotext") if not shutil.which(tool)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not found: apt-get install poppler-utils to check the poster's rendering")


@time_machine.travel(D)
def test_the_poster_is_an_a3_pdf_in_chinese_without_names(client, register, tmp_path):
    if noticeboard.poster_missing():
        pytest.skip("poster prerequisites missing: " + "; ".join(noticeboard.poster_missing()))
    _poppler()
    response = client.get("/notice/500103001002/poster.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(response.content)
    assert response.content.startswith(b"%PDF-")

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "公示" in text and "示例乙社区" in text and "钱老师" in text
    assert "<5" in text
    for name, id_number in _residents("500103001002"):
        assert name not in text and id_number not in text, name

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout if shutil.which("pdfinfo") else ""
    if info:
        import re

        assert "(A3)" in info and re.search(r"^Pages:\s+1$", info, re.M), info

    subprocess.run(["pdftoppm", "-r", "40", "-png", "-singlefile", str(pdf), str(tmp_path / "poster")], check=True)
    from PIL import Image

    image = Image.open(tmp_path / "poster.png").convert("L")
    width, height = image.size
    assert height > width  # portrait
    dark = sum(image.histogram()[:128])  # pixels darker than mid-grey
    assert dark > 0.005 * width * height, "the rendered poster is blank"
    top = image.crop((0, 0, width, height // 8))  # the title band carries ink
    assert sum(top.histogram()[:128]) > 50
    if shutil.which("pdffonts"):  # the Chinese text is set in an embedded CJK font, not tofu
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        assert any(mark in fonts for mark in ("CJK", "Hei", "Song", "Han")), fonts
