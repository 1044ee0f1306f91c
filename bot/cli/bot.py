"""``fakeapp bot``: run the Telegram case desk (long polling, outbox delivery, scheduled scans)."""

from __future__ import annotations

import logging
import sys

import click

from bot.cli.common import App, app_options


@click.command("bot")
@app_options
@click.option("-v", "--verbose", is_flag=True, help="Log more (the token is always redacted).")
@click.option(
    "--demo",
    is_flag=True,
    help="Scan the bundled offline snapshot (/scan, the schedule); demo profile, data/demo.db.",
)
def bot_cmd(app: App, verbose: bool, demo: bool) -> None:
    """Run the Telegram bot until stopped (Ctrl-C or SIGTERM).

    Needs TELEGRAM_BOT_TOKEN and FAKEAPP_CHAT_ID; roles from FAKEAPP_ADMINS/ANALYSTS/VIEWERS; scans on
    FAKEAPP_SCAN_CRON. TELEGRAM_API_URL points it at a local Bot API server or the fake one.

    Example: TELEGRAM_BOT_TOKEN=123:abc FAKEAPP_CHAT_ID=-1001234 FAKEAPP_ADMINS=11111 fakeapp bot
    """
    if not demo:
        _run_bot(app, verbose)
        return
    from bot.demo.run import demo_settings

    with demo_settings(app.settings) as settings:
        click.echo(f"Demo: scans read the bundled snapshot; database {settings.db_path}", err=True)
        _run_bot(App(settings), verbose)


def _run_bot(app: App, verbose: bool) -> None:
    """Start the bot with these settings and poll until stopped."""
    from telegram import Update
    from telegram.error import InvalidToken, TelegramError

    from bot.core.redact import install_redaction
    from bot.telegram.app import build_application

    tg = app.settings.telegram
    if not tg.token:
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set (environment or settings file)")
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    redact = install_redaction(tg.token)
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if verbose else logging.WARNING)
    if not tg.chat_id:
        logging.getLogger("bot").warning("FAKEAPP_CHAT_ID is not set: alerts stay in the outbox until it is")
    if not (tg.admins or tg.analysts or tg.viewers):
        logging.getLogger("bot").warning("no FAKEAPP_ADMINS/ANALYSTS/VIEWERS: the bot will answer nobody")
    _check_token(tg.token, tg.api_url)
    application = build_application(app.settings, db=app.db(create=True))
    logging.getLogger("bot").info(
        "fakeapp bot starting: database %s, %d admin(s), scan schedule %r",
        app.settings.db_path,
        len(tg.admins),
        application.bot_data["desk"].settings.telegram.scan_cron or "none",  # after /settings overrides
    )
    try:
        application.run_polling(
            allowed_updates=Update.ALL_TYPES, timeout=10, bootstrap_retries=-1, drop_pending_updates=False
        )
    except InvalidToken:
        raise click.ClickException("Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN)") from None
    except TelegramError as exc:
        raise click.ClickException(f"Telegram: {redact(str(exc))}") from None


def _check_token(token: str, api_url: str) -> None:
    """Ask getMe once so a wrong token is one line, not python-telegram-bot's retry traceback.

    An unreachable Telegram is not an error here: the bot starts and keeps retrying.
    """
    import asyncio

    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError

    async def check() -> None:
        async with Bot(token, base_url=api_url):
            pass

    try:
        asyncio.run(check())
    except InvalidToken:
        raise click.ClickException("Telegram rejected the bot token (check TELEGRAM_BOT_TOKEN)") from None
    except NetworkError as exc:
        logging.getLogger("bot").warning("Telegram not reachable yet (%s); retrying", type(exc).__name__)
