"""The Telegram bot: handlers, access control, alert delivery and scheduling."""
