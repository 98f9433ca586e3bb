"""Admin authentication of deployment routes: `Convex <key>` or `?adminKey=`."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import orjson

from tui.emulator.errors import ConvexError
from tui.emulator.secrets_file import read_secret, write_secret

# Deployment operations and their action strings.
VIEW_BACKUPS = "deployment:backups:view"
CREATE_BACKUPS = "deployment:backups:create"
DOWNLOAD_BACKUPS = "deployment:backups:download"
DELETE_BACKUPS = "deployment:backups:delete"
IMPORT_BACKUPS = "deployment:backups:import"
VIEW_ENV = "deployment:env:view"
WRITE_ENV = "deployment:env:write"
VIEW_DATA = "deployment:data:view"
WRITE_DATA = "deployment:data:write"
PAUSE_DEPLOYMENT = "deployment:pause"
UNPAUSE_DEPLOYMENT = "deployment:unpause"
VIEW_AUDIT_LOG = "deployment:auditLog:view"
DEPLOY = "deployment:deploy"
ANY_ADMIN = None  # routes and functions that any admin identity may use


@dataclass(frozen=True)
class AdminIdentity:
    allowed_actions: frozenset[str] | None = None  # None: every operation

    def require(self, action: str | None) -> None:
        if action is not None and self.allowed_actions is not None and action not in self.allowed_actions:
            raise ConvexError(
                403,
                "OperationNotPermitted",
                f"You do not have permission to perform this operation ({action}).",
            )


@dataclass
class KeyRing:
    """The deployment's admin key plus restricted keys (like deploy keys with `allowedActions`)."""

    instance_name: str
    admin_key: str
    restricted: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)
    path: Path | None = None

    def __repr__(self) -> str:  # keys never appear in a repr
        return f"KeyRing(instance_name={self.instance_name!r}, restricted={len(self.restricted)})"

    @classmethod
    def load_or_create(cls, path: Path, instance_name: str) -> Self:
        """Keys live in one 0600 JSON file per deployment; a fresh random key is made on first use."""
        text = read_secret(path)
        if text:
            data = orjson.loads(text)
            ring = cls(instance_name, data["adminKey"], path=path)
            ring.restricted = {k: frozenset(v) for k, v in data.get("restricted", {}).items()}
            return ring
        ring = cls(instance_name, f"{instance_name}|{secrets.token_hex(32)}", path=path)
        ring.save()
        return ring

    def save(self) -> None:
        if self.path is None:
            return
        data = {"adminKey": self.admin_key, "restricted": {k: sorted(v) for k, v in self.restricted.items()}}
        write_secret(self.path, orjson.dumps(data).decode())

    def create_restricted(self, actions: list[str]) -> str:
        key = f"{self.instance_name}|{secrets.token_hex(32)}"
        self.restricted[key] = frozenset(actions)
        self.save()
        return key

    def identify(self, key: str) -> AdminIdentity | None:
        key = _strip_type_prefix(key)
        if hmac.compare_digest(key.encode(), self.admin_key.encode()):
            return AdminIdentity()
        for candidate, actions in self.restricted.items():
            if hmac.compare_digest(key.encode(), candidate.encode()):
                return AdminIdentity(actions)
        return None


def _strip_type_prefix(key: str) -> str:
    """`prod:name|secret` -> `name|secret` (a deploy key's type prefix is tolerated)."""
    head, bar, rest = key.partition("|")
    if bar and ":" in head:
        head = head.split(":", 1)[1]
    return head + bar + rest


def authenticate(ring: KeyRing, authorization: str | None, admin_key_param: str | None) -> AdminIdentity:
    """Raise the Convex error a real deployment gives for a missing, malformed or wrong credential."""
    if authorization is not None:
        if len(authorization) < 7:
            raise ConvexError(400, "InvalidHeaderFailure", "The Authorization header is too short to be valid.")
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer":
            raise ConvexError(403, "BadDeployKey", "This operation needs an admin key; a user token cannot perform it.")
        if scheme.lower() != "convex":
            raise ConvexError(400, "InvalidAdminKey", "The Authorization header must be 'Convex <admin key>'.")
        key = value
    elif admin_key_param is not None:
        key = admin_key_param
    else:
        raise ConvexError(
            403, "BadDeployKey", "This operation needs an admin key or deploy key in the Authorization header."
        )
    identity = ring.identify(key.strip())
    if identity is None:
        raise ConvexError(
            401,
            "BadAdminKey",
            f"The provided admin key was invalid for this instance ({ring.instance_name}). "
            "Check the key, or get a fresh one with `convex-backups sandbox credentials`.",
        )
    return identity
