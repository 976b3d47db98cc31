"""Short-notice military train paths: a route and a departure slot over the residual capacity
of the civil service pattern, the civil trains it touches, and ranked alternatives.

Plans rest on an assumed civil timetable (the minute offsets within the hour are not public)
and on the military mobility reference, **compiled by hand from public statements**.
"""

from perron.military.access import MilitaryAccessDenied, policy_table
from perron.military.model import PlanningError, Request, Settings
from perron.military.pdf import briefing_pdf
from perron.military.planner import parse_request, plan_request, shipped_inputs
from perron.military.rules import rule_table
from perron.military.service import (
    NotFound,
    compute,
    decide,
    get_request,
    list_requests,
    plan_transport,
)

__all__ = [
    "MilitaryAccessDenied",
    "NotFound",
    "PlanningError",
    "Request",
    "Settings",
    "briefing_pdf",
    "compute",
    "decide",
    "get_request",
    "list_requests",
    "parse_request",
    "plan_request",
    "plan_transport",
    "policy_table",
    "rule_table",
    "shipped_inputs",
]
