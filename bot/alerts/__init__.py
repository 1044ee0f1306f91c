"""Alerts: what the security chat and the front-line chat see."""
