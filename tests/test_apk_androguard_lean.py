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


# The logger stand-in, in a fresh interpreter: argv[1] "loguru-first" imports loguru before the check.
LOGGING = r"""
import json, sys, zipfile
if sys.argv[1] == "loguru-first":
    import loguru
from scanners.apk.manifest import read_manifest
package = read_manifest(sys.argv[2]).package
loaded_by_check = "loguru" in sys.modules
from loguru import logger  # the real loguru, whatever the check did
seen = []
sink = logger.add(lambda m: seen.append((m.record["name"], m.record["level"].name)), level="DEBUG",
                  filter="androguard")
from scanners.apk.androguard_lean import axml, quiet_androguard
raw = zipfile.ZipFile(sys.argv[2]).read("AndroidManifest.xml")
with quiet_androguard():
    axml().AXMLPrinter(raw)
quiet = list(seen)
axml().AXMLPrinter(raw)  # outside the block: androguard logs as it always does
print(json.dumps({"package": package, "loaded_by_check": loaded_by_check, "quiet": quiet, "after": seen,
                  "real": type(logger).__module__, "held": type(axml().logger).__name__}))
"""


@pytest.mark.parametrize("mode", ["fresh", "loguru-first"])
def test_androguard_logs_through_loguru_only_outside_the_quiet_block(mode: str) -> None:
    p = subprocess.run(
        [sys.executable, "-c", LOGGING, mode, str(APKS / "official.apk")],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    out = json.loads(p.stdout)
    assert out["package"] == "tw.com.huayuesec.trade"
    assert out["real"] == "loguru._logger"  # `import loguru` elsewhere gets the real module
    assert out["quiet"] == []
    # androguard's AXML parser logs "AXMLParser" at DEBUG on every document, named as its own module
    assert ["androguard.core.axml", "DEBUG"] in out["after"]
    if mode == "fresh":  # the check itself never loaded loguru; the parser holds the stand-in
        assert out["loaded_by_check"] is False and out["held"] == "LazyLogger"
    else:  # loguru was there first: androguard holds the real logger, silenced by loguru's own switch
        assert out["loaded_by_check"] is True and out["held"] == "Logger"


def test_lazy_logger_returns_the_real_loggers_attributes() -> None:
    from loguru import logger

    from scanners.apk.androguard_lean import LazyLogger, quiet_androguard

    lazy = LazyLogger()
    assert lazy.opt == logger.opt and lazy.debug == logger.debug
    with quiet_androguard():
        assert lazy.debug("dropped") is None and lazy.debug != logger.debug
        assert lazy.bind == logger.bind  # only logging calls are dropped
