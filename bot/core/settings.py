"""Settings: environment variables over an optional settings file over defaults. Secrets are never logged."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path

from bot.core.clock import DEFAULT_TIMEZONE, zone

# Relative to the working directory, as the README's settings table reads: state lives where the user runs
# fakeapp, never inside the installed package.
DEFAULT_DB = Path("data/fakeapp.db")
DEFAULT_CONFIG = Path("data/brands.toml")
DEFAULT_GOOGLE_PLAY_URL = "https://play.google.com"
DEFAULT_APP_STORE_URL = "https://itunes.apple.com"
# 2026-12: Aptoide's API answers search and metadata on its ws75 host; the Galaxy Store's detail API.
DEFAULT_APTOIDE_URL = "https://ws75.aptoide.com"
DEFAULT_GALAXY_STORE_URL = "https://galaxystore.samsung.com"
DEFAULT_TESTFLIGHT_URL = "https://testflight.apple.com"  # where the link tracer opens a TestFlight invitation


# Every setting, named like its environment variable; a settings file uses the same names (any case).
# A key not listed here is refused, as brands.toml refuses one: a typo must not be ignored silently.
SETTING_NAMES = (
    "FAKEAPP_DB",
    "FAKEAPP_CONFIG",
    "FAKEAPP_GOOGLE_PLAY_URL",
    "FAKEAPP_APP_STORE_URL",
    "FAKEAPP_GOOGLE_PLAY_RATE",
    "FAKEAPP_APP_STORE_RATE",
    "FAKEAPP_APTOIDE_URL",
    "FAKEAPP_GALAXY_STORE_URL",
    "FAKEAPP_APTOIDE_RATE",
    "FAKEAPP_GALAXY_STORE_RATE",
    "FAKEAPP_APTOIDE_APK_BUDGET",
    "FAKEAPP_TESTFLIGHT_URL",
    "FAKEAPP_HTTP_TIMEOUT",
    "FAKEAPP_HTTP_RETRIES",
    "FAKEAPP_HTTP_BACKOFF",
    "FAKEAPP_DETAILS_MAX_AGE_HOURS",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_URL",
    "FAKEAPP_CHAT_ID",
    "FAKEAPP_FRONTLINE_CHAT_ID",
    "FAKEAPP_ADMINS",
    "FAKEAPP_ANALYSTS",
    "FAKEAPP_VIEWERS",
    "FAKEAPP_ALLOWED_CHATS",
    "FAKEAPP_SCAN_CRON",
    "FAKEAPP_REMINDER_DAYS",
    "FAKEAPP_REMINDER_DAYS_GOOGLE_PLAY",
    "FAKEAPP_REMINDER_DAYS_APP_STORE",
    "FAKEAPP_REMINDER_DAYS_APK",
    "FAKEAPP_OUTBOX_INTERVAL",
    "FAKEAPP_TG_GROUP_RATE",
    "FAKEAPP_TG_RATE",
    "FAKEAPP_ADMIN_NOTICE_INTERVAL",
    "FAKEAPP_FEED_165_URL",
    "FAKEAPP_TIMEZONE",
    "FAKEAPP_ALERT_STORM",
    "FAKEAPP_HEARTBEAT_URL",
)


class SettingsError(ValueError):
    """A setting that cannot be used; one line naming the setting."""


@dataclass(frozen=True)
class StoreSettings:
    """How to reach the stores: their URLs, request rates, time-out, retries and the APK budget."""

    google_play_url: str = DEFAULT_GOOGLE_PLAY_URL
    app_store_url: str = DEFAULT_APP_STORE_URL
    # Requests a second per store: Play throttles at about 1/s, the iTunes API documents ~20/minute.
    google_play_rate: float = 1.0
    app_store_rate: float = 0.33
    # Neither publishes a limit; the notes advise one request every few seconds per host.
    aptoide_url: str = DEFAULT_APTOIDE_URL
    galaxy_store_url: str = DEFAULT_GALAXY_STORE_URL
    testflight_url: str = DEFAULT_TESTFLIGHT_URL
    aptoide_rate: float = 0.33
    galaxy_store_rate: float = 0.33
    # APKs of Aptoide suspects fetched and analysed per scan (0: none; each may be up to 200 MB).
    aptoide_apk_budget: int = 0
    timeout: float = 15.0
    retries: int = 3
    backoff: float = 2.0
    details_max_age_hours: float = 24.0


DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org/bot"


@dataclass(frozen=True)
class TelegramSettings:
    """The bot: token (never printed), where the Bot API is, who may do what, when to scan."""

    token: str = field(default="", repr=False)
    api_url: str = DEFAULT_TELEGRAM_API_URL
    chat_id: str = ""  # the security chat
    frontline_chat_id: str = ""  # branches and customer service (front-line notices)
    admins: frozenset[int] = frozenset()
    analysts: frozenset[int] = frozenset()
    viewers: frozenset[int] = frozenset()
    allowed_chats: frozenset[int] = frozenset()  # besides the security/front-line chats and private chats
    scan_cron: str = ""  # e.g. "0 */6 * * *"; empty: the bot schedules no scans
    reminder_days: int = 7
    # Per-store reminder periods (FAKEAPP_REMINDER_DAYS_GOOGLE_PLAY, _APP_STORE, _APK), over reminder_days.
    reminder_days_store: tuple[tuple[str, int], ...] = ()
    outbox_interval: float = 5.0  # seconds between outbox delivery passes
    group_rate: float = 20.0  # messages a minute to one group (Telegram's limit is about 20)
    overall_rate: float = 30.0  # requests a second overall (Telegram's broadcast limit is about 30)
    admin_notice_interval: float = 600.0  # seconds between notices to admins about one stranger

    @property
    def file_url(self) -> str:
        """Base URL for file downloads: ``…/bot`` becomes ``…/file/bot``."""
        base = self.api_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"

    def reminder_periods(self) -> dict[str, int]:
        """Days before a takedown still listed is reminded: ``default`` and per store."""
        return {"default": self.reminder_days, **dict(self.reminder_days_store)}

    def chats(self) -> dict[str, str]:
        """Role names the outbox can address, and their chat ids."""
        out = {"security": self.chat_id, "frontline": self.frontline_chat_id}
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class Settings:
    """The application's settings: database, brand profile, stores, Telegram, feeds and time zone."""

    db_path: Path = DEFAULT_DB
    config_path: Path = DEFAULT_CONFIG
    stores: StoreSettings = field(default_factory=StoreSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    # The police's 165 list (CSV or JSON); when set, the cron scan and the bot's schedule import it.
    feed_165_url: str = ""

    timezone: str = DEFAULT_TIMEZONE  # the team's zone: every time a person reads is shown in it

    @property
    def tz(self) -> tzinfo:
        """The team's time zone (validated when the settings were loaded)."""
        return zone(self.timezone)

    # More new cases than this in one scan holds their alerts (0: derived from history; bot.outbox.holds).
    alert_storm: int = 0
    heartbeat_url: str = ""  # pinged after each good scan (a dead man's switch such as healthchecks)


def _ids(env: Mapping[str, str], name: str) -> frozenset[int]:
    """Comma-separated Telegram ids (a TOML list in the settings file works too)."""
    raw = (env.get(name) or "").strip().strip("[]")
    out = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip().strip("'\"")
        if not part:
            continue
        try:
            out.add(int(part))
        except ValueError:
            raise SettingsError(
                f"{name}: expected comma-separated numeric Telegram ids, got {part!r}"
            ) from None
    return frozenset(out)


def _chat(env: Mapping[str, str], name: str) -> str:
    raw = (env.get(name) or "").strip()
    if raw and not raw.lstrip("-").isdigit():
        raise SettingsError(f"{name}: expected a numeric chat id (e.g. -1001234567890), got {raw!r}")
    return raw


def _telegram_settings(env: Mapping[str, str]) -> TelegramSettings:
    cron = (env.get("FAKEAPP_SCAN_CRON") or "").strip()
    if cron:
        from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

        try:
            CronTrigger.from_crontab(cron)
        except ValueError as exc:
            raise SettingsError(f"FAKEAPP_SCAN_CRON: not a crontab expression ({exc})") from None
    days = _float(env, "FAKEAPP_REMINDER_DAYS", 7.0)
    url = (env.get("TELEGRAM_API_URL") or DEFAULT_TELEGRAM_API_URL).strip()
    if not url.startswith(("http://", "https://")):
        raise SettingsError("TELEGRAM_API_URL: expected an http(s) URL")
    return TelegramSettings(
        token=(env.get("TELEGRAM_BOT_TOKEN") or "").strip(),
        api_url=url,
        chat_id=_chat(env, "FAKEAPP_CHAT_ID"),
        frontline_chat_id=_chat(env, "FAKEAPP_FRONTLINE_CHAT_ID"),
        admins=_ids(env, "FAKEAPP_ADMINS"),
        analysts=_ids(env, "FAKEAPP_ANALYSTS"),
        viewers=_ids(env, "FAKEAPP_VIEWERS"),
        allowed_chats=_ids(env, "FAKEAPP_ALLOWED_CHATS"),
        scan_cron=cron,
        reminder_days=int(days),
        reminder_days_store=tuple(
            (store, int(_float(env, f"FAKEAPP_REMINDER_DAYS_{store.upper()}", days)))
            for store in ("google_play", "app_store", "aptoide", "galaxy_store", "apk")
            if env.get(f"FAKEAPP_REMINDER_DAYS_{store.upper()}")
        ),
        outbox_interval=_float(env, "FAKEAPP_OUTBOX_INTERVAL", 5.0),
        group_rate=_float(env, "FAKEAPP_TG_GROUP_RATE", 20.0),
        overall_rate=_float(env, "FAKEAPP_TG_RATE", 30.0),
        admin_notice_interval=_float(env, "FAKEAPP_ADMIN_NOTICE_INTERVAL", 600.0),
    )


def _float(env: Mapping[str, str], name: str, default: float, *, allow_zero: bool = False) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}: expected a number, got {raw!r}") from None
    if value < 0 or (value == 0 and not allow_zero) or value != value or value == float("inf"):
        raise SettingsError(f"{name}: must be a positive number")
    return value


