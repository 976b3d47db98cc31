"""The half-yearly progress report for parliament and the per-station fact sheets, as HTML and
PDF with charts (matplotlib for the charts, ReportLab for the PDF; both pure wheels).

The PDF uses the DejaVu Sans font that ships with matplotlib, so Dutch text (ë, é) and the euro
sign render the same everywhere. Synthetic data is labelled on every page that shows it.
"""

from __future__ import annotations

import base64
import html
import io
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from perron.programme import deals as d
from perron.programme.catalogue import load_catalogue
from perron.programme.errors import NotFound, ProgrammeError

TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Voortgangsrapportage programma ‘Een veilig station; altijd voor iedereen!’",
        "period": "Periode",
        "generated": "Gemaakt op",
        "synthetic": "Let op: deze rapportage bevat synthetische gegevens (demo): stationsdeals, "
        "bedragen en de belevingsmonitor zijn niet echt.",
        "budget": "Budgetten",
        "line": "Budgetlijn",
        "amount": "Bedrag",
        "committed": "Verplicht",
        "spent": "Uitgegeven",
        "remaining": "Resterend",
        "deals": "Stationsdeals",
        "deal": "Deal",
        "status": "Status",
        "stations": "Stations",
        "cost": "Kosten",
        "measures": "Maatregelen naar status",
        "under6": "Stations onder de 6,0 ’s avonds zonder stationsdeal",
        "under6_none": "Geen: elk station onder de 6,0 heeft een deal.",
        "need": "Stations met de hoogste nood (nood-index)",
        "rank": "Rang",
        "score": "Score",
        "why": "Waarom dit station",
        "has_deal": "deal",
        "optimiser": "Optimalisatie van het resterende programmabudget",
        "opt_text": "Met € {budget} voorkomt de beste portefeuille naar verwachting {obj} "
        "schadepunten per jaar (status {status}, gat {gap}); de gulzige aanpak haalt {greedy}; "
        "met de ondergrens van elk effect {robust}.",
        "burn": "Resterend budget per maand",
        "statuses.planned": "gepland",
        "statuses.in_progress": "in uitvoering",
        "statuses.completed": "afgerond",
        "statuses.cancelled": "geannuleerd",
        "factsheet": "Factsheet station",
        "evening": "Veiligheidsgevoel na 19:00 per jaar",
        "components": "Onderdelen van de nood-index",
        "component": "Onderdeel",
        "value": "Waarde",
        "weight": "Gewicht",
        "source": "Bron",
        "harm": "Schade naar categorie (laatste jaar)",
        "no_deal": "Nog geen stationsdeal.",
        "zone": "Zone",
        "measure": "Maatregel",
        "start": "Start",
    },
    "en": {
        "title": "Progress report of the programme ‘A safe station; always for everyone!’",
        "period": "Period",
        "generated": "Generated on",
        "synthetic": "Note: this report contains synthetic data (demo): station deals, amounts "
        "and the perception monitor are not real.",
        "budget": "Budgets",
        "line": "Budget line",
        "amount": "Amount",
        "committed": "Committed",
        "spent": "Spent",
        "remaining": "Remaining",
        "deals": "Station deals",
        "deal": "Deal",
        "status": "Status",
        "stations": "Stations",
        "cost": "Cost",
        "measures": "Measures by status",
        "under6": "Stations below 6.0 in the evening without a station deal",
        "under6_none": "None: every station below 6.0 has a deal.",
        "need": "Stations in greatest need (need index)",
        "rank": "Rank",
        "score": "Score",
        "why": "Why this station",
        "has_deal": "deal",
        "optimiser": "Optimising the remaining programme budget",
        "opt_text": "With € {budget} the best portfolio is expected to avoid {obj} harm points "
        "a year (status {status}, gap {gap}); the greedy approach reaches {greedy}; with the "
        "low end of every effect {robust}.",
        "burn": "Remaining budget per month",
        "statuses.planned": "planned",
        "statuses.in_progress": "in progress",
        "statuses.completed": "completed",
        "statuses.cancelled": "cancelled",
        "factsheet": "Station fact sheet",
        "evening": "Feeling safe after 19:00 per year",
        "components": "Components of the need index",
        "component": "Component",
        "value": "Value",
        "weight": "Weight",
        "source": "Source",
        "harm": "Harm by category (latest year)",
        "no_deal": "No station deal yet.",
        "zone": "Zone",
        "measure": "Measure",
        "start": "Start",
    },
}


