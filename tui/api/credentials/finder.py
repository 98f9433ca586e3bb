"""Finding the operator's Convex credentials with the Convex CLI's conventions and precedence.

Pure: `find_credentials(environ, cwd, home)` reads only the files it is pointed at (`<cwd>/.env.local`,
`<cwd>/.env`, `<home>/.convex*/config.json`), so tests can drive it with any environment.

Deployment selection, first match wins (the CLI's `deploymentSelection.ts`):
1. an explicit URL and admin key (command-line flags) suppress every environment lookup for the target;
2. `.env.local`, then `.env`, fill in variables the process environment does not set (empty = unset);
3. `CONVEX_DEPLOY_KEY` (alias `CONVEX_DEPLOYMENT_TOKEN`): `preview:<team>:<project>|...` is a preview key,
   `project:<team>:<project>|...` a project key, anything else with a `|` a deployment's key;
   `<ignore_deploy_key>` means unset and `<missing_deploy_key:MESSAGE>` is an error saying MESSAGE;
4. `CONVEX_SELF_HOSTED_URL` + `CONVEX_SELF_HOSTED_ADMIN_KEY` (an error together with `CONVEX_DEPLOYMENT`);
5. `CONVEX_DEPLOYMENT` (`<type>:<name>`, legacy values without a type, `anonymous-*` for anonymous local).
Then, for big brain: `CONVEX_OVERRIDE_ACCESS_TOKEN`, a project key, a deployment key, the access token of
`npx convex login`, a preview key. A team or OAuth token is given like the CLI takes it, through
`CONVEX_OVERRIDE_ACCESS_TOKEN` (`/v1/token_details` tells what it is).

`CONVEX_PROVISION_HOST` (read from the process environment only, as the CLI reads it before loading any
`.env` file) replaces `https://api.convex.dev` and moves the CLI's folder from `~/.convex` to
`~/.convex-test` (port 8050 or none) or `~/.convex-test-<port>`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tui.api.credentials.checks import require_no_userinfo, require_sendable
from tui.api.credentials.dotenv import read_dotenv
from tui.api.errors import CredentialsError
from tui.api.secrets import Secret, mask

PRODUCTION_PROVISION_HOST = "https://api.convex.dev"
IGNORE_DEPLOY_KEY = "<ignore_deploy_key>"
_MISSING_DEPLOY_KEY = re.compile(r"^<missing_deploy_key:(.+)>$", re.DOTALL)
_DEPLOYMENT_COMMENT = re.compile(
    r"^\s*(?:export\s+)?CONVEX_DEPLOYMENT\s*=.*#\s*team:\s*([^,\s]+),\s*project:\s*(\S+)", re.MULTILINE
)
DEPLOYMENT_TYPES = ("dev", "prod", "preview", "local")
_NEW_ADMIN_KEY = (
    "Set it to the key alone, as `./generate_admin_key.sh` (self-hosted) or the dashboard prints it, "
    "quoted if it is in a .env file."
)
_NEW_TOKEN = "Set it to the token alone, as the Convex dashboard shows it."


@dataclass(frozen=True)
class AccessToken:
    value: Secret
    source: str  # "CONVEX_OVERRIDE_ACCESS_TOKEN" or the config.json path


@dataclass(frozen=True)
class DeployKey:
    kind: str  # "deployment", "project" or "preview"
    value: Secret
    source: str  # the variable name, and the file when it came from one
    deployment_name: str | None = None  # deployment keys
    deployment_type: str | None = None  # deployment keys: prod (also legacy keys), dev, preview, custom, ...
    team_slug: str | None = None  # project and preview keys
    project_slug: str | None = None


@dataclass(frozen=True)
class SelfHosted:
    url: str
    admin_key: Secret
    source: str


@dataclass(frozen=True)
class ConfiguredDeployment:
    """`CONVEX_DEPLOYMENT`: a deployment within a project, resolved through big brain."""

    name: str
    deployment_type: str | None  # dev, prod, preview, local; None for legacy values
    source: str
    team_slug: str | None = None  # from the CLI's trailing `# team: ..., project: ...` comment
    project_slug: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.name.startswith("anonymous-")


@dataclass(frozen=True)
class Credentials:
    """What was found. `target` is one of "explicit", "deployKey", "selfHosted", "deployment",
    "accessToken" (logged in, no deployment chosen: browse every team) or "none" (use the sandbox)."""

    target: str
    provision_host: str
    config_dir: Path
    access_token: AccessToken | None = None
    deploy_key: DeployKey | None = None
    self_hosted: SelfHosted | None = None  # also the explicit URL and key
    deployment: ConfiguredDeployment | None = None
    warnings: tuple[str, ...] = ()

    @property
    def big_brain_token(self) -> tuple[str, Secret] | None:
        """(kind, token) for `Authorization: Bearer` to big brain, in the CLI's order; None if nothing."""
        key = self.deploy_key
        if self.access_token and self.access_token.source == "CONVEX_OVERRIDE_ACCESS_TOKEN":
            return "accessToken", self.access_token.value
        if key and key.kind == "project":
            return "projectKey", key.value
        if key and key.kind == "deployment":
            return "deploymentKey", key.value
        if self.access_token:
            return "accessToken", self.access_token.value
        if key and key.kind == "preview":
            return "previewDeployKey", key.value
        return None

    @property
    def uses_sandbox(self) -> bool:
        return self.target == "none"

    def describe(self) -> list[str]:
        """One line per credential found, secrets masked, for `status` output and logs."""
        lines = [f"target: {self.target}", f"Convex API: {self.provision_host}"]
        if self.self_hosted:
            lines.append(
                f"deployment {self.self_hosted.url} with admin key {mask(self.self_hosted.admin_key)} "
                f"({self.self_hosted.source})"
            )
        if self.deploy_key:
            lines.append(f"{self.deploy_key.kind} key {mask(self.deploy_key.value)} ({self.deploy_key.source})")
        if self.deployment:
            lines.append(f"deployment {self.deployment.name} ({self.deployment.source})")
        if self.access_token:
            lines.append(f"access token {mask(self.access_token.value)} ({self.access_token.source})")
        return lines + [f"warning: {w}" for w in self.warnings]


