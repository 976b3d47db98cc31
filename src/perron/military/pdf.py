"""A one-page-per-screenful briefing PDF of a plan, written without a PDF library.

Plain PDF 1.4 with the standard Helvetica font (WinAnsi encoding): text lines only, A4 pages.
"""

from __future__ import annotations

from typing import Any

from perron.military.data import REFERENCE_LABEL_EN

PAGE_W, PAGE_H = 595, 842
MARGIN = 50
LINE = 13
LINES_PER_PAGE = (PAGE_H - 2 * MARGIN) // LINE


def _esc(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _wrap(text: str, width: int = 95) -> list[str]:
    out: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            if len(line) + len(word) + 1 > width and line:
                out.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        out.append(line)
    return out


def briefing_lines(detail: dict[str, Any]) -> list[str]:
    plan = detail.get("plan", {})
    ci = plan.get("civil_impact", {})
    lines = [
        f"# Military transport request {detail.get('id')} - {detail.get('status')}",
        "",
        f"From {detail.get('origin')} to {detail.get('destination')}; earliest departure "
        f"{detail.get('earliest')}; latest arrival {detail.get('latest_arrival') or '-'}",
        f"Urgent: {'yes' if detail.get('urgent') else 'no'}; dangerous goods: "
        f"{'yes' if detail.get('dangerous_goods') else 'no'}; requested by party "
        f"{detail.get('party')} at {detail.get('created_at')}",
        "",
        f"# Proposed plan ({plan.get('kind')})",
        f"Departure {plan.get('departure')}  arrival {plan.get('arrival')}  "
        f"({plan.get('running_minutes')} min, {plan.get('km')} km)",
        "Route: " + " ".join(plan.get("route", [])),
        "Waits: "
        + (
            ", ".join(f"{w['station']} {w['minutes']} min" for w in plan.get("waits", [])) or "none"
        ),
        f"Civil trains affected: {ci.get('trains_affected')} (displaced "
        f"{ci.get('trains_displaced')}, cancelled {ci.get('trains_cancelled')}, delay "
        f"{ci.get('delay_minutes')} min, passenger-minutes {ci.get('passenger_minutes')})",
        "Series: " + (", ".join(ci.get("series", [])) or "none"),
    ]
    for d in ci.get("displaced", []):
        lines.append(
            f"  series {d['series']} ({d['product']}) on {d['link']} at {d['planned_entry']}: "
            f"{d['action']} {d['delay_minutes']} min"
        )
    lines += ["", "# Alternatives"]
    for a in plan.get("alternatives", []):
        lines.append(
            f"{a.get('rank')}. {a.get('reason')} ({a.get('kind')}): {a['departure']} - "
            f"{a['arrival']}, {a['km']} km, affected {a['civil_impact']['trains_affected']}, "
            f"via {' '.join(a['route'][1:-1][:12])}"
        )
    lines += ["", "# Assumptions"]
    lines += [f"- {a}" for a in plan.get("assumptions", [])]
    lines += ["", f"Source: {REFERENCE_LABEL_EN}.", plan.get("label", "")]
    return lines


def briefing_pdf(detail: dict[str, Any]) -> bytes:
    """The stored request ``detail`` (as :func:`perron.military.get_request` gives) as a PDF."""
    lines: list[str] = []
    for ln in briefing_lines(detail):
        lines.extend(_wrap(ln))
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    objects: list[bytes] = []
    n_pages = len(pages)
    # 1 catalog, 2 pages, 3 font, 4.. page/content pairs
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    for i, page in enumerate(pages):
        stream = bytearray(b"BT /F1 9 Tf ")
        y = PAGE_H - MARGIN
        for ln in page:
            size = 12 if ln.startswith("# ") else 9
            text = ln[2:] if ln.startswith("# ") else ln
            stream += f"/F1 {size} Tf 1 0 0 1 {MARGIN} {y} Tm (".encode() + _esc(text) + b") Tj "
            y -= LINE
        stream += b"ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(
            f"<< /Length {len(stream)} >>\nstream\n".encode() + bytes(stream) + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
