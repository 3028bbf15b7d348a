from datetime import date

from flask import Blueprint
from flask_login import current_user

from ..extensions import db
from ..intake import queries as intake_queries
from ..web import allow, render

bp = Blueprint("home", __name__)


@bp.get("/")
@allow()
def index():
    today = date.today()
    mine = intake_queries.accepted_on(db.session, user_id=current_user.id, day=today)
    overdue = intake_queries.open_overdue(db.session, today=today, limit=20)
    return render("home/index.html", today=today, mine=mine, overdue=overdue)
