"""A screenshot of a recorded page with headless Chromium (Debian ``chromium``), for the evidence pack.

Run only against the URL the trace recorded, in a throwaway profile directory, with a bounded time-out; the
whole process group is killed when it overruns. ``FAKEAPP_CHROMIUM`` names the binary (``off`` disables).
When Chromium is missing or fails, the caller gets the reason in one line and the pack says so.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_TIMEOUT = 30.0
MAX_PNG = 10 * 1024 * 1024
WINDOW = (1280, 1600)
DEAD_PROXY = "127.0.0.1:9"  # the discard port: nothing listens, every proxied request fails at once


@dataclass(frozen=True)
class Shot:
    """A PNG (``data``) or why there is none (``note``)."""

    url: str
    data: bytes = b""
    note: str = ""
    tool: str = ""


def chromium_binary(env: dict[str, str] | None = None) -> str | None:
    """The Chromium to use: ``FAKEAPP_CHROMIUM`` (a path or name; ``off`` disables), else ``chromium``."""
    e = os.environ if env is None else env
    chosen = (e.get("FAKEAPP_CHROMIUM") or "").strip()
    if chosen.lower() in ("off", "none", "0", "no"):
        return None
    for name in [chosen] if chosen else ["chromium", "chromium-browser", "google-chrome"]:
        found = shutil.which(name)
        if found:
            return found
    return None


def confinement(url: str, address: str = "") -> list[str]:
    """Chromium flags that let it reach only the recorded page's host (and port): every other request goes
    to a dead proxy (loopback included), and the host is pinned to the address the trace recorded, so a
    page cannot make the machine fetch internal addresses for it, nor rebind its name."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    shown = f"[{host}]" if ":" in host else host
    flags = [
        f"--proxy-server=http://{DEAD_PROXY}",
        f"--proxy-bypass-list=<-loopback>;{shown}:{port}",
    ]
    if address and not _is_ip(host):
        flags.append(f"--host-resolver-rules=MAP {host} {address}")
    return flags


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def take_screenshot(
    url: str,
    *,
    address: str = "",
    binary: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    window: tuple[int, int] = WINDOW,
) -> Shot:
    """Screenshot ``url`` (http/https only), confined to its host (pinned to ``address`` when given).
    Never raises: a failure comes back as ``Shot.note``."""
    if not url.lower().startswith(("http://", "https://")) or not urlsplit(url).hostname:
        return Shot(url, note="not an http(s) page")
    exe = binary or chromium_binary()
    if exe is None:
        return Shot(url, note="headless Chromium is not installed (no screenshot)")
    with tempfile.TemporaryDirectory(prefix="fakeapp-shot-") as tmp:
        out = Path(tmp) / "page.png"
        args = [
            exe,
            "--headless",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-sync",
            "--disable-default-apps",
            "--mute-audio",
            "--incognito",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--window-size={window[0]},{window[1]}",
            f"--timeout={int(timeout * 1000 * 0.7)}",
            f"--screenshot={out}",
            *confinement(url, address),
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        args += ["--", url]
        proc = subprocess.Popen(  # noqa: S603 (fixed arguments; the URL comes after "--")
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd=tmp,
        )
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            return Shot(url, note=f"Chromium did not finish within {timeout:.0f} s", tool=exe)
        finally:
            _kill(proc)  # its helpers too: the whole session we started
        if not out.is_file() or out.stat().st_size == 0:
            return Shot(url, note=f"Chromium made no screenshot (exit status {proc.returncode})", tool=exe)
        if out.stat().st_size > MAX_PNG:
            return Shot(url, note="the screenshot is larger than the limit", tool=exe)
        return Shot(url, data=out.read_bytes(), tool=exe)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill the process group of the Chromium we started (its renderer and GPU helpers included)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
