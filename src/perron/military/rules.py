"""The constraint rule set: which links a military train may not use and where it may wait.

Each rule is registered in :data:`ROUTE_RULES` and returns the links it closes for a request,
with the reason; the search drops those links before it looks for routes. Rules that rest on
public facts say so; rules that rest on an assumption are labelled ``assumption`` and are
shown with every plan. :data:`WAIT_RULES` decide at which stations the train may stand to let
civil trains pass (it needs a siding at least as long as itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from perron.military.model import Network, Request
from perron.plugins import load_modules


@dataclass(frozen=True)
class Closure:
    a: str
    b: str
    rule: str
    reason: str


@dataclass(frozen=True)
class RuleContext:
    """What rules may consult besides the request: the network and the mobility reference."""

    network: Network
    sidings_740m: frozenset[str] = frozenset()
    military_sites: frozenset[str] = frozenset()  # ports and defence sidings (station codes)
    dangerous_goods_areas: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleInfo:
    name: str
    basis: str  # "request", "public fact", "assumption"
    text: str


RouteRule = Callable[[Request, RuleContext], list[Closure]]
WaitRule = Callable[[str, Request, RuleContext], bool]
ROUTE_RULES: dict[str, tuple[RuleInfo, RouteRule]] = {}
WAIT_RULES: dict[str, tuple[RuleInfo, WaitRule]] = {}


def route_rule(name: str, basis: str, text: str) -> Callable[[RouteRule], RouteRule]:
    def register(fn: RouteRule) -> RouteRule:
        ROUTE_RULES[name] = (RuleInfo(name, basis, text), fn)
        return fn

    return register


def wait_rule(name: str, basis: str, text: str) -> Callable[[WaitRule], WaitRule]:
    def register(fn: WaitRule) -> WaitRule:
        WAIT_RULES[name] = (RuleInfo(name, basis, text), fn)
        return fn

    return register


#: areas closed to dangerous goods (RID) trains; the links of each area
DANGEROUS_GOODS_AREAS: dict[str, tuple[tuple[str, str], ...]] = {
    # the Schiphol tunnel line carries no dangerous goods (Basisnet Spoor, as publicly stated)
    "Schiphollijn (tunnel)": (("ASDZ", "SHL"), ("ASDL", "SHL"), ("SHL", "HFD")),
}

#: stations on lines without overhead wire, by line (assumption from public line descriptions;
#: no open machine-readable electrification data exists): an electric train may not use a link
#: that touches one of them
NON_ELECTRIFIED: dict[str, frozenset[str]] = {
    "MerwedeLingelijn (Dordrecht - Geldermalsen)": frozenset(
        {"DDRS", "SDTB", "SDT", "HBZM", "GND", "BHDV", "GR", "AKL", "LDM", "BSD"}
    ),
    "Maaslijn (Nijmegen - Venlo)": frozenset({"CK", "BMR", "VLB", "VRY", "HRT"}),
    "Arnhem/Zutphen - Winterswijk": frozenset(
        {"DID", "DTCH", "DTC", "GDR", "TBG", "VSV", "ATN", "WW", "WWW", "VD", "RL", "LTV"}
    ),
    "Zwolle - Emmen": frozenset({"DL", "OMN", "HDB", "CO", "DLN", "EMN", "EMNZ", "NA"}),
    "Almelo - Mariënberg": frozenset({"VZ", "VHP", "DA", "MRB"}),
    "Groningen - Nieuweschans / Delfzijl / Roodeschool / Leeuwarden": frozenset(
        {"ZB", "SDA", "WS", "NSCH", "DZ", "DZW", "APG", "SWD", "RD", "EEM", "ZH", "GK", "BP", "FWD"}
    ),
    "Leeuwarden - Harlingen / Stavoren": frozenset({"HLG", "HLGH", "STV", "SK", "SKND"}),
}

#: trains up to this length are assumed to fit the passing loops of junction stations
JUNCTION_LOOP_M = 450
JUNCTION_KINDS = frozenset({"junction"})


@route_rule("avoid", "request", "links the requester asked to avoid (closed, possession, ...)")
def _avoid(req: Request, ctx: RuleContext) -> list[Closure]:
    return [Closure(a, b, "avoid", "asked to avoid") for a, b in req.avoid]


@route_rule(
    "dangerous_goods",
    "public fact",
    "a train with dangerous goods (RID) does not run through the areas closed to them: "
    "the Schiphol tunnel line (Basisnet Spoor as publicly stated; the list is configurable)",
)
def _dangerous(req: Request, ctx: RuleContext) -> list[Closure]:
    if not req.dangerous_goods:
        return []
    out = []
    for area, links in ctx.dangerous_goods_areas.items():
        for a, b in links:
            if ctx.network.link(a, b) is not None:
                out.append(Closure(a, b, "dangerous_goods", f"no dangerous goods: {area}"))
    return out


@route_rule(
    "electric_traction",
    "assumption",
    "an electric train (traction 'electric', the default) does not use the lines without "
    "overhead wire: " + "; ".join(NON_ELECTRIFIED) + " (list from public line descriptions)",
)
def _electric(req: Request, ctx: RuleContext) -> list[Closure]:
    if req.traction != "electric":
        return []
    out = []
    for line, codes in NON_ELECTRIFIED.items():
        for lk in ctx.network.links:
            if lk.a in codes or lk.b in codes:
                out.append(Closure(lk.a, lk.b, "electric_traction", f"no overhead wire: {line}"))
    return out


@wait_rule(
    "siding_740m",
    "public fact",
    "a train may wait at the 740 m sidings of the mobility reference (planned or built) "
    "and at ports and defence sidings",
)
def _siding(code: str, req: Request, ctx: RuleContext) -> bool:
    return code in ctx.sidings_740m or code in ctx.military_sites


@wait_rule(
    "junction_loop",
    "assumption",
    f"a train up to {JUNCTION_LOOP_M} m may wait in a passing loop of a junction station "
    "(a station where three or more links meet); no open data on loop lengths",
)
def _junction(code: str, req: Request, ctx: RuleContext) -> bool:
    if req.length_m > JUNCTION_LOOP_M:
        return False
    st = ctx.network.stations.get(code)
    return st is not None and st.kind in JUNCTION_KINDS


def discover() -> None:
    """Load the rules of the ``perron.military.rules`` entry points (Perron's own too)."""
    load_modules("perron.military.rules")


def closures(req: Request, ctx: RuleContext) -> list[Closure]:
    discover()
    out: list[Closure] = []
    for _info, fn in ROUTE_RULES.values():
        out.extend(fn(req, ctx))
    return out


def may_wait(code: str, req: Request, ctx: RuleContext) -> bool:
    discover()
    return any(fn(code, req, ctx) for _info, fn in WAIT_RULES.values())


def rule_table() -> list[dict[str, str]]:
    """Every rule with its basis, for docs, API and page."""
    discover()
    rows = [
        {"kind": "route", "name": i.name, "basis": i.basis, "text": i.text}
        for i, _ in ROUTE_RULES.values()
    ]
    rows += [
        {"kind": "wait", "name": i.name, "basis": i.basis, "text": i.text}
        for i, _ in WAIT_RULES.values()
    ]
    return rows
