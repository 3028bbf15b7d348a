"""Each user's print setup: label format, printer offsets, receipt copies."""
