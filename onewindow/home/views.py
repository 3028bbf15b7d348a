"""The home page: a dashboard per role (specialist, chief specialist, director)."""


from flask import Blueprint, current_app
from flask_login import current_user

from ..core import clock
from ..extensions import db
from ..feedback.queries import open_complaints_count
from ..intake import queries as intake_queries
from ..queue.queries import live_stats
from ..reporting import charts
from ..reporting.periods import Period, period_of
from ..reports import queries as report_queries
from ..web import allow, has_role, render

bp = Blueprint("home", __name__)


def _standard() -> int:
    return int(current_app.config.get("QUEUE_WAIT_STANDARD_MINUTES", 15))


@bp.get("/")
@allow()
def index():
    today = clock.today()
    context: dict = {"today": today}
    if has_role("specialist", "chief"):
        context["mine"] = intake_queries.accepted_on(db.session, user_id=current_user.id,
                                                     day=today)
        context["my_deadlines"] = report_queries.my_deadlines(
            db.session, user_id=current_user.id, today=today)
    if has_role("specialist", "chief", "director"):
        context["overdue"] = intake_queries.open_overdue(db.session, today=today, limit=20)
    if has_role("chief"):
        context["today_totals"] = report_queries.totals(
            db.session, period=period_of("day", today), today=today,
            standard_minutes=_standard())
        try:
            context["stats"] = live_stats(db.session, now=clock.now())
        except ImportError:  # the queue area is not installed
            context["stats"] = None
        context["open_complaints"] = open_complaints_count(db.session)
    if has_role("director"):
        month = Period("range", today.replace(day=1), today)
        context["month_totals"] = report_queries.totals(
            db.session, period=month, today=today, standard_minutes=_standard())
        trend = report_queries.month_trend(db.session, today=today)
        context["trend_chart"] = charts.line_chart(
            "Принято заявлений по месяцам", [label for label, _ in trend],
            [("Принято", [n for _, n in trend])], height=240)
    return render("home/index.html", **context)