def _eur(v: float, lang: str) -> str:
    text = f"{v:,.0f}"
    return text.replace(",", ".") if lang == "nl" else text


def _num(v: float | None, lang: str, digits: int = 1) -> str:
    if v is None:
        return "–"
    text = f"{v:,.{digits}f}"
    if lang == "nl":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


# ---------------------------------------------------------------- charts


def _font() -> str:
    from matplotlib import font_manager

    return str(font_manager.findfont("DejaVu Sans"))


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = "DejaVu Sans"
    plt.rcParams["font.size"] = 9
    return plt


def _chart_budget(lines: list[dict[str, Any]], t: dict[str, str]) -> bytes:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 2.6))
    names = [line["code"] for line in lines]
    spent = [line["spent_eur"] / 1e6 for line in lines]
    committed = [max(line["committed_eur"] - line["spent_eur"], 0) / 1e6 for line in lines]
    left = [max(line["remaining_eur"], 0) / 1e6 for line in lines]
    ax.barh(names, spent, color="#1b5e20", label=t["spent"])
    ax.barh(names, committed, left=spent, color="#81c784", label=t["committed"])
    ax.barh(
        names,
        left,
        left=[a + b for a, b in zip(spent, committed, strict=True)],
        color="#e0e0e0",
        label=t["remaining"],
    )
    ax.set_xlabel("€ mln")
    ax.invert_yaxis()
    ax.legend(loc="lower right", fontsize=7)
    return _png(fig)


def _chart_burn(points: list[tuple[str, float]], t: dict[str, str]) -> bytes:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 2.4))
    ax.step([p[0] for p in points], [p[1] / 1e6 for p in points], where="post", color="#b3261e")
    ax.set_ylabel("€ mln")
    ax.set_title(t["burn"], fontsize=9)
    ax.tick_params(axis="x", labelrotation=60, labelsize=7)
    ax.set_ylim(bottom=0)
    return _png(fig)


def _chart_status(counts: dict[str, int], t: dict[str, str]) -> bytes:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 1.8))
    keys = list(d.MEASURE_STATUSES)
    ax.bar([t[f"statuses.{k}"] for k in keys], [counts.get(k, 0) for k in keys], color="#1565c0")
    ax.set_title(t["measures"], fontsize=9)
    return _png(fig)


def _chart_years(years: dict[str, Any], t: dict[str, str]) -> bytes:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 2.2))
    xs = sorted(years)
    ys = [years[y]["safe_evening"]["mean"] for y in xs]
    ax.plot(xs, ys, marker="o", color="#b3261e")
    ax.axhline(6.0, color="#888", linestyle="--", linewidth=1)
    ax.set_ylim(1, 10)
    ax.set_title(t["evening"], fontsize=9)
    return _png(fig)


def _chart_harm(harm: dict[str, float], t: dict[str, str]) -> bytes:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 2.4))
    items = sorted(harm.items(), key=lambda kv: -kv[1])[:10]
    ax.barh([k for k, _ in items], [v for _, v in items], color="#6a1b9a")
    ax.invert_yaxis()
    ax.set_title(t["harm"], fontsize=9)
    return _png(fig)


# ---------------------------------------------------------------- the reports


def _half_year(today: date) -> str:
    return f"{today.year}-H{1 if today.month <= 6 else 2}"


