"""The report chart speaks the report's language when a CJK font is installed, falls back to English (and
says so) when none is, and never leaves an empty panel whose sentence reads as an axis label."""

from __future__ import annotations

import io
import warnings
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

import bot.core.fonts
from bot.casework.reports import chart_figure, day_start, load_report, render_chart
from bot.cli import main
from tests.test_reports import SINCE, UNTIL, seeded  # noqa: F401  (the fixture)

needs_cjk = pytest.mark.skipif(
    bot.core.fonts.cjk_font() is None, reason="no CJK font (Debian: fonts-noto-cjk)"
)


def _texts(fig: object) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]  # type: ignore[attr-defined]


def _draw_strictly(fig: object) -> bytes:
    """PNG bytes; a glyph the font cannot draw (matplotlib warns "Glyph … missing") fails the test."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(buf, format="png")  # type: ignore[attr-defined]
    return buf.getvalue()


@needs_cjk
def test_chinese_chart_with_a_cjk_font(seeded):  # noqa: F811
    fig = chart_figure(load_report(seeded, SINCE, UNTIL), "zh")
    texts = _texts(fig)
    assert any(t.startswith("每日案件數 2026-11-01 至 2026-11-08") for t in texts)
    assert {"新可疑案件", "確認假冒", "確認下架", "中位數"} <= set(texts)
    assert not any("cases" in t or "median" in t for t in texts)
    png = _draw_strictly(fig)
    assert Image.open(io.BytesIO(png)).size == (1000, 700)


def test_english_fallback_without_a_cjk_font(seeded, monkeypatch, tmp_path: Path):  # noqa: F811
    monkeypatch.setattr(bot.core.fonts, "cjk_font", lambda *a: None)  # as on a machine without one
    fig = chart_figure(load_report(seeded, SINCE, UNTIL), "zh")
    texts = _texts(fig)
    assert "new suspects" in texts and not any("案件" in t for t in texts)
    _draw_strictly(fig)  # no Chinese left for the default font to draw as boxes

    db_path = str(Path(seeded.conn.execute("PRAGMA database_list").fetchone()[2]))
    chart = tmp_path / "r.png"
    res = CliRunner().invoke(
        main, ["report", "--since", "2026-11-01", "--until", "2026-11-08", "--chart", str(chart), "--db",
               db_path],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "no CJK font installed (Debian: fonts-noto-cjk): the chart's labels are in English" in res.output
    assert "新可疑案件: 4" in res.stdout  # the text report stays Chinese
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_cjk
def test_cli_says_nothing_about_fonts_when_one_is_installed(seeded, tmp_path: Path):  # noqa: F811
    db_path = str(Path(seeded.conn.execute("PRAGMA database_list").fetchone()[2]))
    res = CliRunner().invoke(
        main, ["report", "--since", "2026-11-01", "--chart", str(tmp_path / "r.png"), "--db", db_path]
    )
    assert res.exit_code == 0 and "CJK" not in res.output


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_takedowns_means_one_panel_and_a_footnote(seeded, lang: str):  # noqa: F811
    report = load_report(seeded, day_start(date(2025, 1, 1)), day_start(date(2025, 1, 2)))
    fig = chart_figure(report, lang)
    assert len(fig.axes) == 1  # no empty second half
    note = [t for t in fig.texts if t.get_text()]
    assert len(note) == 1
    assert ("沒有確認下架" if lang == "zh" else "no verified takedowns") in note[0].get_text()
    assert note[0].get_position()[1] < 0.1  # a footnote at the bottom, under the axes
    assert all(note[0].get_position()[1] < ax.get_position().y0 for ax in fig.axes)
    png = render_chart(report, lang)
    assert Image.open(io.BytesIO(png)).size == (1000, 420)
