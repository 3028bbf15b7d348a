"""Every area's models, imported so that Alembic and the app see all tables."""

from . import numbering  # noqa: F401
from .applicants import models as applicants_models  # noqa: F401
from .auth import models as auth_models  # noqa: F401
from .calendar import models as calendar_models  # noqa: F401
from .catalog import models as catalog_models  # noqa: F401
from .intake import models as intake_models  # noqa: F401
