"""Confidentiality machinery: the access matrix, the audit log, sessions, backups."""