def _burn_points(session: Session, line_code: str) -> list[tuple[str, float]]:
    """Remaining money of a budget line at the end of each month since its first deal."""
    summary_deals = d.list_deals(session, None)  # type: ignore[arg-type]
    line = next(
        (x for x in d.budget_summary(session, None)["lines"] if x["code"] == line_code),  # type: ignore[arg-type]
        None,
    )
    if line is None:
        return []
    events: list[tuple[date, int]] = []
    for deal in summary_deals:
        if deal["budget_line"] != line_code or deal["status"] not in d.COMMITTED_DEALS:
            continue
        when = deal["signed_on"] or deal["created_at"].date()
        events.append((when, deal["cost_eur"]))
    if not events:
        return [(date.today().strftime("%Y-%m"), float(line["amount_eur"]))]
    events.sort()
    e0 = events[0][0]
    first = date(e0.year - (e0.month == 1), (e0.month - 2) % 12 + 1, 1)  # the month before
    today = date.today()
    points = []
    month = first
    while month <= today:
        nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        used = sum(c for w, c in events if w < nxt)
        points.append((month.strftime("%Y-%m"), float(line["amount_eur"] - used)))
        month = nxt
    return points


def progress_report(
    session: Session, actor: Any, lang: str = "nl", budget: float | None = None
) -> dict[str, Any]:
    """The content of the progress report: budgets, deals, measures, the under-6.0 stations
    without a deal, the stations in greatest need and the optimiser on the remaining budget."""
    if lang not in TEXT:
        raise ProgrammeError("lang: nl or en")
    t = TEXT[lang]
    summary = d.budget_summary(session, actor)
    deals = d.list_deals(session, actor)
    counts: dict[str, int] = {}
    for deal in deals:
        for k, v in deal["measures_by_status"].items():
            counts[k] = counts.get(k, 0) + v
    with_deal = {s for deal in deals if deal["status"] != "cancelled" for s in deal["stations"]}
    under6: list[dict[str, Any]] = []
    monitor_synthetic = None
    try:
        from perron.monitor import service, store

        years = store.available_years(session)
        if years:
            below = service.below_threshold(session, actor, "analysis", years[-1])
            monitor_synthetic = below.get("synthetic")
            under6 = [
                {"code": s["code"], "name": s["name"], "mean": s["mean"], "status": s["status"]}
                for s in below["stations"]
                if s["code"] not in with_deal
            ]
    except ImportError:  # pragma: no cover
        pass
    from perron.programme.need import need_index

    need = need_index(session, actor, resamples=0)
    top = [
        {
            "rank": i["rank"],
            "station": i["station"],
            "name": i["name"],
            "score": i["score"],
            "why": i["why_nl" if lang == "nl" else "why_en"],
            "deal": i["station"] in with_deal,
        }
        for i in need["items"][:15]
    ]
    prog = next((x for x in summary["lines"] if x["code"] == "programme"), None)
    opt_budget = budget if budget is not None else (prog["remaining_eur"] if prog else 0.0)
    from perron.programme.portfolio import optimise_programme

    opt = optimise_programme(session, actor, float(max(opt_budget, 0)))
    synthetic = any(x["synthetic"] for x in deals) or bool(monitor_synthetic) or need["synthetic"]
    charts = {
        "budget": _chart_budget(summary["lines"], t) if summary["lines"] else None,
        "burn": _chart_burn(_burn_points(session, "programme"), t) if prog else None,
        "status": _chart_status(counts, t),
    }
    today = datetime.now(UTC).date()
    return {
        "kind": "progress",
        "lang": lang,
        "title": t["title"],
        "period": _half_year(today),
        "generated": today.isoformat(),
        "synthetic": synthetic,
        "budget": summary,
        "deals": deals,
        "measures_by_status": counts,
        "under6_without_deal": under6,
        "need_top": top,
        "optimiser": {
            "budget": opt_budget,
            "objective": opt["objective"],
            "status": opt["status"],
            "gap": opt["gap"],
            "greedy": opt["greedy"]["objective"],
            "robust": opt.get("robust", {}).get("objective"),
            "stations": len(opt["choices"]),
        },
        "charts": charts,
        "effects": _effects(session, actor, lang),
        "joint": _joint(session, actor),
    }


