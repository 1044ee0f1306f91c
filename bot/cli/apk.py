"""``fakeapp apk PATH_OR_URL``: verify an APK's signature against the official build and print the verdict."""

from __future__ import annotations

import functools
import hashlib
import json
import sys
import threading
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


def _shown(target: str) -> str:
    """A path or link as typed, made printable and bounded for a one-line error."""
    text = _clean(target)
    return text if len(text) <= 120 else text[:119] + "…"


def _reason(exc: Exception) -> str:
    return _clean(exc.strerror if isinstance(exc, OSError) and exc.strerror else exc)[:120]


def _extra_lines(d: dict[str, Any]) -> list[str]:
    """apksigner's --verbose lines for a v4 file beside the APK and a SourceStamp, when there is one."""
    lines: list[str] = []
    v4, stamp = d.get("v4"), d.get("source_stamp")
    if v4:
        lines.append(f"Verified using v4 scheme (APK Signature Scheme v4): {str(v4['verified']).lower()}"
                     f"  ({_shown(v4['source'])})")  # fmt: skip
        if v4["signer_sha256"]:
            lines.append(f"  v4 signer certificate SHA-256 digest: {v4['signer_sha256']}")
        lines.extend(f"  v4: {_clean(e)[:240]}" for e in [*v4["errors"], *v4["notes"]][:3])
    if stamp:
        lines.append(f"Verified for SourceStamp: {str(stamp['verified']).lower()}")
        if stamp["signer_sha256"]:
            lines.append(f"Source Stamp Signer certificate SHA-256 digest: {stamp['signer_sha256']}")
        lines.extend(
            f"  SourceStamp: {_clean(e)[:240]}"
            for e in [*stamp["errors"], *stamp["warnings"], *stamp["notes"]][:3]
        )
    return lines


def render(
    report: ApkReport, first_time: bool, first_seen: str = "", times_seen: int = 1, tz: tzinfo | None = None
) -> str:
    """The APK report as terminal text: verdict, app, file, signature, signers, reasons, risk, history."""
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
    lines.extend(_extra_lines(d))
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


APK_SUFFIXES = (".apk", ".xapk", ".apks")


def _problem(target: str) -> str | None:
    """Why a single input cannot be read, in one line, or None. Any scheme:// is a link (ftp:// is refused as
    a link, not looked for as a file), checked before anything else: never a traceback."""
    from scanners.apk.links import FetchError, check_url, looks_like_link, without_userinfo

    if looks_like_link(target):
        try:
            check_url(target)
        except FetchError as exc:
            return f"{_shown(without_userinfo(target))}: {exc}"
        return None
    try:
        found = Path(target).is_file()
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte, an unencodable character
        return f"{_shown(target)}: not a usable file name ({_reason(exc)})"
    return None if found else f"{_shown(target)}: no such file"


def expand_inputs(targets: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """Each target in order as (input, error): a link or file as given; a folder as every .apk, .xapk and
    .apks under it (recursively, sorted by path); a folder without any as one error."""
    out: list[tuple[str, str | None]] = []
    for target in targets:
        if not target.strip():
            out.append((target, "an empty path or link"))
            continue
        path = Path(target)
        try:
            is_dir = "://" not in target and path.is_dir()
        except (OSError, ValueError):
            is_dir = False
        if not is_dir:
            out.append((target, _problem(target)))
            continue
        try:
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in APK_SUFFIXES and p.is_file())
        except OSError as exc:
            out.append((target, f"{_shown(target)}: cannot list the folder ({_reason(exc)})"))
            continue
        if not found:
            out.append((target, f"{_shown(target)}: no .apk, .xapk or .apks file in this folder"))
        out.extend((str(p), None) for p in found)
    return out


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, stream: Any = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.enabled = total > 1 and bool(getattr(self.stream, "isatty", lambda: False)())

    def show(self, done: int, name: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // self.total
        label = _clean(name)[-40:]
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} {label:<40}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 90 + "\r")
            self.stream.flush()


