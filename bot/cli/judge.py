"""``fakeapp judge``: judge listings from a JSON Lines file offline (only icons are fetched)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import requests

from bot.cli.common import App, app_options
from bot.core.media import MediaGuard
from bot.core.textsafe import plain
from bot.record.scan import fetch_icon, prepare_profile
from scanners.judging.icons import icon_hash
from scanners.judging.verdict import judge_all
from scanners.listing import STORES, Listing

ICON_FILE_MAX = 2 * 1024 * 1024
LINE_MAX = 4 * 1024 * 1024  # one listing; a longer line is refused without being parsed


def _icon_hash(
    icon: str, base: Path, session: requests.Session, timeout: float, guard: MediaGuard | None = None
) -> str | None:
    """The icon's perceptual hash, from a URL or a file relative to the JSONL file; None when unavailable."""
    if not icon:
        return None
    data: bytes | None = None
    if icon.startswith(("http://", "https://")):
        got = fetch_icon(session, icon, timeout, guard)
        data = got[0] if got else None
    else:
        path = (base / icon) if not Path(icon).is_absolute() else Path(icon)
        try:
            if path.is_file() and path.stat().st_size <= ICON_FILE_MAX:
                data = path.read_bytes()
        except OSError:
            data = None
    if data is None:
        return None
    try:
        return icon_hash(data)
    except ValueError:
        return None


def _parse(line: str) -> Listing:
    data: Any = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    if data.get("store") not in STORES:
        raise ValueError(f"'store' must be one of {', '.join(STORES)}")
    if not data.get("app_id"):
        raise ValueError("'app_id' is missing")
    return Listing.from_dict(data)


@click.command("judge")
@app_options
@click.argument("listings", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--timeout", default=10.0, show_default=True, help="Seconds to wait for each icon URL.")
@click.option(
    "--allow-private-urls",
    is_flag=True,
    help="Also fetch icon URLs on loopback/private addresses (an internal mirror; off by default).",
)
def judge_cmd(app: App, listings: Path, timeout: float, allow_private_urls: bool) -> None:
    """Judge listings offline: one JSON object per input line, one verdict per output line, in order.

    Input fields: store, app_id, title, developer, developer_id, developer_email, developer_website,
    developer_legal_name, bundle_id, description, icon (a URL, or a file path relative to the JSONL file);
    any may be missing but store and app_id. A bad line is reported on stderr by its number and skipped;
    the exit status is then 1.

    Example: fakeapp judge suspects.jsonl --config data/brands.toml
    """
    brands = prepare_profile(app.profile())
    base = Path.cwd() if str(listings) == "-" else listings.parent
    session = requests.Session()
    guard = MediaGuard(allow_private=allow_private_urls)
    bad = 0
    try:
        stream = sys.stdin.buffer if str(listings) == "-" else listings.open("rb")
    except OSError as exc:
        raise click.ClickException(f"{listings}: cannot read: {exc.strerror or exc}") from None
    with stream:
        # bytes, decoded line by line: a line that is not UTF-8 is one bad line, not the end of the run
        for number, raw in enumerate(stream, 1):
            problem, verdict_line = _judge_line(raw, brands, base, session, timeout, guard)
            if problem:
                bad += 1
                click.echo(f"{listings}:{number}: skipped: {plain(problem, limit=200)}", err=True)
            elif verdict_line:
                click.echo(verdict_line)
    if bad:
        sys.exit(1)


def _judge_line(
    raw: bytes,
    brands: list[Any],
    base: Path,
    session: requests.Session,
    timeout: float,
    guard: MediaGuard | None = None,
) -> tuple[str, str]:
    """(problem, output line) for one input line; exactly one is set, or neither for a blank line."""
    if len(raw) > LINE_MAX:
        return f"line longer than {LINE_MAX:,} bytes", ""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8 text", ""
    if not line.strip():
        return "", ""
    try:
        listing = _parse(line)
    except RecursionError:
        return "JSON nested too deeply", ""
    except (ValueError, TypeError) as exc:
        return str(exc), ""
    try:
        icon = _icon_hash(listing.icon, base, session, timeout, guard)
        verdict = judge_all(listing, brands, icon_hash=icon)
    except Exception as exc:  # one listing that breaks a signal must not end the run: it alone is not judged
        return f"not judged: {type(exc).__name__}: {exc}", ""
    out = {"store": listing.store, "app_id": listing.app_id, **verdict.to_dict()}
    return "", json.dumps(out, ensure_ascii=False)
