from flask import Blueprint

bp = Blueprint("crew", __name__)

from app.blueprints.crew import routes  # noqa: E402,F401


@bp.app_context_processor
def _crew_link():
    """`crew_link_visible()` for the nav: people who have ever been invited to a shift."""
    from flask_login import current_user

    from app.services.crew.portal import has_crew_assignments

    def visible() -> bool:
        return current_user.is_authenticated and has_crew_assignments(current_user)

    return {"crew_link_visible": visible}
