"""PDF rendering (WeasyPrint with Debian's pango and a CJK font), shared by the filing
report and the notice-board poster. When something is missing, the message names it."""

import functools
import os
import shutil
import subprocess
from pathlib import Path

PDF_HELP = (
    "生成 PDF 需要 WeasyPrint 及 Debian 软件包 pango（libpango-1.0-0、libpangoft2-1.0-0）和中文字体 fonts-noto-cjk："
    "pip install weasyprint；apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk / PDF reports need "
    "WeasyPrint (pip install weasyprint) with Debian's pango (libpango-1.0-0, libpangoft2-1.0-0) and a CJK font "
    "(fonts-noto-cjk)"
)
_FONT_HINTS = ("cjk", "wqy", "sourcehan", "droidsansfallback", "simsun", "simhei", "notosanssc", "notoserifsc")


class PdfUnavailable(RuntimeError):
    """WeasyPrint, pango or a CJK font is missing; the message names what to install."""


@functools.cache
def cjk_font_available() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            listed = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            listed = ""
        if listed.strip():
            return True
    for base in ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts", "~/.local/share/fonts"):
        root = Path(os.path.expanduser(base))
        if root.is_dir() and any(any(h in p.name.lower() for h in _FONT_HINTS) for p in root.rglob("*")):
            return True
    return False


def missing_prerequisites() -> list[str]:
    """What PDF rendering still needs installed, as commands to run; empty when it works."""
    missing = []
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        missing.append("pip install weasyprint")
    except OSError:  # the package is there but pango is not
        missing.append("apt-get install libpango-1.0-0 libpangoft2-1.0-0")
    if not cjk_font_available():
        missing.append("apt-get install fonts-noto-cjk")
    return missing


def pdf_engine():
    """The ``weasyprint`` module, or ``PdfUnavailable`` naming the packages to install."""
    missing = missing_prerequisites()
    if missing:
        raise PdfUnavailable(f"{PDF_HELP} ({'; '.join(missing)})")
    import weasyprint

    return weasyprint


def html_to_pdf(html: str) -> bytes:
    return pdf_engine().HTML(string=html).write_pdf()
