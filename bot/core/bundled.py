"""The data files fakeapp ships (demo snapshot, the demo brand profile, icons, starter files).

Installed from a wheel they are the package ``fakeapp_data`` (read with ``importlib.resources``; see
``bot/_build.py``); in a source checkout (``pip install -e .``) they are the repository's ``data/``.
Nothing is ever written here: runtime state (databases, generated files) lives where the user runs fakeapp.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path


def bundled_root() -> Path:
    """The folder holding the shipped data files."""
    try:
        root = importlib.resources.files("fakeapp_data")
    except ModuleNotFoundError:  # a source checkout: data/ beside bot/
        return Path(__file__).resolve().parent.parent.parent / "data"
    if not isinstance(root, Path):  # zip imports: fakeapp needs real files (the demo server serves them)
        raise RuntimeError(f"fakeapp_data must be installed as files, not {type(root).__name__}")
    return root


def bundled(*parts: str) -> Path:
    """A shipped file or folder, e.g. ``bundled("demo", "snapshot")``."""
    return bundled_root().joinpath(*parts)
