"""The androguard workaround (scanners.apk.androguard_lean): same tables, same manifests, no minidom parse."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scanners.apk.androguard_lean import public_xml_path, system_resources

ROOT = Path(__file__).resolve().parent.parent
APKS = ROOT / "tests" / "apks"
SHARED_APKS = ROOT.parent / "shared" / "fixtures" / "apk"

# Reads every corpus manifest in a fresh interpreter; argv[1] "original" loads androguard's own module first.
READ_ALL = r"""
import json, sys
if sys.argv[1] == "original":
    import androguard.core.resources.public
if sys.argv[1] == "loguru":  # loguru already loaded: androguard keeps the real logger
    import loguru
from scanners.apk.manifest import read_manifest
out = {}
for path in sys.argv[2:]:
    try:
        out[path] = read_manifest(path).to_dict()
    except Exception as exc:
        out[path] = f"{type(exc).__name__}: {exc}"
public = sys.modules["androguard.core.resources.public"]
print(json.dumps({"minidom": "xml.dom.minidom" in sys.modules,
                  "loguru": "loguru" in sys.modules, "asyncio": "asyncio" in sys.modules,
                  "logger": type(sys.modules["androguard.core.axml"].logger).__name__,
                  "public": type(public.__dict__.get("__getattr__")).__name__,
                  "manifests": out}, ensure_ascii=False, default=str))
"""


def _originals() -> dict[str, object]:
    """androguard's own SYSTEM_RESOURCES, loaded from its file under another name (sys.modules untouched)."""
    path = public_xml_path().with_name("public.py")
    spec = importlib.util.spec_from_file_location("_androguard_public_original", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.SYSTEM_RESOURCES)


def test_tables_equal_androguards_own() -> None:
    ours, theirs = system_resources(), _originals()
    assert ours == theirs
    # spot check a well-known attribute both ways: android:label is 0x01010001
    assert ours["attributes"]["forward"]["label"] == 0x01010001
    assert ours["attributes"]["inverse"][0x01010001] == "label"
    assert len(ours["attributes"]["forward"]) > 1000 and len(ours["styles"]["forward"]) > 500


def _read_all(mode: str, paths: list[str]) -> dict[str, object]:
    p = subprocess.run(
        [sys.executable, "-c", READ_ALL, mode, *paths], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return dict(json.loads(p.stdout))


def test_manifests_read_the_same_with_the_lean_table() -> None:
    paths = sorted(str(p) for p in APKS.glob("*.apk"))
    if SHARED_APKS.is_dir():  # two real apps with real resource tables, when ../shared is beside the clone
        paths += sorted(str(p) for p in SHARED_APKS.glob("*.apk"))
    lean, original = _read_all("lean", paths), _read_all("original", paths)
    with_loguru = _read_all("loguru", paths)
    assert lean["manifests"] == original["manifests"] == with_loguru["manifests"]
    manifests = lean["manifests"]
    assert isinstance(manifests, dict)
    official = manifests[str(APKS / "official.apk")]
    assert isinstance(official, dict) and official["package"] == "tw.com.huayuesec.trade"
    assert "android.permission.INTERNET" in official["permissions"]
    # the workaround was in effect in the lean run (no DOM parse), and not in the other
    assert lean["minidom"] is False and lean["public"] == "function"
    assert original["minidom"] is True and original["public"] == "NoneType"
    # loguru (and the asyncio it pulls in) is not imported to read a manifest; the stand-in left no trace in
    # sys.modules; with loguru loaded first, androguard logs through the real one
    assert lean["loguru"] is False and lean["asyncio"] is False and lean["logger"] == "SilentLogger"
    assert with_loguru["loguru"] is True and with_loguru["logger"] == "Logger"


def test_silent_logger_drops_everything_and_chains() -> None:
    from scanners.apk.androguard_lean import SILENT_LOGGER

    assert SILENT_LOGGER.debug("x {}", 1) is SILENT_LOGGER
    assert SILENT_LOGGER.opt(depth=1).warning("y") is SILENT_LOGGER
    assert SILENT_LOGGER.anything_else("z") is SILENT_LOGGER


def test_quiet_androguard_works_with_and_without_loguru() -> None:
    code = (
        "import sys\n"
        "from scanners.apk.manifest import quiet_androguard, read_manifest\n"
        "m = read_manifest(sys.argv[1])\n"
        "assert 'loguru' not in sys.modules\n"
        "from loguru import logger\n"
        "with quiet_androguard():\n"
        "    print('hidden')\n"
        "print(m.package)\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code, str(APKS / "official.apk")], capture_output=True, text=True, cwd=ROOT,
        check=True,
    )  # fmt: skip
    assert p.stdout.strip() == "tw.com.huayuesec.trade"


def test_lean_module_refuses_unknown_names() -> None:
    from scanners.apk.androguard_lean import _lean_public_module

    module = _lean_public_module()
    assert module.SYSTEM_RESOURCES is system_resources()
    with pytest.raises(AttributeError):
        _ = module.nothing_here
