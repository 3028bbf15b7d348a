from flask import Blueprint

from ..auth.roles import ADMIN
from ..web import allow, render

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@allow(ADMIN)
def index():
    return render("admin/index.html")
