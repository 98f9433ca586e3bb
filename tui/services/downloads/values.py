"""What a download reports while it runs (`DownloadProgress`), what it gives back (`DownloadResult`) and how
it retries (`RetryPlan`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.archive.integrity import IntegrityReport
from tui.services.protocol import Progress
from tui.services.sizes import human_rate, human_size

if TYPE_CHECKING:  # decoding every document is asked for rarely: its module loads when it is
    from tui.archive.verify import VerifyReport


@dataclass(frozen=True)
class DownloadProgress:
    phase: str  # connecting | downloading | retrying | restarting | verifying | done
    done: int  # bytes in the part file
    total: int | None
    rate: float  # bytes per second, recently
    elapsed: float
    message: str = ""

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total else None

    @property
    def eta(self) -> float | None:
        if not self.total or self.rate <= 0:
            return None
        return max(0.0, (self.total - self.done) / self.rate)

    def as_progress(self) -> Progress:
        """The protocol's `Progress` (what screens draw): the message carries the sizes and the rate."""
        size = human_size(self.done) + (f" of {human_size(self.total)}" if self.total else "")
        rate = f" at {human_rate(self.rate)}" if self.rate else ""
        message = self.message or {"downloading": "Downloading", "verifying": "Checking", "done": "Saved"}.get(
            self.phase, self.phase.capitalize()
        )
        return Progress(
            f"{message} — {size}{rate}",
            done=self.done,
            total=self.total,
            fraction=self.fraction,
            elapsed=self.elapsed,
            eta=self.eta,
            state=self.phase,
            finished=self.phase == "done",
        )


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    sidecar: Path
    sha256: str  # hex
    size: int
    resumes: int  # times the download continued with Range after a failure
    restarts: int  # times it had to start again from byte 0
    elapsed: float
    integrity: IntegrityReport
    full_report: VerifyReport | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "sidecar": str(self.sidecar),
            "sha256": self.sha256,
            "size": self.size,
            "resumes": self.resumes,
            "restarts": self.restarts,
            "elapsedSeconds": round(self.elapsed, 3),
            "integrity": self.integrity.to_dict(),
            "fullyVerified": self.full_report is not None,
        }


@dataclass(frozen=True)
class RetryPlan:
    attempts: int = 6  # failures in a row without a byte of progress
    max_failures: int = 100  # failures in all
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, failures_in_a_row: int, rng: Callable[[], float] = random.random) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** max(0, failures_in_a_row - 1))
        return ceiling / 2 + rng() * ceiling / 2
