"""Print journal and per-user print setup: every generated PDF is kept for identical re-prints."""