def _joint(session: Session, actor: Any) -> list[dict[str, Any]]:
    """Figures computed jointly with other parties (perron.joint), newest first: per run the
    national total per category group over the cells shown, with ε and δ for noisy ones."""
    try:
        from perron.joint import Actor as JointActor
        from perron.joint import JointDenied, get_run, list_runs
    except ImportError:  # pragma: no cover - the joint capability is optional
        return []
    who = JointActor(actor.username, actor.party_code, actor.role)
    try:
        runs = list_runs(session, who)[:3]
    except JointDenied:
        return []
    out = []
    for r in runs:
        run = get_run(session, who, r["id"])
        totals: dict[str, int] = {}
        for c in run["cells"]:
            if not c["suppressed"] and c.get("count") is not None:
                totals[c["group"]] = totals.get(c["group"], 0) + int(c["count"])
        out.append(
            {
                "run": r["id"],
                "parties": r["parties"],
                "since": r["query"]["since"],
                "until": r["query"]["until"],
                "privacy": r["privacy"],
                "synthetic": r["synthetic"],
                "suppressed": r["cells_suppressed"],
                "totals": totals,
            }
        )
    return out


def _effects(session: Session, actor: Any, lang: str) -> list[dict[str, Any]]:
    """The stored effect evaluations of deal measures (perron.effect), newest first."""
    try:
        from perron.effect import list_evaluations
    except ImportError:  # pragma: no cover - the effect capability is optional
        return []
    try:
        rows = list_evaluations(session, actor)
    except PermissionError:
        return []
    out = []
    for e in rows:
        if e.source != "measure":
            continue
        r = e.result
        out.append(
            {
                "title": e.title,
                "relative": r.get("relative"),
                "low": r.get("relative_ci_low"),
                "high": r.get("relative_ci_high"),
                "credible": e.credible,
                "synthetic": e.synthetic,
                "reasons": r.get("reasons_nl" if lang == "nl" else "reasons_en", []),
            }
        )
    return out


def station_factsheet(
    session: Session, actor: Any, station: str, lang: str = "nl"
) -> dict[str, Any]:
    """The content of one station's fact sheet: need index entry, survey trend, deals, harm."""
    from perron.store.tables.reference import Station

    if lang not in TEXT:
        raise ProgrammeError("lang: nl or en")
    code = station.strip().upper()
    row = session.get(Station, code)
    if row is None:
        raise NotFound(f"no station with code {station!r}")
    t = TEXT[lang]
    from perron.programme.need import need_index

    need = need_index(session, actor, resamples=100)
    item = next(i for i in need["items"] if i["station"] == code)
    years: dict[str, Any] = {}
    monitor_synthetic = None
    try:
        from perron.monitor import service

        rep = service.station_scores(session, actor, "analysis", code)
        years = {y: v for y, v in rep["years"].items() if v["safe_evening"]["mean"] is not None}
        monitor_synthetic = rep.get("synthetic")
    except ImportError:  # pragma: no cover
        pass
    deals = [d.get_deal(session, actor, x["code"]) for x in d.list_deals(session, actor, code)]
    cat = load_catalogue()
    measures = [
        {**m, "name": (cat.get(m["measure_code"]).name_nl if lang == "nl" else cat.get(m["measure_code"]).name_en) if cat.get(m["measure_code"]) else m["measure_code"]}  # type: ignore[union-attr]
        for deal in deals
        for m in deal["measures"]
        if m["station"] == code
    ]  # fmt: skip
    charts = {
        "years": _chart_years(years, t) if years else None,
        "harm": _chart_harm(item["harm_by_category"], t) if item["harm_by_category"] else None,
    }
    return {
        "kind": "factsheet",
        "lang": lang,
        "title": f"{t['factsheet']} {row.name_long} ({code})",
        "generated": datetime.now(UTC).date().isoformat(),
        "synthetic": bool(monitor_synthetic) or any(x["synthetic"] for x in deals),
        "station": {
            "code": code,
            "name": row.name_long,
            "size_class": row.size_class,
            "travellers_per_day": row.travellers_per_day,
        },
        "need": item,
        "rank_of": need["count"],
        "years": years,
        "deals": deals,
        "measures": measures,
        "charts": charts,
    }


