"""Where this app keeps things, and `config.toml`: named profiles, read-only deployments and the `[ui]`
table (key remaps, slow-link mode; owned by the TUI and passed through untouched).

Homes: `$CONVEX_BACKUPS_HOME/config` and `$CONVEX_BACKUPS_HOME/data` when the variable is set (tests use
it), else the platformdirs config and data folders of "convex-backups".

    default_profile = "acme"            # used when no --profile and no deployment-specific credentials

    [profiles.acme]
    kind = "cloud"                      # cloud | self-hosted | sandbox
    token = "..."                       # or: use_cli_login = true (the token of `npx convex login`)
    provision_host = "https://api.convex.dev"   # optional
    deployment = "happy-otter-123"      # optional: the default --deployment
    deploy_command = "npx convex deploy --yes"   # optional: the checklist's code push (step 3)
    deploy_key = "prod:happy-otter-123|..."      # optional: CONVEX_DEPLOY_KEY for that push

    [profiles.acme.deployments.happy-otter-123]
    read_only = true                    # this app refuses to change it

    [profiles.home]
    kind = "self-hosted"
    url = "https://convex.example.com"
    admin_key = "convex-self-hosted|..."

    [deployments.tall-sheep-456]        # read-only whatever the profile
    read_only = true

    [ui]                                # the TUI's settings

    [trend]                             # noticing trouble early (tui/commands/README.md "Noticing trouble early")
    drop_percent = 20                   # flag a backup whose table lost more than this share of documents
    count_download_mb = 500             # cloud backups up to this size are downloaded once to count them

The file holds secrets: it is tightened to mode 0600 when found wider. The app reads it and never writes it
(operators edit it).
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tui.api.secrets import Secret
from tui.services.errors import ConfigError

HOME_VARIABLE = "CONVEX_BACKUPS_HOME"
PROFILE_VARIABLE = "CONVEX_BACKUPS_PROFILE"
APP_NAME = "convex-backups"
KINDS = {
    "cloud": "cloud",
    "self-hosted": "selfHosted",
    "selfhosted": "selfHosted",
    "selfHosted": "selfHosted",
    "sandbox": "sandbox",
}
_KIND_NAMES = {"cloud": "cloud", "selfHosted": "self-hosted", "sandbox": "sandbox"}


@dataclass(frozen=True)
class Homes:
    config_dir: Path
    data_dir: Path

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Homes:
        environ = os.environ if environ is None else environ
        home = environ.get(HOME_VARIABLE)
        if home:
            return cls(Path(home) / "config", Path(home) / "data")
        import platformdirs

        return cls(Path(platformdirs.user_config_dir(APP_NAME)), Path(platformdirs.user_data_dir(APP_NAME)))

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def sandbox_dir(self) -> Path:
        """The embedded sandbox's data (the same folder `sandbox serve` uses by default)."""
        return self.data_dir / "sandbox"

    @property
    def env_dir(self) -> Path:
        """Saved environment variable sets."""
        return self.data_dir / "env"

    @property
    def store_dir(self) -> Path:
        """The local backup store (self-hosted backups, downloads)."""
        return self.data_dir / "backups"


@dataclass(frozen=True)
class Profile:
    name: str
    kind: str  # cloud | selfHosted | sandbox
    token: Secret | None = None  # cloud: an access token or team token
    use_cli_login: bool = False  # cloud: the token `npx convex login` stored
    provision_host: str | None = None
    url: str | None = None  # self-hosted
    admin_key: Secret | None = None  # self-hosted
    deployment: str | None = None  # the default deployment
    read_only: bool = False  # every deployment of the profile
    read_only_deployments: frozenset[str] = frozenset()
    deploy_command: str | None = None  # the checklist's code push; None: the default
    deploy_key: Secret | None = None  # given to that push as CONVEX_DEPLOY_KEY

    def __post_init__(self) -> None:
        if self.kind not in _KIND_NAMES:
            raise ConfigError(
                f"Profile {self.name!r} has kind {self.kind!r}: use cloud, self-hosted or sandbox.", code="BadProfile"
            )


@dataclass(frozen=True)
class Config:
    profiles: Mapping[str, Profile] = field(default_factory=dict)
    default_profile: str | None = None
    read_only_deployments: frozenset[str] = frozenset()  # from the top-level [deployments.*] tables
    ui: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)  # other tables: [trend], [emergency]
    warnings: tuple[str, ...] = ()

    def profile(self, name: str) -> Profile:
        if name not in self.profiles:
            known = ", ".join(sorted(self.profiles)) or "none yet"
            raise ConfigError(
                f"There is no profile named {name!r} in config.toml (profiles: {known}).", code="NoSuchProfile"
            )
        return self.profiles[name]

    def is_read_only(self, deployment: str, profile: Profile | None = None) -> bool:
        if deployment in self.read_only_deployments:
            return True
        return profile is not None and (profile.read_only or deployment in profile.read_only_deployments)


@dataclass(frozen=True)
class TrendSettings:
    """`[trend]` (read from `Config.extra`)."""

    drop_percent: float = 20.0
    count_download_mb: float = 500.0

    @property
    def drop_share(self) -> float:
        return self.drop_percent / 100

    @property
    def count_download_bytes(self) -> int:
        return int(self.count_download_mb * 1000 * 1000)


