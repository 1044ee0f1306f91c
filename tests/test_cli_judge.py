"""``fakeapp judge``: JSONL in, one verdict per line out in input order; icons from files and URLs; bad lines
reported by number without losing the others."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.demo.server import Reply, Request, StoreDouble
from tests.conftest import DATA

ICON = (DATA / "icons" / "huayue.png").read_bytes()


def serve_icon(request: Request) -> Reply:
    if request.path == "/icon.png":
        return Reply(200, ICON, "image/png")
    return Reply(404, "no")


def test_judge_jsonl(tmp_path: Path) -> None:
    shutil.copy(DATA / "icons" / "huayue.png", tmp_path / "copied.png")
    with StoreDouble(serve_icon) as double:
        lines = [
            {"store": "google_play", "app_id": "tw.com.huayuesec.trade", "title": "華岳e把罩"},
            {
                "store": "google_play",
                "app_id": "com.x.stock",
                "title": "股票通",
                "icon": "copied.png",
                "developer": "Huayue Global",
                "description": "證券交易",
            },
            "this is not json",
            {
                "store": "google_play",
                "app_id": "com.y",
                "title": "股票",
                "icon": f"{double.base_url}/icon.png",
                "developer": "HY",
                "description": "華岳證券官方授權，保證獲利",
            },
            {"store": "nowhere", "app_id": "a"},
            {"store": "app_store", "app_id": "6700000009", "title": "华岳证券", "icon": "missing.png"},
            {"store": "google_play", "app_id": "com.weather", "title": "天氣預報"},
        ]
        src = tmp_path / "in.jsonl"
        src.write_text(
            "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
            encoding="utf-8",
        )
        result = CliRunner().invoke(main, ["judge", "--allow-private-urls", str(src)])
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["app_id"] for o in out] == [
        "tw.com.huayuesec.trade",
        "com.x.stock",
        "com.y",
        "6700000009",
        "com.weather",
    ]
    verdicts = [o["verdict"] for o in out]
    assert verdicts[0] == "official" and verdicts[4] == "unrelated"
    assert verdicts[1] in ("impersonation", "suspicious")  # only the copied icon and developer name tie it
    assert "icon_copy" in {r["code"] for r in out[1]["reasons"]}
    assert "icon_copy" in {r["code"] for r in out[2]["reasons"]}  # fetched over HTTP
    assert verdicts[3] == "impersonation"  # a missing icon file is no error
    assert all(set(o) == {"store", "app_id", "brand", "verdict", "score", "reasons"} for o in out)
    assert all(r["zh"] and r["en"] for o in out for r in o["reasons"])
    assert f"{src}:3: skipped" in result.stderr and f"{src}:5: skipped" in result.stderr
    assert "Traceback" not in result.output


def test_judge_missing_file_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["judge", str(tmp_path / "none.jsonl")])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "none.jsonl" in result.output


def test_judge_from_stdin() -> None:
    line = json.dumps({"store": "app_store", "app_id": "1", "title": "華岳證券-專業版"}, ensure_ascii=False)
    result = CliRunner().invoke(main, ["judge", "-"], input=line + "\n")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["verdict"] == "impersonation"


def test_judge_reports_each_bad_line_and_judges_the_rest(tmp_path: Path) -> None:
    good = {"store": "app_store", "app_id": "1", "title": "華岳證券-專業版"}
    src = tmp_path / "hostile.jsonl"
    src.write_bytes(
        b"\n".join(
            [
                json.dumps(good, ensure_ascii=False).encode(),
                b"[" * 100_000 + b"]" * 100_000,  # RecursionError in the JSON parser
                b'{"store": "app_store", "app_id": "2", "title": "\\ud800' + "華岳證券".encode() + b'"}',
                b'{"store": "app_store", "app_id": "3", "title": "\xff\xfe not utf-8"}',
                b'{"a": ' * 50_000 + b"1" + b"}" * 50_000,
                json.dumps({**good, "app_id": "4"}).encode(),
            ]
        )
        + b"\n"
    )
    result = CliRunner().invoke(main, ["judge", str(src)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    # the surrogate is cleaned where the listing is built: line 3 is judged, not dropped
    assert [o["app_id"] for o in out] == ["1", "2", "4"]
    assert out[1]["verdict"] == "impersonation" and out[2]["verdict"] == "impersonation"
    errors = result.stderr.splitlines()
    assert [e.split(": skipped")[0] for e in errors] == [f"{src}:2", f"{src}:4", f"{src}:5"]
    assert "nested too deeply" in errors[0] and "not UTF-8" in errors[1] and "nested too deeply" in errors[2]
    assert "Traceback" not in result.output