# ---------------------------------------------------------------- HTML


def _img(png: bytes | None) -> str:
    if not png:
        return ""
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _table(head: list[str], rows: list[list[str]]) -> str:
    h = "".join(f"<th>{html.escape(x)}</th>" for x in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>"


def _sections(
    rep: dict[str, Any],
) -> list[tuple[str, str, list[str], list[list[str]], bytes | None]]:
    """The report as (heading, paragraph, table head, table rows, chart) sections."""
    lang = rep["lang"]
    t = TEXT[lang]
    out: list[tuple[str, str, list[str], list[list[str]], bytes | None]] = []
    if rep["kind"] == "progress":
        lines = rep["budget"]["lines"]
        out.append((
            t["budget"], "", [t["line"], t["amount"], t["committed"], t["spent"], t["remaining"]],
            [[x["name"], "€ " + _eur(x["amount_eur"], lang), "€ " + _eur(x["committed_eur"], lang),
              "€ " + _eur(x["spent_eur"], lang), "€ " + _eur(x["remaining_eur"], lang)] for x in lines],
            rep["charts"]["budget"],
        ))  # fmt: skip
        if rep["charts"].get("burn"):
            out.append(("", "", [], [], rep["charts"]["burn"]))
        out.append((
            t["deals"], "", [t["deal"], t["status"], t["stations"], t["cost"], t["spent"]],
            [[f"{x['code']} — {x['title']}", t.get(f"statuses.{x['status']}", x["status"]),
              ", ".join(x["stations"]), "€ " + _eur(x["cost_eur"], lang),
              "€ " + _eur(x["spent_eur"], lang)] for x in rep["deals"]],
            rep["charts"]["status"],
        ))  # fmt: skip
        u6 = rep["under6_without_deal"]
        out.append((
            t["under6"], "" if u6 else t["under6_none"], [t["stations"], t["score"]] if u6 else [],
            [[f"{x['name']} ({x['code']})", _num(x["mean"], lang, 2)] for x in u6], None,
        ))  # fmt: skip
        out.append((
            t["need"], "", [t["rank"], t["stations"], t["score"], t["why"]],
            [[str(x["rank"]), x["station"] + (f" ({t['has_deal']})" if x["deal"] else ""),
              _num(x["score"], lang), x["why"]] for x in rep["need_top"]],
            None,
        ))  # fmt: skip
        o = rep["optimiser"]
        out.append((
            t["optimiser"],
            t["opt_text"].format(
                budget=_eur(o["budget"], lang), obj=_num(o["objective"], lang),
                status=o["status"], gap=_num((o["gap"] or 0) * 100, lang, 4) + " %",
                greedy=_num(o["greedy"], lang), robust=_num(o["robust"], lang),
            ),
            [], [], None,
        ))  # fmt: skip
        eff = rep.get("effects") or []
        if eff:
            nl = lang == "nl"

            def pc(v: float | None) -> str:
                return "–" if v is None else f"{v * 100:+.0f} %"

            out.append((
                "Effect van maatregelen" if nl else "Effect of measures",
                ("Effectmetingen van Perron (perron effect); 'niet geloofwaardig' betekent dat de "
                 "vergelijking een controle niet doorstaat.") if nl else
                ("Perron's effect evaluations (perron effect); 'not credible' means the comparison "
                 "fails a check."),
                ["Maatregel" if nl else "Measure", "Effect", "95 %",
                 "Oordeel" if nl else "Verdict"],
                [[x["title"] + (" (synthetisch)" if nl and x["synthetic"] else
                                " (synthetic)" if x["synthetic"] else ""),
                  pc(x["relative"]), f"{pc(x['low'])} – {pc(x['high'])}",
                  ("geloofwaardig" if nl else "credible") if x["credible"] else
                  ("niet geloofwaardig: " if nl else "not credible: ") + " ".join(x["reasons"])]
                 for x in eff],
                None,
            ))  # fmt: skip
        joint = rep.get("joint") or []
        if joint:
            nl = lang == "nl"
            from perron.domain.taxonomy import label as group_label

            rows = []
            for j in joint:
                pv = j["privacy"]
                how = (
                    f"ε = {pv['epsilon']}, δ = 0"
                    if pv.get("mode") == "noisy"
                    else (
                        f"cellen < {pv['min_cell']} onderdrukt ({j['suppressed']})"
                        if nl
                        else f"cells < {pv['min_cell']} suppressed ({j['suppressed']})"
                    )
                )
                for g, n in sorted(j["totals"].items()):
                    rows.append(
                        [
                            f"{j['since']} – {j['until']}",
                            ", ".join(j["parties"]),
                            group_label(g, lang),
                            _num(n, lang, 0),
                            how,
                        ]
                    )
            synthetic = any(j["synthetic"] for j in joint)
            out.append((
                "Gezamenlijke cijfers" if nl else "Joint figures",
                (("Berekend met de andere partijen zonder registraties te delen (perron joint): "
                  "alleen de afgesproken cellen zijn geopend; totalen over de getoonde cellen. "
                  "Cijfers met ε zijn gepubliceerd met differentiële privacy.") if nl else
                 ("Computed with the other parties without sharing records (perron joint): only "
                  "the agreed cells were opened; totals over the cells shown. Figures with ε are "
                  "published with differential privacy."))
                + ((" Synthetische gegevens." if nl else " Synthetic data.") if synthetic else ""),
                ["Periode" if nl else "Period", "Partijen" if nl else "Parties",
                 "Groep" if nl else "Group", "Aantal" if nl else "Count",
                 "Bescherming" if nl else "Protection"],
                rows,
                None,
            ))  # fmt: skip
    else:
        n = rep["need"]
        out.append((
            f"{t['rank']} {n['rank']} / {rep['rank_of']} — {t['score']} {_num(n['score'], lang)}",
            n["why_nl" if lang == "nl" else "why_en"],
            [t["component"], t["value"], t["weight"], t["source"]],
            [[c["label_nl" if lang == "nl" else "label_en"], _num(c["value"], lang, 2),
              _num(c["weight"], lang, 2), c["source"]] for c in n["component_details"]],
            rep["charts"].get("years"),
        ))  # fmt: skip
        if rep["charts"].get("harm"):
            out.append(("", "", [], [], rep["charts"]["harm"]))
        ms = rep["measures"]
        out.append((
            t["deals"], "" if rep["deals"] else t["no_deal"],
            [t["measure"], t["zone"], t["status"], t["start"], t["cost"]] if ms else [],
            [[m["name"], m["zone"], t.get(f"statuses.{m['status']}", m["status"]),
              str(m["actual_start"] or m["planned_start"] or "–"), "€ " + _eur(m["cost_eur"], lang)]
             for m in ms],
            None,
        ))  # fmt: skip
    return out


CSS = """body{font-family:'DejaVu Sans',sans-serif;max-width:60rem;margin:2rem auto;color:#222}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0 1rem}
td,th{border-bottom:1px solid #ddd;padding:.25rem .4rem;text-align:left;vertical-align:top}
img{max-width:100%}.synthetic{background:#fff3cd;padding:.5rem;border:1px solid #e0c068}"""


def render_html(rep: dict[str, Any]) -> str:
    """The report as one self-contained HTML page (charts embedded)."""
    t = TEXT[rep["lang"]]
    parts = [
        f'<!doctype html><html lang="{rep["lang"]}"><head><meta charset="utf-8">'
        f"<title>{html.escape(rep['title'])}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(rep['title'])}</h1>",
        f"<p>{t['generated']}: {rep['generated']}"
        + (f" · {t['period']}: {rep['period']}" if rep.get("period") else "")
        + "</p>",
    ]
    if rep["synthetic"]:
        parts.append(f'<p class="synthetic">{html.escape(t["synthetic"])}</p>')
    for head, para, thead, rows, chart in _sections(rep):
        if head:
            parts.append(f"<h2>{html.escape(head)}</h2>")
        if para:
            parts.append(f"<p>{html.escape(para)}</p>")
        if thead:
            parts.append(_table(thead, rows))
        parts.append(_img(chart))
    parts.append("</body></html>")
    return "\n".join(parts)


# ---------------------------------------------------------------- PDF


def render_pdf(rep: dict[str, Any]) -> bytes:
    """The report as PDF (A4), DejaVu Sans for every glyph, charts as images."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "PerronSans"
    if font not in pdfmetrics.getRegisteredFontNames():
        regular = _font()
        pdfmetrics.registerFont(TTFont(font, regular))
        bold = regular.replace("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
        pdfmetrics.registerFont(TTFont(font + "-Bold", bold if os.path.exists(bold) else regular))
    t = TEXT[rep["lang"]]
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5)
    h1 = ParagraphStyle("h1", parent=body, fontName=font + "-Bold", fontSize=15, leading=19)
    h2 = ParagraphStyle("h2", parent=body, fontName=font + "-Bold", fontSize=11.5, leading=15,
                        spaceBefore=8, spaceAfter=4)  # fmt: skip
    warn = ParagraphStyle("warn", parent=body, backColor=colors.HexColor("#fff3cd"),
                          borderColor=colors.HexColor("#e0c068"), borderWidth=0.5, borderPadding=4)  # fmt: skip
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=1.8 * cm, rightMargin=1.8 * cm, topMargin=1.6 * cm,
        bottomMargin=1.6 * cm, title=rep["title"], author="Perron",
    )  # fmt: skip
    width = A4[0] - 3.6 * cm
    flow: list[Any] = [Paragraph(html.escape(rep["title"]), h1), Spacer(1, 4)]
    flow.append(
        Paragraph(
            f"{t['generated']}: {rep['generated']}"
            + (f" · {t['period']}: {rep['period']}" if rep.get("period") else ""),
            body,
        )
    )
    if rep["synthetic"]:
        flow += [Spacer(1, 6), Paragraph(html.escape(t["synthetic"]), warn), Spacer(1, 6)]
    for head, para, thead, rows, chart in _sections(rep):
        if head:
            flow.append(Paragraph(html.escape(head), h2))
        if para:
            flow.append(Paragraph(html.escape(para), body))
        if thead:
            data = [[Paragraph(html.escape(x), small) for x in thead]] + [
                [Paragraph(html.escape(str(c)), small) for c in r] for r in rows
            ]
            widths = None
            if len(thead) == 4:  # rank/name/score/why and component/value/weight/source
                widths = [0.22 * width, 0.14 * width, 0.12 * width, 0.52 * width]
                if thead[0] == t["rank"]:
                    widths = [0.08 * width, 0.2 * width, 0.1 * width, 0.62 * width]
            tbl = Table(data, repeatRows=1, colWidths=widths)
            tbl.setStyle(
                TableStyle(
                    [
                        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                        ("LINEBELOW", (0, 1), (-1, -1), 0.2, colors.HexColor("#cccccc")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            flow.append(tbl)
        if chart:
            img = Image(io.BytesIO(chart))
            scale = min(width / img.drawWidth, 1.0)
            img.drawWidth *= scale
            img.drawHeight *= scale
            flow += [Spacer(1, 4), img]

    def footer(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7)
        note = "Perron · " + rep["generated"] + (" · synthetisch" if rep["synthetic"] else "")
        canvas.drawString(1.8 * cm, 1.0 * cm, note)
        canvas.drawRightString(A4[0] - 1.8 * cm, 1.0 * cm, str(canvas.getPageNumber()))
        canvas.restoreState()

    doc.build(flow, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def write_report(rep: dict[str, Any], path: Path) -> Path:
    """Write the report to ``path`` as PDF or HTML (by the suffix), atomically."""
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".html"):
        raise ProgrammeError(f"{path}: the file name must end in .pdf or .html")
    data = render_pdf(rep) if suffix == ".pdf" else render_html(rep).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path
