"""``fakeapp apk PATH_OR_URL``: verify an APK's signature against the official build and print the verdict."""

from __future__ import annotations

import json
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.cli.common import App, app_options
from bot.core.clock import local_time

if TYPE_CHECKING:
    from scanners.apk.verdict import ApkReport

VERDICT_TEXT = {
    "official": ("官方版本", "official build"),
    "official_signer_other_package": (
        "官方憑證簽署的其他套件",
        "official certificate, package not in the profile",
    ),
    "repackaged": ("重新打包的仿冒版", "repackaged fake"),
    "impostor": ("仿冒 App", "impostor"),
    "tampered": ("簽章無效（遭竄改或簽章被複製）", "tampered: the signature does not verify"),
    "unrelated": ("與品牌無關", "unrelated"),
    "invalid": ("無法讀取的檔案", "not a readable APK"),
}


def _clean(text: object) -> str:
    """Text from an APK is hostile: no control characters (terminal escapes) in the output."""
    return "".join(ch if ch.isprintable() else "\ufffd" for ch in str(text))


def render(
    report: ApkReport, first_time: bool, first_seen: str = "", times_seen: int = 1, tz: tzinfo | None = None
) -> str:
    d = report.to_dict()
    zh, en = VERDICT_TEXT.get(report.verdict, (report.verdict, report.verdict))
    lines = [f"{report.verdict.upper()}  {zh} / {en}"]
    if d["package"]:
        lines.append(
            f"App: {_clean(d['label'])} ({_clean(d['package'])}) {_clean(d['version_name'])} "
            f"({d['version_code']}), minSdk {d['min_sdk']}, targetSdk {d['target_sdk']}"
        )
    base = f"  (base APK: {_clean(d['bundle_base'])})" if d["bundle_base"] else ""
    lines.append(f"File: {_clean(d['file'])}  {d['size']:,} bytes  SHA-256 {d['sha256']}{base}")
    if d["schemes"]:
        marks = []
        for name in ("v1", "v2", "v3", "v3.1"):
            s = d["schemes"].get(name)
            if s is None:
                continue
            mark = "verified" if s["verified"] else ("FAILED" if s["present"] else "-")
            marks.append(f"{name} {mark}")
        state = "verified" if d["signature_verified"] else "DOES NOT VERIFY"
        lines.append(f"Signature: {state}  [{', '.join(marks)}]")
    for i, c in enumerate(d["certificates"], 1):
        lines.append(f"Signer #{i}: {_clean(c['subject'])}")
        lines.append(f"  SHA-256 {c['sha256']}  SHA-1 {c['sha1']}")
        lines.append(f"  serial {c['serial']}  valid {c['not_before']} .. {c['not_after']}")
    if d["lineage"]:
        chain = " -> ".join(c["sha256"][:16] + "…" for c in d["lineage"])
        lines.append(f"Key rotation lineage: {chain}")
    lines.append("Reasons:")
    for r in d["reasons"]:
        pts = f" [+{r['points']}]" if r["points"] else ""
        lines.append(f"  - {_clean(r['zh'])}{pts}")
        lines.append(f"    {_clean(r['en'])}")
    if report.verdict != "invalid":
        lines.append(f"Risk score: {d['risk']['score']}/100")
        if d["permissions"]:
            lines.append(
                "Permissions: "
                + ", ".join(_clean(p).removeprefix("android.permission.") for p in d["permissions"])
            )
    if first_time:
        lines.append("First time this file is seen.")
    elif first_seen:
        lines.append(f"Seen before on {local_time(first_seen, tz)} ({times_seen} times in all).")
    return "\n".join(lines)


@click.command("apk")
@click.argument("target")
@click.option("--brand", "brand_id", default=None, help="Judge against one brand id only (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--allow-private-urls",
    is_flag=True,
    help="Allow links to loopback/private addresses (testing only; the fetch is server-side).",
)
@click.option(
    "--max-size",
    type=click.IntRange(1, 4096),
    default=200,
    show_default=True,
    help="Largest file or download accepted, in MB.",
)
@app_options
def apk_cmd(
    app: App, target: str, brand_id: str | None, as_json: bool, allow_private_urls: bool, max_size: int
) -> None:
    """Verify the signature of an APK (.apk, .xapk, .apks; file or http(s) link) and give a verdict:
    official, official_signer_other_package, repackaged, impostor, tampered, unrelated or invalid.

    Every analysis is stored in the database; a file seen before is recognised.

    Example: fakeapp apk ~/Downloads/huayue.apk --json
    """
    # imported here: androguard and the verifier cost ~0.4 s to import, other commands should not pay it
    from bot.record.apk_store import ApkInputError, analyse_and_store, get_analysis

    profile = app.profile()
    is_link = target.lower().startswith(("http://", "https://"))
    if not is_link and not Path(target).is_file():  # before the database: a typo creates nothing
        raise click.ClickException(f"{target}: no such file")
    db = app.db(create=True)
    try:
        report, first = analyse_and_store(
            db,
            target if is_link else Path(target),
            profile,
            brand_id=brand_id,
            allow_private=allow_private_urls,
            max_size=max_size * 1024 * 1024,
        )
    except ApkInputError as exc:
        raise click.ClickException(str(exc)) from None
    row = get_analysis(db, report.sha256) if report.sha256 else None
    if as_json:
        out = report.to_dict()
        out["first_time"] = first
        out["first_seen"] = row.first_seen if row else None
        out["times_seen"] = row.times_seen if row else 0
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(
        render(report, first, row.first_seen if row else "", row.times_seen if row else 1, app.settings.tz)
    )
