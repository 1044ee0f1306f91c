"""The APK check: signature verification, manifest facts, risk indicators and the verdict."""
