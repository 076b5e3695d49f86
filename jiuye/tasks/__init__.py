"""Background work: imports, exports, nightly evaluations and the morning reminders (docs/background.md)."""