# -- pieces ------------------------------------------------------------------------------------------------
def provision_host(environ: Mapping[str, str]) -> str:
    return (environ.get("CONVEX_PROVISION_HOST") or PRODUCTION_PROVISION_HOST).rstrip("/")


def config_dir(environ: Mapping[str, str], home: Path) -> Path:
    """The CLI's folder: `.convex`, or `.convex-test[-<port>]` when `CONVEX_PROVISION_HOST` is set."""
    host = environ.get("CONVEX_PROVISION_HOST")
    if not host:
        return Path(home) / ".convex"
    parts = host.split(":")
    port = parts[2] if len(parts) > 2 else None  # the CLI's `split(":")[2]`
    return Path(home) / (".convex-test" if port is None or port == "8050" else f".convex-test-{port}")


def read_access_token(folder: Path) -> tuple[AccessToken | None, str | None]:
    """(token, warning): the `accessToken` of `<folder>/config.json`; a bad file is a warning, not an error."""
    path = folder / "config.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"could not read {path}: {exc.strerror or exc}"
    try:
        data = json.loads(text)
    except ValueError:
        return None, f"{path} is not valid JSON; run `npx convex login` again"
    token = data.get("accessToken") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        return None, f"{path} has no accessToken; run `npx convex login` again"
    return AccessToken(Secret(token), str(path)), None


def parse_deploy_key(key: str | Secret, source: str) -> DeployKey:
    """Classify a deploy key by its prefix (the CLI's `isPreviewDeployKey`/`isProjectKey` rules)."""
    key = Secret(key)  # from here on no local variable holds the plain key (tracebacks may show locals)
    if "|" not in key.reveal():
        raise CredentialsError(
            f"{source.split(' ')[0]} does not look like a deploy key (no '|'): set it to a new key from the "
            "Convex dashboard.",
            code="InvalidDeployKey",
            secrets=[key],
        )
    parts = key.reveal().split("|", 1)[0].split(":")  # the part before `|` names the deployment; not secret
    if parts[0] == "preview" and len(parts) == 3:
        return DeployKey("preview", key, source, team_slug=parts[1], project_slug=parts[2])
    if parts[0] == "project" and len(parts) == 3:
        return DeployKey("project", key, source, team_slug=parts[1], project_slug=parts[2])
    deployment_type = parts[0] if len(parts) > 1 else "prod"  # legacy keys have no type and are prod keys
    return DeployKey("deployment", key, source, deployment_name=parts[-1], deployment_type=deployment_type)


def parse_configured_deployment(raw: str, source: str, env_text: str = "") -> ConfiguredDeployment:
    name = raw.split(":")[-1]
    kind = raw.split(":")[0] if ":" in raw else None
    comment = _DEPLOYMENT_COMMENT.search(env_text)
    return ConfiguredDeployment(
        name=name,
        deployment_type=kind if kind in DEPLOYMENT_TYPES else None,
        source=source,
        team_slug=comment.group(1) if comment else None,
        project_slug=comment.group(2) if comment else None,
    )


class _Environment:
    """The process environment, then `.env.local`, then `.env` (a file never overrides what is set)."""

    def __init__(self, environ: Mapping[str, str], cwd: Path | None):
        self.environ = environ
        folder = Path(cwd) if cwd is not None else None
        self.files = [(name, read_dotenv(folder / name)) for name in (".env.local", ".env")] if folder else []
        self.local_text = _read_text(folder / ".env.local") if folder else ""

    def secret(self, name: str) -> tuple[Secret | None, str]:
        value, source = self.get(name)
        return (Secret(value) if value is not None else None), source

    def get(self, name: str) -> tuple[str | None, str]:
        """(value, where it came from); empty values count as unset, as in the CLI."""
        if self.environ.get(name):
            return self.environ[name], name
        for file_name, values in self.files:
            if values.get(name):
                return values[name], f"{name} in {file_name}"
        return None, name


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


