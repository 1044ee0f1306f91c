"""The application: the SQLite database, scans, cases and their timeline, the alert outbox,
the Telegram bot and the ``fakeapp`` command line.
"""
