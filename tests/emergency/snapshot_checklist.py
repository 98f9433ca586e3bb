"""The fixed checklist the emergency snapshots draw: steps 0-2 done on brave-marmot-193 (production), the
rest pending, all at fixed times (tests/tui_snapshots/fixed_target.NOW)."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tui_snapshots"))

from fixed_target import NOW  # noqa: E402

from tui.services.checklist.state import Checklist, ChecklistStore, StepState  # noqa: E402

SIZES = [(120, 40), (80, 24)]


def fixed_checklist(store: ChecklistStore) -> Checklist:
    at = NOW - timedelta(minutes=20)

    def state(status, outcome=None, minutes=0, **data):
        return StepState(
            status,
            at + timedelta(minutes=minutes),
            at + timedelta(minutes=minutes + 1),
            "operator",
            None,
            outcome,
            data,
        )

    checklist = Checklist(
        "20260302T114000Z-brave-marmot-193-0001",
        "brave-marmot-193",
        "Convex Cloud (snapshot fixture)",
        at,
        "operator",
        is_prod=True,
        steps=[
            state("done", "brave-marmot-193 (PRODUCTION) chosen; pause not supported by this target"),
            state(
                "done",
                "backup 8000012 complete (with file storage); env vars saved as env-1",
                1,
                backup_id="8000012",
                env_snapshot="env-1",
            ),
            state(
                "done",
                "backup 8000011 restored into brave-marmot-193 (import imp-7): 40,120 documents written",
                5,
                backup_id="8000011",
                import_id="imp-7",
                counts_before={"orders": 39_100, "customers": 880, "products": 221},
                counts_after={"orders": 40_000, "customers": 900, "products": 220},
            ),
            StepState(),
            StepState(),
            StepState(),
            StepState(),
        ],
    )
    checklist.store = store
    return checklist
