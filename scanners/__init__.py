"""Finding and judging apps that impersonate a broker: store adapters, judging, and the APK check.

Pure logic over plain data; every network or file access is passed in. Never imports ``bot``.
"""
