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
    def __init__(self, deployments: list[DeploymentRef]) -> None:
        super().__init__()
        self.deployments = deployments


class BackupsLoaded(Message):
    def __init__(self, deployment: DeploymentRef, backups: list[BackupRecord]) -> None:
        super().__init__()
        self.deployment = deployment
        self.backups = backups


class TrendLoaded(Message):
    """The counts of a deployment's backups are known (`tui.services.backup_stats.Trend`)."""

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
