"""Every area's models, imported so that Alembic and the app see all tables."""

from . import numbering  # noqa: F401
from .applicants import models as applicants_models  # noqa: F401
from .archive import models as archive_models  # noqa: F401
from .auth import models as auth_models  # noqa: F401
from .calendar import models as calendar_models  # noqa: F401
from .catalog import models as catalog_models  # noqa: F401
from .disposal import models as disposal_models  # noqa: F401
from .feedback import models as feedback_models  # noqa: F401
from .intake import models as intake_models  # noqa: F401
from .inventory import models as inventory_models  # noqa: F401
from .prints import models as prints_models  # noqa: F401
from .printsetup import models as printsetup_models  # noqa: F401
from .queue import models as queue_models  # noqa: F401
from .registry import models as registry_models  # noqa: F401
from .security import models as security_models  # noqa: F401
from .selections import models as selections_models  # noqa: F401
