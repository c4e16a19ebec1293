"""The store: the only stage that reads and writes SQLite (through sqlite-utils)."""
