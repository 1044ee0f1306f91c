"""Test helper: `fakeapp ARGS` with a fault injected inside the scan's write phase (``FAKEAPP_FAULT``).

- ``stall_writes``: after a few listings are written (inside the scan's one transaction), write the file
  ``FAULT_MARKER`` and stall, so the test can kill -9 the process in the middle of the writes.
- ``wait_before_writes``: before the write phase, write ``FAULT_MARKER`` and wait for ``FAULT_GO`` to exist
  (the test takes the database's write lock meanwhile).
- ``disk_full``: the database may not grow past its current size when the write phase starts (SQLite's
  "database or disk is full", exactly what a full disk gives).

Run as ``python -m tests.faultrun ARGS`` from the repository root.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any


def _install(fault: str) -> None:
    from bot.record import scan

    original_record = scan._record_scan
    original_listing = scan._store_listing
    marker = Path(os.environ.get("FAULT_MARKER", "fault.marker"))

    def record(db: Any, *args: Any, **kwargs: Any) -> Any:
        if fault == "wait_before_writes":
            marker.write_text("ready")
            go = Path(os.environ["FAULT_GO"])
            while not go.exists():
                time.sleep(0.02)
        if fault == "disk_full":
            pages = db.execute("PRAGMA page_count").fetchone()[0]
            db.execute(f"PRAGMA max_page_count = {int(pages)}")
        return original_record(db, *args, **kwargs)

    written = [0]

    def store_listing(*args: Any, **kwargs: Any) -> Any:
        out = original_listing(*args, **kwargs)
        written[0] += 1
        if fault == "stall_writes" and written[0] == 5:
            marker.write_text("writing")
            time.sleep(120)
        return out

    scan._record_scan = record
    scan._store_listing = store_listing


def main() -> None:
    _install(os.environ.get("FAKEAPP_FAULT", ""))
    from bot.cli import main as cli

    sys.argv[0] = "fakeapp"
    cli()


if __name__ == "__main__":
    main()
