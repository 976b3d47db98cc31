"""What an import reports: the result of a file and the errors of its rows (shared by the
row-by-row importer and the CSV fast path)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: progress callback: (phase, done, total)
Progress = Callable[[str, int, int], None]
#: rows per chunk written (and per progress report)
CHUNK = 5_000


@dataclass(frozen=True)
class RowError:
    file: str
    row: int
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, field {self.field!r} ({self.value!r}): {self.reason}"


@dataclass
class ImportResult:
    file: str
    party: str
    profile: str
    rows: int = 0
    created: int = 0
    corrected: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "party": self.party,
            "profile": self.profile,
            "ok": self.ok,
            "rows": self.rows,
            "created": self.created,
            "corrected": self.corrected,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": [e.__dict__ for e in self.errors],
        }
