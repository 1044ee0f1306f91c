"""Reading hostile property lists: a size cap, no XML entity declarations (no "billion laughs"), and every
binary-plist reference cycle or runaway nesting turned into a clear error instead of endless recursion.

plistlib (CPython 3.11+) already refuses ``<!ENTITY`` declarations with ``InvalidFileException``; the check
here does not rely on that. A binary plist may reference an object from inside itself: plistlib then returns
a self-containing list or dict, which ``acyclic`` refuses (and ``json.dumps`` would recurse on forever).
"""

from __future__ import annotations

import datetime as dt
import plistlib
import re
from typing import Any

MAX_PLIST = 4 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 64
_DOCTYPE_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


class PlistError(ValueError):
    """Not a usable property list; the message is one line."""


def load_plist(data: bytes, *, max_size: int = MAX_PLIST) -> dict[str, Any]:
    """A dict from an XML or binary plist, plain and acyclic; raises PlistError."""
    if len(data) > max_size:
        raise PlistError(f"the property list is larger than {max_size:,} bytes")
    if not data.startswith(b"bplist") and _DOCTYPE_ENTITY.search(data):
        raise PlistError("the property list declares XML entities (refused: entity expansion)")
    try:
        value = plistlib.loads(data)
    except RecursionError:
        raise PlistError("the property list is nested too deeply") from None
    except Exception as exc:  # plistlib raises InvalidFileException, ExpatError, ValueError, struct.error...
        raise PlistError(f"not a valid property list ({type(exc).__name__}: {str(exc)[:120]})") from None
    clean = acyclic(value)
    if not isinstance(clean, dict):
        raise PlistError(f"the property list is a {type(clean).__name__}, not a dictionary")
    return clean


def acyclic(value: Any, *, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> Any:
    """A copy of ``value`` that is a tree: raises PlistError on a reference cycle, too many nodes or too deep
    a nesting (iterative, so a hostile file cannot exhaust the stack)."""
    count = 0

    def check(depth: int) -> None:
        nonlocal count
        count += 1
        if count > max_nodes:
            raise PlistError(f"the property list has more than {max_nodes:,} values")
        if depth > max_depth:
            raise PlistError(f"the property list is nested deeper than {max_depth} levels")

    # explicit stack of (source container, target container, path of ids on the way)
    def new(v: Any) -> Any:
        return [] if isinstance(v, list | tuple) else {} if isinstance(v, dict) else v

    root = new(value)
    check(0)
    if not isinstance(value, list | tuple | dict):
        return _leaf(value)
    stack: list[tuple[Any, Any, frozenset[int], int]] = [(value, root, frozenset({id(value)}), 0)]
    while stack:
        src, dst, path, depth = stack.pop()
        items = src.items() if isinstance(src, dict) else enumerate(src)
        for key, child in items:
            check(depth + 1)
            if isinstance(child, list | tuple | dict):
                if id(child) in path:
                    raise PlistError("the property list refers to itself (a reference cycle)")
                c = new(child)
                stack.append((child, c, path | {id(child)}, depth + 1))
            else:
                c = _leaf(child)
            if isinstance(dst, dict):
                dst[str(key)] = c
            else:
                dst.append(c)
    return root


def _leaf(v: Any) -> Any:
    if isinstance(v, plistlib.UID):
        return int(v.data)
    return v


def as_dict(v: Any) -> dict[str, Any]:
    """``v`` if it is a dict, else an empty one (hostile files put anything anywhere)."""
    return v if isinstance(v, dict) else {}


def as_list(v: Any) -> list[Any]:
    """``v`` if it is a list, else an empty one (hostile files put anything anywhere)."""
    return v if isinstance(v, list) else []


def text(d: dict[str, Any], key: str, limit: int = 500) -> str:
    """A string value (anything else: ''), cut to ``limit`` characters."""
    v = d.get(key)
    return v[:limit] if isinstance(v, str) else ""


def iso(v: Any) -> str:
    """A plist date as ISO 8601 UTC (``...Z``); anything else: ''."""
    if not isinstance(v, dt.datetime):
        return ""
    when: dt.datetime = v if v.tzinfo is not None else v.replace(tzinfo=dt.UTC)
    return when.isoformat().replace("+00:00", "Z")
