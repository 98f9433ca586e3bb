"""From a `TargetSpec` to a live `BackupTarget` (the launcher starts the sandbox first and passes its
platform URL and token). Cloud and sandbox get a `CloudTarget`; self-hosted targets come from
`tui.services.self_hosted.target.open_self_hosted(spec, homes)`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from tui.api.platform.client import PRODUCTION_HOST, PlatformClient
from tui.api.secrets import Secret
from tui.services.cloud.target import CloudTarget
from tui.services.config.settings import Config, Homes
from tui.services.cloud.deployment_credentials import REFUSED
from tui.services.deployment.env_store import EnvStore
from tui.services.errors import ConfigError
from tui.services.protocol import BackupTarget
from tui.services.config.targets import SANDBOX_NOTICE, TargetSpec

log = logging.getLogger("tui.services.credentials")


class AppSession(Protocol):
    """What the app is given at launch (`tui.launcher.Session` is one): the data folders, the loaded
    config, the chosen target and how to open it. Read-only here: the launcher fills in a sandbox's URL
    and token when it has started (`open`), and a later profile switch reads the spec as it is then."""

    @property
    def homes(self) -> Homes: ...

    @property
    def config(self) -> Config | None: ...

    @property
    def spec(self) -> TargetSpec | None: ...

    @property
    def warnings(self) -> Sequence[str]: ...

    async def open(self) -> BackupTarget: ...


def cloud_target(spec: TargetSpec, homes: Homes, *, use_sync: bool = True) -> CloudTarget:
    """Convex Cloud, or a sandbox's platform reached through `spec.provision_host` (a sandbox spec must
    carry its platform URL and token, see `sandbox_spec`)."""
    if spec.provision_host is None or spec.token is None:
        raise ConfigError(f"The target from {spec.source} has no Convex API address or token.", code="BadTarget")
    platform = PlatformClient(spec.provision_host, spec.token)
    if spec.kind == "sandbox":
        label, notice = f"local sandbox ({spec.provision_host})", SANDBOX_NOTICE
    else:
        what = "Convex Cloud" if spec.provision_host == PRODUCTION_HOST else f"Convex API at {spec.provision_host}"
        label, notice = f"{what} ({spec.source})", None
    from tui.services.self_hosted.local_store import LocalStore

    return CloudTarget(
        platform,
        EnvStore(homes.env_dir),
        kind="sandbox" if spec.kind == "sandbox" else "cloud",
        label=label,
        notice=notice,
        read_only=spec.is_read_only,
        use_sync=use_sync,
        store=LocalStore(homes.store_dir),
        token_kind=spec.token_kind,
    )


def sandbox_spec(spec: TargetSpec, platform_url: str, token: str | Secret) -> TargetSpec:
    """A sandbox spec once its platform is serving."""
    return replace(spec, provision_host=platform_url.rstrip("/"), token=Secret(token), token_kind="login")


async def open_target(spec: TargetSpec, homes: Homes, *, use_sync: bool = True) -> BackupTarget:
    """The target, guarded so that no import it stages is left behind (tui/services/restore/staged_guard.py); an
    import an earlier run of the app left staged is cancelled here."""
    from tui.services.restore.staged_guard import guard_staged_imports
    from tui.services.restore.staged_ledger import StagedLedger

    target = await _open(spec, homes, use_sync=use_sync)
    return await guard_staged_imports(target, StagedLedger(homes.data_dir))


async def deploy_key_url(platform: PlatformClient, deploy_key: Secret, *, production: bool) -> str:
    """A deploy key reaches its deployment only. Its URL: big brain's `url_for_key` (custom domains make it
    non-derivable); when that refuses on Convex Cloud, `https://<name>.convex.cloud`, as the Convex CLI
    derives it (its `deriveUrlFromAdminKey`)."""
    try:
        return await platform.url_for_key(deploy_key)
    except REFUSED as error:
        name = deploy_key.reveal().split("|", 1)[0].split(":")[-1]  # the part before `|` is not secret
        if not production or not name:
            raise
        log.debug("POST /api/deployment/url_for_key refused (%s): using https://%s.convex.cloud", error.code, name)
        return f"https://{name}.convex.cloud"


async def _open(spec: TargetSpec, homes: Homes, *, use_sync: bool = True) -> BackupTarget:
    if spec.kind in ("cloud", "sandbox"):
        return cloud_target(spec, homes, use_sync=use_sync)
    if spec.url is None and spec.admin_key is not None and spec.provision_host:
        async with PlatformClient(spec.provision_host, spec.admin_key) as platform:  # a deploy key's URL
            url = await deploy_key_url(platform, spec.admin_key, production=spec.provision_host == PRODUCTION_HOST)
            spec = replace(spec, url=url)
    try:
        from tui.services.self_hosted.target import open_self_hosted
    except ImportError:
        raise ConfigError(
            "Self-hosted deployments are not supported by this build yet.", code="SelfHostedUnavailable"
        ) from None
    return await open_self_hosted(spec, homes)
