"""Shared reporting helpers: periods, report tables and SVG charts (any area's report)."""
