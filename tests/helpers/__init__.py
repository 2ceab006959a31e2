"""Test helpers: running the real bot against the loopback Bot API."""
