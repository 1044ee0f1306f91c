"""Storage: the SQLite database, its migrations, file locks and the stored settings overrides."""
