"""CSV formula injection: every text cell of every CSV the tool writes (cases export, report CSV) is safe."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from bot.cases.actions import Actor
from bot.casework.reports import Figures, Report, render_csv
from bot.core.csvsafe import FORMULA_START, safe_cell
from bot.desk import cases
from scanners.profile import load_profile
from tests.conftest import DATA, HOOKS
from tests.scanrows import listing, write_scan

EVIL = '=HYPERLINK("http://x")'
WHO = Actor("tg:1001", "@alice")


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def _assert_no_formula(text: str) -> None:
    bad = [c for c in _cells(text) if c.startswith(FORMULA_START)]
    assert bad == []


@pytest.mark.parametrize("start", FORMULA_START)
def test_safe_cell_prefixes_each_formula_start(start):
    assert safe_cell(start + "1+1") == "'" + start + "1+1"
    assert safe_cell("華岳" + start) == "華岳" + start
    assert safe_cell(-5) == -5 and safe_cell(3.5) == 3.5 and safe_cell(None) is None


def test_export_defuses_package_title_developer_url_and_notes(db):
    profile = load_profile(DATA / "brands.toml")
    row = listing(EVIL, title=EVIL, developer="@SUM(1+1)*cmd|' /C calc'!A0", url="-2+3+cmd|' /C calc'!A0")
    (cid,) = cases.sync_from_scan(db, write_scan(db, [row]), profile).opened
    cases.note(db, cid, WHO, "+cmd|' /C calc'!A0", hooks=HOOKS)
    cases.assign(db, cid, WHO, "@bob", hooks=HOOKS)
    # An APK case: the package (manifest), label and the source link are the attacker's too.
    report = {
        "sha256": "ab" * 32,
        "verdict": "impostor",
        "package": EVIL,
        "label": "\t=1+1",
        "certificates": [],
    }
    apk_case, _ = cases.open_apk_case(db, report, actor=WHO, source="\r=HYPERLINK(1)", hooks=HOOKS)
    cases.note(db, apk_case.id, WHO, EVIL, hooks=HOOKS)
    text = cases.export_csv(db)
    _assert_no_formula(text)
    cells = _cells(text)
    for value in (EVIL, "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "+cmd|' /C calc'!A0"):
        assert "'" + value in cells  # kept, readable, and inert
    assert "'\t=1+1" in cells and "'\r=HYPERLINK(1)" in cells


def test_report_csv_defuses_keys():
    now = datetime(2026, 1, 5, tzinfo=UTC)
    fig = Figures(new_suspects=1)
    report = Report(now, now, fig, {EVIL: fig}, {"+brand": fig}, [], [])
    text = render_csv(report)
    _assert_no_formula(text)
    assert "'" + EVIL in _cells(text) and "'+brand" in _cells(text)
