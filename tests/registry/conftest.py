"""Registry tests exercise the registry's own services explicitly.

Intake's domain events would otherwise send interagency requests and prepare notices on
their own (that wiring is tested in tests/intake/test_integration.py), so here they are
muted for the duration of each test.
"""

import pytest

from onewindow.events import application_registered, application_status_changed


@pytest.fixture(autouse=True)
def _intake_events_muted():
    with application_registered.muted(), application_status_changed.muted():
        yield
