"""Offline demo: a loopback server that speaks the stores' formats, and the bundled snapshot it serves."""
