"""``fakeapp search`` and ``fakeapp lookup`` against the demo snapshot on loopback, and their errors."""

from __future__ import annotations

import json

import click
from click.testing import CliRunner

from bot.cli import main


def test_search_json_lines() -> None:
    result = CliRunner().invoke(main, ["search", "google_play", "華岳證券", "--demo", "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    ids = [r["app_id"] for r in rows]
    assert ids[0] == "tw.com.huayuesec.trade"  # the featured card, whose id the library loses
    assert "com.hyvip.invest" in ids and all(r["store"] == "google_play" for r in rows)


def test_search_table_and_no_results() -> None:
    result = CliRunner().invoke(main, ["search", "app_store", "華岳證券", "--demo"])
    assert result.exit_code == 0
    assert "華岳證券-專業版" in result.stdout and "Li Wei" in result.stdout
    empty = CliRunner().invoke(main, ["search", "google_play", "沒有這個詞", "--demo"])
    assert empty.exit_code == 0 and "No results." in empty.stdout


def test_lookup_full_listing() -> None:
    result = CliRunner().invoke(main, ["lookup", "google_play", "tw.huayuesec.trade.pro", "--demo", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["developer_id"] == "9900112233445566778"
    assert data["developer_legal_name"] == "Wang Da Ming"
    assert data["developer_email"] == "huayue.sec.service@gmail.com"
    human = CliRunner().invoke(main, ["lookup", "app_store", "1488123456", "--demo"])
    assert "bundle_id: tw.com.huayuesec.trade" in human.stdout


def test_lookup_removed_app_is_one_line() -> None:
    result = CliRunner().invoke(main, ["lookup", "google_play", "com.gone.app", "--demo"])
    assert result.exit_code == 1
    assert "no app 'com.gone.app'" in result.output and "Traceback" not in result.output


def test_unknown_store_is_refused() -> None:
    result = CliRunner().invoke(main, ["search", "huawei", "x"])
    assert result.exit_code == 2 and "huawei" in result.output


def test_every_command_has_help_with_an_example() -> None:
    ctx = click.Context(main)
    names = main.list_commands(ctx)
    assert {"scan", "search", "lookup", "judge", "apk", "cases", "case", "bot", "evidence", "draft"} <= set(
        names
    )
    for name in names:
        command = main.get_command(ctx, name)
        assert command is not None
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example" in (command.help or ""), f"{name}: help has no example"
