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
from scanners.apk.manifest import read_manifest
out = {}
for path in sys.argv[2:]:
    try:
        out[path] = read_manifest(path).to_dict()
    except Exception as exc:
        out[path] = f"{type(exc).__name__}: {exc}"
public = sys.modules["androguard.core.resources.public"]
print(json.dumps({"minidom": "xml.dom.minidom" in sys.modules,
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
    assert lean["manifests"] == original["manifests"]
    manifests = lean["manifests"]
    assert isinstance(manifests, dict)
    official = manifests[str(APKS / "official.apk")]
    assert isinstance(official, dict) and official["package"] == "tw.com.huayuesec.trade"
    assert "android.permission.INTERNET" in official["permissions"]
    # the workaround was in effect in the lean run (no DOM parse), and not in the other
    assert lean["minidom"] is False and lean["public"] == "function"
    assert original["minidom"] is True and original["public"] == "NoneType"


def test_lean_module_refuses_unknown_names() -> None:
    from scanners.apk.androguard_lean import _lean_public_module

    module = _lean_public_module()
    assert module.SYSTEM_RESOURCES is system_resources()
    with pytest.raises(AttributeError):
        _ = module.nothing_here