# -- the whole search ---------------------------------------------------------------------------------------
def find_credentials(
    environ: Mapping[str, str],
    cwd: Path,
    home: Path,
    *,
    url: str | None = None,
    admin_key: str | Secret | None = None,
) -> Credentials:
    """Everything the CLI would use, with its precedence. Raises `CredentialsError` for configurations the
    CLI refuses (a deploy key without '|', self-hosted variables together with CONVEX_DEPLOYMENT, ...)."""
    host = provision_host(environ)
    folder = config_dir(environ, home)
    explicit = url is not None and admin_key is not None
    # With explicit flags the CLI loads no `.env` file at all.
    env = _Environment(environ, cwd if not explicit else None)
    warnings: list[str] = []
    require_no_userinfo(environ.get("CONVEX_PROVISION_HOST"), "CONVEX_PROVISION_HOST")
    override, override_source = env.secret("CONVEX_OVERRIDE_ACCESS_TOKEN")
    require_sendable(override, override_source, advice=_NEW_TOKEN)
    access_token: AccessToken | None
    if override is not None:
        access_token = AccessToken(override, "CONVEX_OVERRIDE_ACCESS_TOKEN")
    else:
        access_token, warning = read_access_token(folder)
        warnings += [warning] if warning else []
    found = functools.partial(Credentials, provision_host=host, config_dir=folder, access_token=access_token)

    if url is not None and admin_key is not None:  # explicit
        require_no_userinfo(url, "The deployment URL")
        require_sendable(admin_key, "The admin key", advice=_NEW_ADMIN_KEY)
        given = SelfHosted(url.rstrip("/"), Secret(admin_key), "command line")
        return found("explicit", self_hosted=given, warnings=tuple(warnings))

    key, key_source = env.secret("CONVEX_DEPLOY_KEY")
    if key is None:
        key, key_source = env.secret("CONVEX_DEPLOYMENT_TOKEN")
    if key is not None:
        missing = _MISSING_DEPLOY_KEY.match(key.reveal())  # a sentinel's message, not a key
        if missing:
            raise CredentialsError(missing.group(1), code="MissingDeployKey")
        if key.reveal() == IGNORE_DEPLOY_KEY:
            key = None
        require_sendable(key, key_source, advice="Copy the deploy key again from the Convex dashboard.")
    deploy_key = parse_deploy_key(key, key_source) if key is not None else None
    if deploy_key is not None:
        return found("deployKey", deploy_key=deploy_key, warnings=tuple(warnings))

    deployment_raw, deployment_source = env.get("CONVEX_DEPLOYMENT")
    self_url, url_source = env.get("CONVEX_SELF_HOSTED_URL")
    self_key, key_source = env.secret("CONVEX_SELF_HOSTED_ADMIN_KEY")
    if self_url is not None and self_key is not None:
        if deployment_raw is not None:
            raise CredentialsError(
                "CONVEX_DEPLOYMENT must not be set when CONVEX_SELF_HOSTED_URL and CONVEX_SELF_HOSTED_ADMIN_KEY "
                "are set: remove one of them.",
                code="ConflictingDeploymentSettings",
                secrets=[self_key],
            )
        require_no_userinfo(self_url, url_source)
        require_sendable(self_key, key_source, advice=_NEW_ADMIN_KEY)
        self_hosted = SelfHosted(self_url.rstrip("/"), self_key, url_source)
        return found("selfHosted", self_hosted=self_hosted, warnings=tuple(warnings))
    if deployment_raw is not None:
        if self_url is not None or self_key is not None:
            raise CredentialsError(
                "CONVEX_SELF_HOSTED_URL and CONVEX_SELF_HOSTED_ADMIN_KEY must not be set when CONVEX_DEPLOYMENT is "
                "set: remove one of them.",
                code="ConflictingDeploymentSettings",
                secrets=[self_key],
            )
        text = env.local_text if ".env.local" in deployment_source else ""
        deployment = parse_configured_deployment(deployment_raw, deployment_source, text)
        return found("deployment", deployment=deployment, warnings=tuple(warnings))
    if self_url is not None:
        warnings.append("CONVEX_SELF_HOSTED_URL is set without CONVEX_SELF_HOSTED_ADMIN_KEY; both are needed")
    elif self_key is not None:
        warnings.append("CONVEX_SELF_HOSTED_ADMIN_KEY is set without CONVEX_SELF_HOSTED_URL; both are needed")
    target = "accessToken" if access_token is not None else "none"
    return found(target, warnings=tuple(warnings))
