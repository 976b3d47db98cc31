"""Effect evaluation: did the measure work? Staggered difference-in-differences by imputation
and synthetic control, with honest checks (pre-trends, placebos, regression to the mean,
power) and a credibility verdict in words."""

from perron.effect.checks import Options
from perron.effect.estimators import ESTIMATORS, Estimator, choose, register_estimator, run
from perron.effect.outcomes import (
    OUTCOMES,
    Outcome,
    alert_panel,
    disruption_panel,
    incident_panel,
    monitor_panel,
    register_outcome,
    response_time_panel,
)
from perron.effect.panel import Panel, PanelError, parse_panel_csv, read_panel_csv
from perron.effect.result import Check, Evaluation, EventPoint
from perron.effect.service import (
    EffectError,
    Forbidden,
    NotFound,
    StoredEvaluation,
    catalogue_with_local_evidence,
    evaluate_measure,
    evaluate_panel,
    get_evaluation,
    list_evaluations,
    measure_evidence,
    measure_title,
    panel_digest,
    plan_measure_power,
    plan_power,
    result_dict,
    save_evaluation,
)
from perron.effect.synthetic import make_panel

__all__ = [
    "ESTIMATORS",
    "OUTCOMES",
    "Check",
    "EffectError",
    "Estimator",
    "Evaluation",
    "EventPoint",
    "Forbidden",
    "NotFound",
    "Options",
    "Outcome",
    "Panel",
    "PanelError",
    "StoredEvaluation",
    "catalogue_with_local_evidence",
    "choose",
    "evaluate_measure",
    "evaluate_panel",
    "get_evaluation",
    "alert_panel",
    "disruption_panel",
    "incident_panel",
    "monitor_panel",
    "response_time_panel",
    "list_evaluations",
    "make_panel",
    "measure_evidence",
    "measure_title",
    "panel_digest",
    "parse_panel_csv",
    "plan_measure_power",
    "plan_power",
    "read_panel_csv",
    "register_estimator",
    "register_outcome",
    "result_dict",
    "run",
    "save_evaluation",
]