def _check_keys(path: Path | None, values: Mapping[str, object]) -> None:
    """Refuse a settings-file key that is not a setting, naming the file, the key and the likely one."""
    import difflib

    known = {name.lower(): name for name in SETTING_NAMES}
    for key, value in values.items():
        if key.lower() in known and not isinstance(value, dict):
            continue
        if isinstance(value, dict):
            raise SettingsError(f"{path}: [{key}]: tables are not settings; write top-level keys")
        close = difflib.get_close_matches(key.lower(), list(known), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SettingsError(f"{path}: unknown key {key!r}{hint}")


def _file_value(value: object) -> str:
    """A settings-file value as the environment would spell it (lists become comma-separated)."""
    if isinstance(value, list):
        return ",".join(str(x) for x in value)
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)


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
    _check_keys(path, file_values)
    merged = {**{k.upper(): _file_value(v) for k, v in file_values.items()}, **env}
    stores = StoreSettings(
        google_play_url=_url(merged, "FAKEAPP_GOOGLE_PLAY_URL") or DEFAULT_GOOGLE_PLAY_URL,
        app_store_url=_url(merged, "FAKEAPP_APP_STORE_URL") or DEFAULT_APP_STORE_URL,
        google_play_rate=_float(merged, "FAKEAPP_GOOGLE_PLAY_RATE", 1.0),
        app_store_rate=_float(merged, "FAKEAPP_APP_STORE_RATE", 0.33),
        aptoide_url=_url(merged, "FAKEAPP_APTOIDE_URL") or DEFAULT_APTOIDE_URL,
        galaxy_store_url=_url(merged, "FAKEAPP_GALAXY_STORE_URL") or DEFAULT_GALAXY_STORE_URL,
        testflight_url=_url(merged, "FAKEAPP_TESTFLIGHT_URL") or DEFAULT_TESTFLIGHT_URL,
        aptoide_rate=_float(merged, "FAKEAPP_APTOIDE_RATE", 0.33),
        galaxy_store_rate=_float(merged, "FAKEAPP_GALAXY_STORE_RATE", 0.33),
        aptoide_apk_budget=int(_float(merged, "FAKEAPP_APTOIDE_APK_BUDGET", 0.0, allow_zero=True)),
        timeout=_float(merged, "FAKEAPP_HTTP_TIMEOUT", 15.0),
        retries=int(_float(merged, "FAKEAPP_HTTP_RETRIES", 3.0, allow_zero=True)),
        backoff=_float(merged, "FAKEAPP_HTTP_BACKOFF", 2.0),
        details_max_age_hours=_float(merged, "FAKEAPP_DETAILS_MAX_AGE_HOURS", 24.0),
    )
    tz_name = (merged.get("FAKEAPP_TIMEZONE") or DEFAULT_TIMEZONE).strip()
    try:
        zone(tz_name)
    except ValueError as exc:
        raise SettingsError(f"FAKEAPP_TIMEZONE: {exc}") from None
    return Settings(
        timezone=tz_name,
        db_path=Path(merged.get("FAKEAPP_DB") or DEFAULT_DB),
        config_path=Path(merged.get("FAKEAPP_CONFIG") or DEFAULT_CONFIG),
        stores=stores,
        telegram=_telegram_settings(merged),
        feed_165_url=_feed_url(merged, "FAKEAPP_FEED_165_URL"),
        alert_storm=int(_float(merged, "FAKEAPP_ALERT_STORM", 0.0, allow_zero=True)),
        heartbeat_url=_url(merged, "FAKEAPP_HEARTBEAT_URL"),
    )


def _feed_url(env: Mapping[str, str], name: str) -> str:
    url = (env.get(name) or "").strip()
    if url and not url.lower().startswith(("http://", "https://")):
        raise SettingsError(f"{name}: expected an http(s) URL, got {url[:80]!r}")
    return url


def _url(env: Mapping[str, str], name: str) -> str:
    raw = (env.get(name) or "").strip()
    if raw and not raw.startswith(("http://", "https://")):
        raise SettingsError(f"{name}: expected an http(s) URL")
    return raw
