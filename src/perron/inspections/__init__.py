"""Station walk-throughs (stationsschouwen) with target groups, their findings and actions, and
the register of safety recommendations (OvV, ILT, audits) with their follow-up.

Findings, actions and recommendations are traceable (a history row and an audit entry for every
change) and cannot be closed without evidence.
"""

from perron.inspections.errors import InspectionError, NotAllowed, NotFound
from perron.inspections.model import EvidenceInput, FindingInput, WalkInput
from perron.inspections.recommendations import (
    ImportRejected,
    add_evidence,
    assess,
    get_recommendation,
    import_csv,
    list_recommendations,
    monitoring_view,
    record_response,
    response_due,
    set_status,
)
from perron.inspections.service import (
    add_action_evidence,
    add_finding,
    compare_with_monitor,
    create_action,
    get_action,
    get_photo,
    get_walk,
    list_actions,
    list_templates,
    list_walks,
    overdue_summary,
    progress,
    record_walk,
    score_summary,
    set_action_status,
    station_needs,
    upload_photo,
    zone_owner,
)

__all__ = [
    "EvidenceInput",
    "FindingInput",
    "ImportRejected",
    "InspectionError",
    "NotAllowed",
    "NotFound",
    "WalkInput",
    "add_action_evidence",
    "add_evidence",
    "add_finding",
    "assess",
    "compare_with_monitor",
    "create_action",
    "get_action",
    "get_photo",
    "get_recommendation",
    "get_walk",
    "import_csv",
    "list_actions",
    "list_recommendations",
    "list_templates",
    "list_walks",
    "monitoring_view",
    "overdue_summary",
    "progress",
    "record_response",
    "record_walk",
    "response_due",
    "score_summary",
    "set_action_status",
    "set_status",
    "station_needs",
    "upload_photo",
    "zone_owner",
]
