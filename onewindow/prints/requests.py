from ..printsetup.requests import current_setup, label_format, label_offset, receipt_copies  # noqa: F401  TODO(lead): remove once views import printsetup
