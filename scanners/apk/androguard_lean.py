"""androguard's AXML/ARSC parsers, loaded lean: the one place that works around androguard's import cost.

``androguard.core.axml`` imports ``androguard.core.resources.public``, which at import time parses the
platform's ``public.xml`` (190 kB) with ``xml.dom.minidom`` into a DOM, only to keep two dictionaries
(attribute and style names by resource id). That costs every process that reads a manifest 30-60 ms and
~6.5 MB of peak memory (measured, androguard 4.1.4). ``axml()`` first puts in its place a module that offers
the same ``SYSTEM_RESOURCES`` built from the same file with lxml (which androguard's AXML parser imports
anyway), on first use: ~3 ms and well under 1 MB. If androguard's own module is already loaded, it is used
as is. ``tests/test_apk_androguard_lean.py`` checks the tables are equal to androguard's and that manifests
read the same either way.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
import threading
import types
from pathlib import Path
from typing import Any

PUBLIC = "androguard.core.resources.public"
_LOCK = threading.Lock()


def public_xml_path() -> Path:
    """androguard's bundled ``public.xml``, found without importing the module that parses it."""
    spec = importlib.util.find_spec("androguard.core.resources")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("androguard.core.resources not found")
    return Path(next(iter(spec.submodule_search_locations))) / "public.xml"


@functools.cache
def system_resources() -> dict[str, dict[str, dict[Any, Any]]]:
    """The ``SYSTEM_RESOURCES`` androguard builds: attribute and style names <-> resource ids."""
    from lxml import etree

    by_type: dict[str, dict[str, int]] = {}
    # androguard's own file, shipped in its wheel (not input from an APK); no DTD or entities are resolved
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.parse(str(public_xml_path()), parser).getroot()
    for element in root.iter("public"):
        by_type.setdefault(element.get("type", ""), {})[element.get("name", "")] = int(element.get("id"), 16)
    return {
        kind: {"forward": dict(by_type[src]), "inverse": {v: k for k, v in by_type[src].items()}}
        for kind, src in (("attributes", "attr"), ("styles", "style"))
    }


def _lean_public_module() -> types.ModuleType:
    module = types.ModuleType(PUBLIC, "Lean stand-in for androguard's public resources (scanners.apk).")

    def __getattr__(name: str) -> Any:  # PEP 562: built on first use
        if name == "SYSTEM_RESOURCES":
            return system_resources()
        raise AttributeError(name)

    module.__dict__["__getattr__"] = __getattr__
    return module


def axml() -> types.ModuleType:
    """``androguard.core.axml`` (AXMLPrinter, ARSCParser), with the lean public-resources table."""
    if "androguard.core.axml" not in sys.modules:
        with _LOCK:
            if PUBLIC not in sys.modules:
                import androguard.core.resources as resources

                lean = _lean_public_module()
                sys.modules[PUBLIC] = lean
                resources.public = lean
    import androguard.core.axml as module

    loaded: types.ModuleType = module  # androguard has no type hints: name what it is
    return loaded
