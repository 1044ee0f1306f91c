"""androguard's AXML/ARSC parsers, loaded lean: the one place that works around androguard's import cost.

``androguard.core.axml`` imports ``androguard.core.resources.public``, which at import time parses the
platform's ``public.xml`` (190 kB) with ``xml.dom.minidom`` into a DOM, only to keep two dictionaries
(attribute and style names by resource id). That costs every process that reads a manifest 30-60 ms and
~6.5 MB of peak memory (measured, androguard 4.1.4). ``axml()`` first puts in its place a module that offers
the same ``SYSTEM_RESOURCES`` built from the same file with lxml (which androguard's AXML parser imports
anyway), on first use: ~3 ms and well under 1 MB. If androguard's own module is already loaded, it is used
as is. ``tests/test_apk_androguard_lean.py`` checks the tables are equal to androguard's and that manifests
read the same either way.

Second, its logger. ``androguard.core.axml`` does ``from loguru import logger`` at import, and loguru's import
pulls in asyncio, multiprocessing and more: ~45 ms of CPU on every ``fakeapp apk`` start, for a logger the
check silences anyway. ``axml()`` imports the module with ``loguru`` bound to a stand-in whose ``logger`` is a
``LazyLogger``: inside ``quiet_androguard()`` its logging calls are dropped without loading loguru; outside
the block every attribute is the real loguru logger's own (imported then), so androguard's messages reach
loguru exactly as before, with their own module and line. The stand-in is in ``sys.modules`` only while the
module is imported; ``import loguru`` anywhere else gets the real one.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import sys
import threading
import types
from collections.abc import Callable, Iterator
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


class _Quiet:
    """Reference-counted silencing: the bot analyses APKs in worker threads, and loguru's switch and
    ``sys.stdout`` are process-wide, so only the first caller in turns them off and only the last one out
    turns them back on (nested or concurrent calls would otherwise re-enable or lose stdout)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.saved_stdout: Any = None
        self.disabled_loguru = False


_QUIET = _Quiet()
# loguru's logging methods: what a quiet block drops; anything else (opt, bind, add...) is the real one.
_LEVELS = frozenset({"trace", "debug", "info", "success", "warning", "error", "critical", "exception", "log"})


def _drop(*args: object, **kwargs: object) -> None:
    """A logging call inside ``quiet_androguard()``."""


class LazyLogger:
    """The ``logger`` androguard's AXML module holds: loguru's, loaded on the first message outside a quiet
    block. An attribute is looked up on the real logger and returned as is (no wrapper frame), so loguru
    still sees androguard's module and line as the caller."""

    def __getattr__(self, name: str) -> Any:
        if name in _LEVELS and _QUIET.depth > 0:
            return _drop
        from loguru import logger

        return getattr(logger, name)


def _loguru_stand_in() -> types.ModuleType:
    module = types.ModuleType("loguru", "Stand-in while androguard.core.axml is imported (scanners.apk).")
    module.__dict__["logger"] = LazyLogger()
    return module


def axml() -> types.ModuleType:
    """``androguard.core.axml`` (AXMLPrinter, ARSCParser), with the lean public-resources table and a
    logger that loads loguru only when it has something to say outside ``quiet_androguard()``."""
    if "androguard.core.axml" not in sys.modules:
        with _LOCK:
            if PUBLIC not in sys.modules:
                import androguard.core.resources as resources

                lean = _lean_public_module()
                sys.modules[PUBLIC] = lean
                resources.public = lean
            if "androguard.core.axml" not in sys.modules and "loguru" not in sys.modules:
                sys.modules["loguru"] = _loguru_stand_in()
                try:
                    import androguard.core.axml  # noqa: F401  (binds the stand-in's logger)
                finally:
                    del sys.modules["loguru"]
    import androguard.core.axml as module

    loaded: types.ModuleType = module  # androguard has no type hints: name what it is
    return loaded


def _set_loguru(enabled: bool) -> bool:
    """loguru's switch for androguard, when loguru is loaded (else nothing to switch); whether it was."""
    real = sys.modules.get("loguru")
    if real is None or isinstance(getattr(real, "logger", None), LazyLogger):
        return False
    switch: Callable[[str], None] = real.logger.enable if enabled else real.logger.disable
    switch("androguard")
    return True


@contextlib.contextmanager
def quiet_androguard() -> Iterator[None]:
    """Silence androguard inside the block only: its loguru output (hundreds of DEBUG lines per APK; dropped
    by ``LazyLogger``, and by loguru's own switch when loguru is loaded) and the bare ``print()`` calls its
    resource parser makes on malformed tables (they would corrupt --json)."""
    with _QUIET.lock:
        if _QUIET.depth == 0:
            _QUIET.disabled_loguru = _set_loguru(False)
            _QUIET.saved_stdout = sys.stdout
            sys.stdout = io.StringIO()
        _QUIET.depth += 1
    try:
        yield
    finally:
        with _QUIET.lock:
            _QUIET.depth -= 1
            if _QUIET.depth == 0:
                sys.stdout = _QUIET.saved_stdout
                _QUIET.saved_stdout = None
                if _QUIET.disabled_loguru:
                    _set_loguru(True)
                    _QUIET.disabled_loguru = False
