"""The evidence pack's printable PDF summary: written when a CJK font is installed, holding the case's facts
and every other file's hash in readable Chinese; absent (the HTML page remains) when no font can draw it;
hostile store text is drawn literally."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

import bot.core.fonts
from bot.casework.evidence import verify_pack
from bot.casework.evidence_pdf import summary_pages, summary_pdf, wrap
from bot.cli import main

needs_cjk = pytest.mark.skipif(
    bot.core.fonts.cjk_font() is None, reason="no CJK font (Debian: fonts-noto-cjk)"
)


def _pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["scan", "--demo", "-q"]).exit_code == 0
    took = runner.invoke(main, ["case", "3", "--takedown", "GP-2026-1187", "--db", "data/demo.db"])
    assert took.exit_code == 0, took.output
    res = runner.invoke(main, ["evidence", "3", "--db", "data/demo.db", "--out", str(tmp_path / "p.zip")])
    assert res.exit_code == 0, res.output
    data = (tmp_path / "p.zip").read_bytes()
    assert verify_pack(data) == []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


@needs_cjk
def test_pdf_summary_holds_the_facts_and_every_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PdfReader

    files = _pack(tmp_path, monkeypatch)
    pdf = files["summary.pdf"]
    assert pdf.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "假冒 App 證據包：案件 #3" in text and "華岳證券" in text and "com.huayue.zhengquan" in text
    assert "GP-2026-1187" in text and "判定理由" in text
    flat = "".join(text.split())
    others = [n for n in files if n not in ("summary.pdf", "summary.html", "manifest.json")]
    assert others and all(hashlib.sha256(files[n]).hexdigest() in flat for n in others)
    assert hashlib.sha256(pdf).hexdigest() in files["summary.html"].decode()  # the page lists the PDF too


@needs_cjk
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (Debian: poppler-utils) not installed")
def test_pdf_pages_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _pack(tmp_path, monkeypatch)
    (tmp_path / "s.pdf").write_bytes(files["summary.pdf"])
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / "s.pdf"), str(tmp_path / "page")],
                   check=True, timeout=60)  # fmt: skip
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages
    img = Image.open(pages[0]).convert("L")
    dark = sum(img.histogram()[:128])  # pixels darker than mid-grey (getdata is deprecated in Pillow 13)
    assert 0.002 < dark / (img.width * img.height) < 0.5  # text on a white page, not blank, not black


def test_no_pdf_without_a_cjk_font(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.core.fonts, "cjk_font", lambda *a: None)
    files = _pack(tmp_path, monkeypatch)
    assert "summary.pdf" not in files and "summary.html" in files


@needs_cjk
def test_hostile_text_is_drawn_literally_and_wrapped() -> None:
    font = bot.core.fonts.cjk_font()
    assert font is not None
    hostile = "華岳$\\frac{1}{2}$\x1b[31m\u202e" + "證" * 300
    pages = summary_pages("t", [("h", [("App 名稱", hostile)])], font)
    texts = [t.get_text() for t in pages[0].texts]
    assert any("$\\frac{1}{2}$" in t for t in texts)  # no mathtext
    assert not any("\x1b" in t or "\u202e" in t for t in texts)
    assert all(len(line) <= 104 for line in wrap(hostile)) and len(wrap(hostile)) >= 6
    png = io.BytesIO()
    pages[0].savefig(png, format="png", dpi=30)
    assert summary_pdf("t", [("h", [("k", hostile)])], font).startswith(b"%PDF-")
