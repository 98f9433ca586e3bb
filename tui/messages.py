"""Messages workers post when a service call ends. Handlers on the main screen change state; widgets only
draw. High-rate progress messages replace older ones of the same operation still in the queue."""

from __future__ import annotations

from textual.message import Message

from tui.services.protocol import (
    BackupRecord,
    DeploymentRef,
    PlanLimits,
    Progress,
    Schedule,
    TargetInfo,
)


class TargetOpened(Message):
    def __init__(self, info: TargetInfo) -> None:
        super().__init__()
        self.info = info


class DeploymentsLoaded(Message):
    def __init__(self, deployments: list[DeploymentRef], notes: list | None = None) -> None:
        super().__init__()
        self.deployments = deployments
        self.notes = notes or []  # `ListingNote`s: a team that could not be listed, what the token can do


class BackupsLoaded(Message):
    def __init__(self, deployment: DeploymentRef, backups: list[BackupRecord], error: str | None = None) -> None:
        super().__init__()
        self.deployment = deployment
        self.backups = backups
        self.error = error  # why they could not be listed (the table says so instead of "Loading")


class TrendLoaded(Message):
    """The counts of a deployment's backups are known (`tui.services.snapshots.stats.Trend`)."""

    def __init__(self, deployment: DeploymentRef, trend, drop_percent: float, counting: int = 0) -> None:
        super().__init__()
        self.deployment = deployment
        self.trend = trend
        self.drop_percent = drop_percent
        self.counting = counting  # backups still being counted (each downloaded once)


class DeploymentFacts(Message):
    """The schedule and plan of a deployment (for the detail pane)."""

    def __init__(self, deployment: DeploymentRef, schedule: Schedule | None, limits: PlanLimits | None) -> None:
        super().__init__()
        self.deployment = deployment
        self.schedule = schedule
        self.limits = limits


class ImportsLoaded(Message):
    """A deployment's imports and restores, newest first (None: they could not be read, `error` says why)."""

    def __init__(self, deployment: DeploymentRef, imports: list | None, error: BaseException | None = None) -> None:
        super().__init__()
        self.deployment = deployment
        self.imports = imports
        self.error = error


class OperationProgress(Message):
    """The latest progress of one operation (`key` such as "backup 12" or "download 12")."""

    def __init__(self, key: str, title: str, progress: Progress) -> None:
        super().__init__()
        self.key = key
        self.title = title
        self.progress = progress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, OperationProgress) and message.key == self.key and not message.progress.finished


class OperationEnded(Message):
    """An operation finished: `ok`, and a sentence for the operator."""

    def __init__(self, key: str, ok: bool, text: str, deployment: str | None = None) -> None:
        super().__init__()
        self.key = key
        self.ok = ok
        self.text = text
        self.deployment = deployment


class ServiceFailed(Message):
    """A service call failed: `what` was being done, `error` the exception (its message is safe to show)."""

    def __init__(self, what: str, error: BaseException) -> None:
        super().__init__()
        self.what = what
        self.error = error


class EmergencyFacts(Message):
    """What the main screen says about emergencies: the unfinished checklists (newest first) and which
    deployments were found PAUSED (name -> paused; only those that were asked)."""

    def __init__(self, unfinished: list, paused: dict[str, bool]) -> None:
        super().__init__()
        self.unfinished = unfinished
        self.paused = paused
