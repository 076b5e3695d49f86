"""The worked example: import, evaluate, compare with the spec's expected output."""

import json
import subprocess
import sys

import pytest

from tests.conftest import SHARED

pytestmark = pytest.mark.django_db


def test_import_then_evaluate_matches_expected(jiuye, example_dir):
    _import_then_evaluate_matches_expected(jiuye, example_dir)


def test_typed_example_evaluates_exactly_as_the_basic_one(jiuye, example_dir):
    """The same register as workers type it (2005/3/1, 2025年12月1日, full-width digits, GB18030)."""
    typed = example_dir.parent / "typed"
    if not typed.exists():
        pytest.skip("../shared/spec/examples/typed not found beside the checkout")
    _import_then_evaluate_matches_expected(jiuye, typed)
    basic = json.loads((example_dir / "expected-2026-06-30.json").read_text(encoding="utf-8"))
    assert json.loads((typed / "expected-2026-06-30.json").read_text(encoding="utf-8")) == basic
    # The typed files hold the basic example's facts: importing the basic one changes nothing.
    again = jiuye("import", str(example_dir))
    assert all(part.endswith("+0 ~0") for part in again.stdout.split(": ", 1)[1].strip().split(", ")), again.stdout


def _import_then_evaluate_matches_expected(jiuye, example_dir):
    run = jiuye("import", str(example_dir))
    assert run.code == 0, run.stderr
    run = jiuye("evaluate", "--as-of", "2026-06-30", "--format", "json")
    assert run.code == 0
    actual = run.json()
    expected = json.loads((example_dir / "expected-2026-06-30.json").read_text(encoding="utf-8"))
    compare = SHARED / "tools" / "compare_evaluation.py"
    if compare.exists():
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            a, e = Path(tmp) / "a.json", Path(tmp) / "e.json"
            a.write_text(json.dumps(actual, ensure_ascii=False), encoding="utf-8")
            e.write_text(json.dumps(expected, ensure_ascii=False), encoding="utf-8")
            out = subprocess.run([sys.executable, str(compare), str(e), str(a)], capture_output=True, text=True)
            assert out.returncode == 0, out.stdout
    for got, want in zip(actual["communities"], expected["communities"], strict=True):
        assert got["code"] == want["code"]
        assert got["pass"] == want["pass"]
        assert got["standards"] == want["standards"] | {
            k: v for k, v in got["standards"].items() if k not in want["standards"]
        }


def test_second_import_changes_nothing(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    second = jiuye("import", str(example_dir))
    assert second.code == 0
    assert "+1" not in second.stdout and "~1" not in second.stdout
    assert all(part.endswith("+0 ~0") for part in second.stdout.split(": ", 1)[1].strip().split(", "))