class Prehash(threading.Thread):
    """SHA-256 of the local input files, in input order, in a background thread started before the verifier
    is imported: the file's hash needs no import, and hashlib and file reads release the GIL, so on a second
    core it overlaps the ~0.15 s the interpreter spends importing instead of running after it (for a 150 MB
    APK, one of the two or three SHA-256 passes its verdict needs).

    ``get(path)`` waits for that file's digest: "" (the analysis hashes the file itself) when the file is
    over the size limit, unreadable, or changed (size, mtime or inode) since it was hashed.
    """

    def __init__(self, paths: list[Path], max_size: int) -> None:
        super().__init__(daemon=True, name="fakeapp-prehash")
        self.max_size = max_size
        self.done: dict[Path, tuple[threading.Event, list[tuple[str, tuple[int, int, int]]]]] = {
            p: (threading.Event(), []) for p in paths
        }

    @staticmethod
    def _stamp(path: Path) -> tuple[int, int, int]:
        st = path.stat()
        return st.st_size, st.st_mtime_ns, st.st_ino

    def run(self) -> None:
        for path, (event, box) in self.done.items():
            try:
                stamp = self._stamp(path)
                if stamp[0] <= self.max_size:
                    with open(path, "rb") as f:
                        box.append((hashlib.file_digest(f, "sha256").hexdigest(), stamp))
            except OSError:
                pass
            finally:
                event.set()

    def get(self, path: Path) -> str:
        entry = self.done.get(path)
        if entry is None:
            return ""
        entry[0].wait()
        if not entry[1]:
            return ""
        digest, stamp = entry[1][0]
        try:
            return digest if self._stamp(path) == stamp else ""
        except OSError:
            return ""


@click.command("apk")
@click.argument("targets", nargs=-1, required=True, metavar="PATH_OR_URL...")
@click.option("--brand", "brand_id", default=None, help="Judge against one brand id only (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per line, one line per APK.")
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
    app: App,
    targets: tuple[str, ...],
    brand_id: str | None,
    as_json: bool,
    allow_private_urls: bool,
    max_size: int,
) -> None:
    """Verify the signature of APKs (.apk, .xapk, .apks; files, folders or http(s) links) and give each a
    verdict: official, official_signer_other_package, repackaged, impostor, tampered, unrelated or invalid.

    A folder means every .apk, .xapk and .apks in it, recursively. All run in one process, in input order;
    with --json, one JSON object per line (an input that cannot be read gets {"input", "error"}). The exit
    status is 0 when every input could be read, 1 otherwise (each failure also gets one line on stderr).
    Every analysis is stored in the database; a file seen before is recognised.

    Example: fakeapp apk ~/Downloads/huayue.apk samples/ --json
    """
    from scanners.apk.links import looks_like_link

    inputs = expand_inputs(targets)
    local = [Path(t) for t, problem in inputs if problem is None and not looks_like_link(t)]
    prehash = Prehash(local, max_size * 1024 * 1024)
    prehash.start()  # before the verifier's imports (below): it hashes while they load
    # imported here: androguard and the verifier cost ~0.4 s to import, other commands should not pay it
    from bot.record.apk_store import ApkInputError, analyse_and_store, get_analysis, prepared_brands

    if len(inputs) == 1 and inputs[0][1] is not None:
        raise click.ClickException(inputs[0][1])
    profile = app.profile()
    db = app.connection(create=True)  # after the inputs are checked: a typo creates nothing; no sqlite-utils
    failures = 0
    progress = Progress(len(inputs))
    many = len(inputs) > 1
    # One APK prepares the brands (name variants, official icon hashes) only if its verdict needs them;
    # a batch prepares them once for all instead of once per APK.
    brands = prepared_brands(profile, brand_id) if many else None
    try:
        for number, (target, problem) in enumerate(inputs, 1):
            progress.show(number - 1, target)
            if problem is None:
                is_link = looks_like_link(target)
                try:
                    report, first = analyse_and_store(
                        db,
                        target if is_link else Path(target),
                        profile,
                        brand_id=brand_id,
                        allow_private=allow_private_urls,
                        max_size=max_size * 1024 * 1024,
                        brands=brands,
                        # asked for after the analysis: the verification does not wait for the hash
                        sha256="" if is_link else functools.partial(prehash.get, Path(target)),
                    )
                except ApkInputError as exc:
                    if not many:
                        raise click.ClickException(str(exc)) from None
                    problem = str(exc)
            if problem is not None:
                failures += 1
                progress.close()
                click.echo(f"Error: {_clean(problem)}", err=True)
                if as_json:
                    click.echo(json.dumps({"input": target, "error": problem}, ensure_ascii=False))
                continue
            row = get_analysis(db, report.sha256) if report.sha256 else None
            if as_json:
                out = report.to_dict()
                out["input"] = target
                out["first_time"] = first
                out["first_seen"] = row.first_seen if row else None
                out["times_seen"] = row.times_seen if row else 0
                progress.close()
                click.echo(json.dumps(out, ensure_ascii=False))
                continue
            text = render(
                report, first, row.first_seen if row else "", row.times_seen if row else 1, app.settings.tz
            )
            progress.close()
            if many:
                click.echo(f"{'' if number == 1 else chr(10)}[{number}/{len(inputs)}] {_clean(target)}")
            click.echo(text)
        progress.show(len(inputs), "")
    finally:
        progress.close()
    if many:
        click.echo(
            f"{len(inputs)} inputs, {len(inputs) - failures} read, {failures} could not be read", err=True
        )
    if failures:
        raise click.exceptions.Exit(1)
