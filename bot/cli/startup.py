"""Start-up trim for the ``fakeapp`` process: load sqlite-utils without numpy.

sqlite-utils imports numpy (and pandas) whenever they are installed, only to map their scalar types to column
types; fakeapp never stores numpy or pandas values (icon hashes are strings). numpy is often installed
beside it (by the test tools, or anything else in the same environment), and then every ``fakeapp`` command
would pay numpy's import at start: measured 2026-11 (sqlite-utils 4.2, numpy 2.4, 2 cores) ~70 ms and ~12 MB
of peak memory, a fifth of ``fakeapp apk``'s whole run on an official APK. numpy itself stays importable
for whoever needs it later in the process.

``FakeappGroup.get_command`` calls ``load_sqlite_utils_lean()`` when a command is about to run, before
its module imports sqlite-utils: a process-wide choice, made at run time where the process starts, never
at import.
"""

from __future__ import annotations

import sys

OPTIONAL = ("numpy", "pandas")


def load_sqlite_utils_lean() -> None:
    """Import sqlite-utils with its optional numpy/pandas support hidden (no-op if either is loaded)."""
    if "sqlite_utils" in sys.modules or any(name in sys.modules for name in OPTIONAL):
        return
    for name in OPTIONAL:
        sys.modules[name] = None  # type: ignore[assignment]  # documented: `import name` raises ImportError
    try:
        import sqlite_utils  # noqa: F401
    finally:
        for name in OPTIONAL:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
