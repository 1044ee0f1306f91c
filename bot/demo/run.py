"""Running commands against the bundled snapshot: start the store double and point the settings at it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.core.settings import DEFAULT_CONFIG, DEFAULT_DB, Settings
from bot.demo.server import StoreDouble
from bot.demo.snapshot import SNAPSHOT, SnapshotHandler

DEMO_DB = Path("data/demo.db")  # relative to the working directory, like the default database
DEMO_PROFILE = SNAPSHOT.parent.parent / "brands.toml"  # the profile the snapshot was rendered for
# Our own loopback server: no need to be polite, but keep a limit so the rate code path still runs.
DEMO_RATE = 50.0


@contextmanager
def demo_settings(
    settings: Settings, *, snapshot: Path | None = None, latency: float = 0.0
) -> Iterator[Settings]:
    """Settings whose store URLs point at a loopback server answering from the snapshot."""
    handler = SnapshotHandler(snapshot or SNAPSHOT)
    with StoreDouble(handler, latency=latency) as double:
        handler.base_url = double.base_url
        stores = dataclasses.replace(
            settings.stores,
            google_play_url=double.base_url,
            app_store_url=double.base_url,
            aptoide_url=double.base_url,
            galaxy_store_url=double.base_url,
            google_play_rate=DEMO_RATE,
            app_store_rate=DEMO_RATE,
            aptoide_rate=DEMO_RATE,
            galaxy_store_rate=DEMO_RATE,
            timeout=10.0,
        )
        db_path = DEMO_DB if settings.db_path == DEFAULT_DB else settings.db_path
        config = DEMO_PROFILE if settings.config_path == DEFAULT_CONFIG else settings.config_path
        yield dataclasses.replace(settings, stores=stores, db_path=db_path, config_path=config)
