from flask import Blueprint

from ..extensions import db
from ..web import allow, render
from . import queries

bp = Blueprint("catalog", __name__, url_prefix="/services")


@bp.get("/")
@allow()
def index():
    return render("catalog/index.html", services=queries.active_services(db.session), query="")