def trend_settings(config: Config | None) -> TrendSettings:
    """The `[trend]` table, checked: a value that makes no sense is a `ConfigError` naming it."""
    table = (config.extra.get("trend") if config is not None else None) or {}
    if not isinstance(table, Mapping):
        raise ConfigError("`trend` in config.toml must be a table: [trend] with drop_percent = 20.", code="BadConfig")
    values: dict[str, float] = {}
    checks: tuple[tuple[str, str, Callable[[float], bool]], ...] = (
        ("drop_percent", "above 0 and at most 100", lambda v: 0 < v <= 100),
        ("count_download_mb", "of 0 (never download to count) or more", lambda v: v >= 0),
    )
    for name, words, fits in checks:
        value = table.get(name, getattr(TrendSettings, name))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not fits(value):
            raise ConfigError(f"[trend] {name} = {value!r} in config.toml: give a number {words}.", code="BadConfig")
        values[name] = float(value)
    return TrendSettings(**values)


# -- reading ------------------------------------------------------------------------------------------------
def _str(table: Mapping[str, Any], name: str, where: str) -> str | None:
    item = table.get(name)
    if item is None:
        return None
    if not isinstance(item, str) or not item:
        raise ConfigError(f"{where}: `{name}` must be a non-empty string.", code="BadConfig")
    return item


def _read_only_names(table: Any, where: str) -> frozenset[str]:
    if table is None:
        return frozenset()
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: `deployments` must be a table of deployment names.", code="BadConfig")
    names = set()
    for name, options in table.items():
        if not isinstance(options, Mapping):
            raise ConfigError(
                f"{where}.deployments.{name} must be a table such as `read_only = true`.", code="BadConfig"
            )
        if options.get("read_only") is True:
            names.add(name)
    return frozenset(names)


def parse_profile(name: str, table: Any) -> Profile:
    where = f"[profiles.{name}]"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table.", code="BadConfig")
    kind = KINDS.get(str(table.get("kind", "")))
    if kind is None:
        raise ConfigError(f"{where}: `kind` must be cloud, self-hosted or sandbox.", code="BadConfig")
    token, admin_key = _str(table, "token", where), _str(table, "admin_key", where)
    url = _str(table, "url", where)
    if kind == "selfHosted" and not (url and admin_key):
        raise ConfigError(f"{where}: a self-hosted profile needs `url` and `admin_key`.", code="BadConfig")
    use_login = table.get("use_cli_login") is True
    if kind == "cloud" and not token and not use_login:
        raise ConfigError(
            f"{where}: a cloud profile needs `token`, or `use_cli_login = true` to use the token "
            "of `npx convex login`.",
            code="BadConfig",
        )
    return Profile(
        name=name,
        kind=kind,
        token=Secret(token) if token else None,
        use_cli_login=use_login,
        provision_host=_str(table, "provision_host", where),
        url=url.rstrip("/") if url else None,
        admin_key=Secret(admin_key) if admin_key else None,
        deployment=_str(table, "deployment", where),
        read_only=table.get("read_only") is True,
        read_only_deployments=_read_only_names(table.get("deployments"), f"[profiles.{name}]"),
        deploy_command=_str(table, "deploy_command", where),
        deploy_key=Secret(deploy_key) if (deploy_key := _str(table, "deploy_key", where)) else None,
    )


def parse_config(document: Mapping[str, Any]) -> Config:
    profiles = document.get("profiles", {})
    if not isinstance(profiles, Mapping):
        raise ConfigError("`profiles` in config.toml must be a table of [profiles.NAME] tables.", code="BadConfig")
    default = document.get("default_profile")
    parsed = {name: parse_profile(name, table) for name, table in profiles.items()}
    if default is not None and default not in parsed:
        raise ConfigError(f"default_profile = {default!r}, but there is no [profiles.{default}].", code="BadConfig")
    ui = document.get("ui", {})
    return Config(
        profiles=parsed,
        default_profile=default,
        read_only_deployments=_read_only_names(document.get("deployments"), "config.toml"),
        ui=dict(ui) if isinstance(ui, Mapping) else {},
        extra={k: v for k, v in document.items() if k not in {"profiles", "default_profile", "deployments", "ui"}},
    )


def load_config(homes: Homes) -> Config:
    """The configuration (empty when there is no config.toml). Raises `ConfigError` for a malformed file."""
    path = homes.config_file
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise ConfigError(f"Could not read {path}: {exc.strerror or exc}.", code="BadConfig") from None
    warnings = []
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        try:
            path.chmod(0o600)
            warnings.append(f"{path} was readable by others (mode {mode:o}); it is now 0600.")
        except OSError:
            warnings.append(f"{path} is readable by others (mode {mode:o}): run chmod 600 on it.")
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        # tomllib's message names a line and column, never the text there (which may be a token)
        raise ConfigError(f"{path} is not valid TOML: {exc}.", code="BadConfig") from None
    return replace(parse_config(document), warnings=tuple(warnings))
