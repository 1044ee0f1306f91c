"""Settings: environment variables over an optional settings file over defaults. Secrets are never logged."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_DB = DATA_DIR / "fakeapp.db"
DEFAULT_CONFIG = DATA_DIR / "brands.toml"
DEFAULT_GOOGLE_PLAY_URL = "https://play.google.com"
DEFAULT_APP_STORE_URL = "https://itunes.apple.com"


class SettingsError(ValueError):
    """A setting that cannot be used; one line naming the setting."""


@dataclass(frozen=True)
class StoreSettings:
    google_play_url: str = DEFAULT_GOOGLE_PLAY_URL
    app_store_url: str = DEFAULT_APP_STORE_URL
    # Requests a second per store: Play throttles at about 1/s, the iTunes API documents ~20/minute.
    google_play_rate: float = 1.0
    app_store_rate: float = 0.33
    timeout: float = 15.0
    retries: int = 3
    backoff: float = 2.0
    details_max_age_hours: float = 24.0


@dataclass(frozen=True)
class Settings:
    db_path: Path = DEFAULT_DB
    config_path: Path = DEFAULT_CONFIG
    stores: StoreSettings = field(default_factory=StoreSettings)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}: expected a number, got {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name}: must be positive")
    return value


def load_settings(env: Mapping[str, str] | None = None, settings_file: Path | None = None) -> Settings:
    """Settings from the environment (``FAKEAPP_*``), then the settings file, then defaults."""
    env = os.environ if env is None else env
    file_values: dict[str, object] = {}
    path = settings_file or (Path(env["FAKEAPP_SETTINGS"]) if env.get("FAKEAPP_SETTINGS") else None)
    if path is not None:
        try:
            file_values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"{path}: cannot read settings: {exc}") from None
    merged = {**{k.upper(): str(v) for k, v in file_values.items() if not isinstance(v, dict)}, **env}
    stores = StoreSettings(
        google_play_url=merged.get("FAKEAPP_GOOGLE_PLAY_URL") or DEFAULT_GOOGLE_PLAY_URL,
        app_store_url=merged.get("FAKEAPP_APP_STORE_URL") or DEFAULT_APP_STORE_URL,
        google_play_rate=_float(merged, "FAKEAPP_GOOGLE_PLAY_RATE", 1.0),
        app_store_rate=_float(merged, "FAKEAPP_APP_STORE_RATE", 0.33),
        timeout=_float(merged, "FAKEAPP_HTTP_TIMEOUT", 15.0),
    )
    return Settings(
        db_path=Path(merged.get("FAKEAPP_DB") or DEFAULT_DB),
        config_path=Path(merged.get("FAKEAPP_CONFIG") or DEFAULT_CONFIG),
        stores=stores,
    )
