"""Joint figures across parties without sharing records: secure aggregation and disclosure control.

Each party runs Perron on its own database; together they compute sums over their incidents
with secure multi-party computation (MPyC, Shamir secret sharing over TCP between the parties'
own processes). Only the agreed output is opened: small cells suppressed (k ≥ 5), or noisy sums
with differential privacy charged to a per-party budget ledger.
"""

from perron.joint.measures import MEASURES, register
from perron.joint.run import JointRunError
from perron.joint.service import (
    Actor,
    JointDenied,
    JointError,
    JointNotFound,
    JointResult,
    aggregate,
    approve,
    budget,
    get_run,
    list_agreements,
    list_runs,
    make_query,
    parse_parties,
    propose,
    withdraw,
)
from perron.joint.spec import JointQuery, SpecError, spec_hash

__all__ = [
    "MEASURES",
    "Actor",
    "JointDenied",
    "JointError",
    "JointNotFound",
    "JointQuery",
    "JointResult",
    "JointRunError",
    "SpecError",
    "aggregate",
    "approve",
    "budget",
    "get_run",
    "list_agreements",
    "list_runs",
    "make_query",
    "parse_parties",
    "propose",
    "register",
    "spec_hash",
    "withdraw",
]
