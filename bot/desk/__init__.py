"""The desk: the one place side effects are wired. Case actions with their hooks (alerts, front-line notices,
casework), outbox delivery with every message kind, and the post-scan pipeline the CLI and the bot share."""
