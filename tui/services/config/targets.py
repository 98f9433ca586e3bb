"""Which target to use, decided without any network call: a `TargetSpec` from the configuration, the
`--profile` given, and the credentials the Convex CLI's conventions find (`tui.api.credentials.finder`).

Order, first match wins:
1. `--profile NAME` (or `$CONVEX_BACKUPS_PROFILE`): that profile;
2. credentials for a particular target in the environment, `.env.local` or `.env`: an explicit URL and
   admin key, `CONVEX_DEPLOY_KEY`, `CONVEX_SELF_HOSTED_URL` + `CONVEX_SELF_HOSTED_ADMIN_KEY`,
   `CONVEX_DEPLOYMENT`, or `CONVEX_OVERRIDE_ACCESS_TOKEN`;
3. `default_profile` in config.toml;
4. the token `npx convex login` stored (every team the operator belongs to);
5. nothing: the embedded local sandbox (the launcher starts it).

`CONVEX_PROVISION_HOST` points the Cloud code path at another big brain, such as a sandbox's platform.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tui.api.credentials.finder import (
    AccessToken,
    Credentials,
    find_credentials,
    provision_host,
    read_access_token,
    config_dir,
)
from tui.api.secrets import Secret
from tui.services.config.settings import PROFILE_VARIABLE, Config, Profile
from tui.services.errors import ConfigError

SANDBOX_NOTICE = "local sandbox — not your Convex account"


@dataclass(frozen=True)
class TargetSpec:
    """Everything needed to open a target. `kind` is cloud, selfHosted or sandbox (a sandbox spec has no
    URL until the launcher has started it). Secrets are `Secret`s, so a repr shows none."""

    kind: str
    source: str  # where it came from, for `status` lines: "profile acme", "CONVEX_DEPLOY_KEY", ...
    provision_host: str | None = None  # cloud: big brain's base URL
    token: Secret | None = None  # cloud: the bearer token for big brain
    # cloud: what the token is (tui/services/cloud/token_access.py): login (from `npx convex login`), unknown
    # (given in the environment or a profile: asked with /v1/token_details), projectKey or previewKey
    token_kind: str = "login"
    url: str | None = None  # selfHosted: the deployment URL (None: ask big brain for the deploy key's URL)
    admin_key: Secret | None = None  # selfHosted: admin key or deploy key
    deployment: str | None = None  # the default deployment the credentials name
    profile: Profile | None = None
    read_only_names: frozenset[str] = frozenset()
    read_only_all: bool = False
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def is_read_only(self, deployment: str) -> bool:
        return self.read_only_all or deployment in self.read_only_names


def resolve_target(
    config: Config,
    *,
    profile: str | None = None,
    environ: Mapping[str, str],
    cwd: Path,
    home: Path,
) -> TargetSpec:
    """Raises `ConfigError` (unknown profile, missing login) or `CredentialsError` (inconsistent env)."""
    name = profile or environ.get(PROFILE_VARIABLE) or None
    if name:
        return from_profile(config, config.profile(name), environ, home)
    credentials = find_credentials(environ, cwd, home)
    specific = credentials.target not in ("accessToken", "none")
    overridden = (
        credentials.access_token is not None and credentials.access_token.source == "CONVEX_OVERRIDE_ACCESS_TOKEN"
    )
    if specific or overridden:
        return from_credentials(config, credentials)
    if config.default_profile:
        return from_profile(config, config.profile(config.default_profile), environ, home)
    return from_credentials(config, credentials)


def _read_only(config: Config, profile: Profile | None = None) -> tuple[frozenset[str], bool]:
    """(the deployments named read-only, whether every deployment is)."""
    names = set(config.read_only_deployments) | (set(profile.read_only_deployments) if profile else set())
    return frozenset(names), bool(profile and profile.read_only)


def from_profile(config: Config, profile: Profile, environ: Mapping[str, str], home: Path) -> TargetSpec:
    source = f"profile {profile.name}"
    names, every = _read_only(config, profile)
    spec = functools.partial(
        TargetSpec,
        source=source,
        profile=profile,
        deployment=profile.deployment,
        read_only_names=names,
        read_only_all=every,
    )
    if profile.kind == "sandbox":
        return spec("sandbox")
    if profile.kind == "selfHosted":
        return spec("selfHosted", url=profile.url, admin_key=profile.admin_key)
    host = (profile.provision_host or provision_host(environ)).rstrip("/")
    token = profile.token
    if token is None:  # use_cli_login
        folder_environ = {**environ, "CONVEX_PROVISION_HOST": host} if profile.provision_host else environ
        found, warning = read_access_token(config_dir(folder_environ, home))
        if found is None:
            raise ConfigError(
                f"Profile {profile.name} uses the login of `npx convex login`, but no login was found"
                + (f" ({warning})" if warning else "")
                + ": run `npx convex login`, or put a token in the profile.",
                code="NoLogin",
            )
        return spec("cloud", provision_host=host, token=found.value)
    return spec("cloud", provision_host=host, token=token, token_kind="unknown")


def from_credentials(config: Config, credentials: Credentials) -> TargetSpec:
    names, every = _read_only(config)
    spec = functools.partial(TargetSpec, warnings=credentials.warnings, read_only_names=names, read_only_all=every)
    # Each target names what `find_credentials` found for it, so the value it implies is there.
    target = credentials.target
    if target in ("explicit", "selfHosted"):
        found = credentials.self_hosted
        assert found is not None
        return spec("selfHosted", source=found.source, url=found.url, admin_key=found.admin_key)
    if target == "none":
        return spec("sandbox", source="nothing configured")
    bearer = credentials.big_brain_token
    access = credentials.access_token
    if target == "deployKey":
        key = credentials.deploy_key
        assert key is not None
        if key.kind == "deployment" and access is None:
            # A deploy key reaches its deployment only; without a login there are no cloud backups to list,
            # so it is backed up like a self-hosted deployment (snapshot exports kept locally).
            return spec(
                "selfHosted",
                source=key.source,
                url=None,
                admin_key=key.value,
                deployment=key.deployment_name,
                provision_host=credentials.provision_host,
            )
        if access is not None:
            token, kind = access.value, _kind_of(access)
        else:  # a project or preview key alone: the routes Convex documents for it (cloud/token_access.py)
            assert bearer is not None  # the deploy key itself
            token, kind = bearer[1], "projectKey" if key.kind == "project" else "previewKey"
        return spec(
            "cloud",
            source=key.source,
            provision_host=credentials.provision_host,
            token=token,
            token_kind=kind,
            deployment=key.deployment_name,
        )
    if target == "deployment":
        chosen = credentials.deployment
        assert chosen is not None
        if access is None:
            raise ConfigError(
                f"{chosen.source} names deployment {chosen.name}, but no Convex login was found: run "
                "`npx convex login` (or set CONVEX_OVERRIDE_ACCESS_TOKEN or CONVEX_DEPLOY_KEY).",
                code="NoLogin",
            )
        return spec(
            "cloud",
            source=chosen.source,
            provision_host=credentials.provision_host,
            token=access.value,
            token_kind=_kind_of(access),
            deployment=chosen.name,
        )
    assert access is not None  # target is "accessToken"
    return spec(
        "cloud",
        source=access.source,
        provision_host=credentials.provision_host,
        token=access.value,
        token_kind=_kind_of(access),
    )


def _kind_of(access: AccessToken) -> str:
    """The token `npx convex login` stored is a login; one given in CONVEX_OVERRIDE_ACCESS_TOKEN may be a
    team or project token as well (the CLI takes those there)."""
    return "unknown" if access.source == "CONVEX_OVERRIDE_ACCESS_TOKEN" else "login"
