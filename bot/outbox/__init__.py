"""Outbox: the durable queue of chat messages and their delivery."""
