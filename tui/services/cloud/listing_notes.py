"""What the deployment tree and `list` say besides deployments: a team that could not be listed (SSO
required, suspended, refused), and what the token in use can and cannot do (tui/commands/README.md "Which token reaches
what"). One team's failure is its own note; the other teams still load."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ListingNote:
    message: str
    team: str | None = None  # the team's slug for a team's note; None for a note about the token
    team_name: str | None = None
    error: bool = False  # the team could not be listed (its deployments are missing from the tree)
