"""Recording: scan runs and APK analyses, and what they store."""
