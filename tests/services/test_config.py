"""config.toml, homes, and choosing the target (no network)."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

import pytest

from tui.api.errors import CredentialsError
from tui.services.config.settings import Config, Homes, load_config, parse_config
from tui.services.errors import ConfigError
from tui.services.config.targets import resolve_target

CONFIG = """
default_profile = "acme"

[profiles.acme]
kind = "cloud"
token = "tok-acme-secret-123456"
deployment = "happy-otter-123"

[profiles.acme.deployments.happy-otter-123]
read_only = true

[profiles.home]
kind = "self-hosted"
url = "https://convex.example.com/"
admin_key = "convex-self-hosted|0123456789abcdef"

[profiles.rehearsal]
kind = "sandbox"

[profiles.login]
kind = "cloud"
use_cli_login = true

[deployments.tall-sheep-456]
read_only = true

[ui]
slow_link = true

[ui.keys]
quit = "ctrl+q"
"""


def homes(tmp_path: Path) -> Homes:
    return Homes.from_environ({"CONVEX_BACKUPS_HOME": str(tmp_path / "h")})


def write(tmp_path: Path, text: str = CONFIG, mode: int = 0o600) -> Homes:
    chosen = homes(tmp_path)
    chosen.config_dir.mkdir(parents=True)
    chosen.config_file.write_text(text)
    chosen.config_file.chmod(mode)
    return chosen


def test_homes_follow_the_variable(tmp_path):
    chosen = homes(tmp_path)
    assert chosen.config_file == tmp_path / "h" / "config" / "config.toml"
    assert chosen.sandbox_dir == tmp_path / "h" / "data" / "sandbox"
    assert chosen.env_dir == tmp_path / "h" / "data" / "env"
    default = Homes.from_environ({})
    assert "convex-backups" in str(default.config_dir) and "convex-backups" in str(default.data_dir)


def test_profiles_parse_and_keep_secrets_out_of_repr(tmp_path):
    config = load_config(write(tmp_path))
    assert set(config.profiles) == {"acme", "home", "rehearsal", "login"} and config.default_profile == "acme"
    acme, home = config.profile("acme"), config.profile("home")
    assert acme.kind == "cloud" and acme.token.reveal() == "tok-acme-secret-123456"
    assert home.kind == "selfHosted" and home.url == "https://convex.example.com"
    assert config.profile("login").use_cli_login and config.profile("rehearsal").kind == "sandbox"
    assert config.is_read_only("happy-otter-123", acme) and not config.is_read_only("happy-otter-123", home)
    assert config.is_read_only("tall-sheep-456", home) and config.is_read_only("tall-sheep-456")
    assert config.ui == {"slow_link": True, "keys": {"quit": "ctrl+q"}}
    assert "tok-acme" not in repr(config) and "0123456789abcdef" not in repr(config)
    with pytest.raises(ConfigError, match="no profile named 'nope'.*acme"):
        config.profile("nope")


def test_wide_permissions_are_tightened(tmp_path):
    chosen = write(tmp_path, mode=0o644)
    config = load_config(chosen)
    assert stat.S_IMODE(os.stat(chosen.config_file).st_mode) == 0o600 and config.warnings


@pytest.mark.parametrize(
    "text, words",
    [
        ('[profiles.x]\nkind = "moon"', "kind"),
        ('[profiles.x]\nkind = "cloud"', "needs `token`"),
        ('[profiles.x]\nkind = "self-hosted"\nurl = "http://x"', "url` and `admin_key"),
        ('default_profile = "y"', "no [profiles.y]"),
        ('token = "tok-in-broken-file-1234" = 3', "not valid TOML"),
    ],
)
def test_bad_configs_say_what_is_wrong(tmp_path, text, words):
    with pytest.raises(ConfigError, match=words.replace("[", r"\[").replace("(", r"\(")) as error:
        load_config(write(tmp_path, text))
    assert "tok-in-broken" not in str(error.value)


# -- choosing the target -----------------------------------------------------------------------------------
def resolve(config: Config, tmp_path: Path, environ: dict | None = None, profile: str | None = None):
    cwd, home = tmp_path / "cwd", tmp_path / "home"
    cwd.mkdir(exist_ok=True)
    home.mkdir(exist_ok=True)
    return resolve_target(config, profile=profile, environ=environ or {}, cwd=cwd, home=home)


def login(tmp_path: Path, token: str = "login-token-abcdef123456") -> None:
    folder = tmp_path / "home" / ".convex"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"accessToken": token}))


def test_nothing_configured_means_the_sandbox(tmp_path):
    spec = resolve(Config(), tmp_path)
    assert spec.kind == "sandbox" and spec.provision_host is None


def test_order_profile_then_environment_then_default_then_login(tmp_path):
    config = parse_config(tomllib.loads(CONFIG))
    login(tmp_path)
    env = {"CONVEX_SELF_HOSTED_URL": "http://127.0.0.1:1", "CONVEX_SELF_HOSTED_ADMIN_KEY": "x|0123456789"}
    assert resolve(config, tmp_path, env, profile="rehearsal").kind == "sandbox"
    assert resolve(config, tmp_path, {**env, "CONVEX_BACKUPS_PROFILE": "rehearsal"}).kind == "sandbox"
    from_env = resolve(config, tmp_path, env)
    assert (from_env.kind, from_env.url) == ("selfHosted", "http://127.0.0.1:1")
    assert from_env.is_read_only("tall-sheep-456") and not from_env.is_read_only("happy-otter-123")
    default = resolve(config, tmp_path)
    assert (default.kind, default.source, default.deployment) == ("cloud", "profile acme", "happy-otter-123")
    assert default.token.reveal() == "tok-acme-secret-123456" and default.is_read_only("happy-otter-123")
    plain = resolve(Config(), tmp_path)
    assert plain.kind == "cloud" and plain.token.reveal() == "login-token-abcdef123456"
    assert plain.provision_host == "https://api.convex.dev"


def test_override_token_and_provision_host_point_at_a_sandbox(tmp_path):
    config = parse_config(tomllib.loads(CONFIG))
    env = {"CONVEX_PROVISION_HOST": "http://127.0.0.1:9/", "CONVEX_OVERRIDE_ACCESS_TOKEN": "override-token-1234567"}
    spec = resolve(config, tmp_path, env)
    assert (spec.kind, spec.provision_host, spec.token.reveal()) == (
        "cloud",
        "http://127.0.0.1:9",
        "override-token-1234567",
    )


def test_cli_login_profile_and_missing_login(tmp_path):
    config = parse_config(tomllib.loads(CONFIG))
    with pytest.raises(ConfigError, match="npx convex login"):
        resolve(config, tmp_path, profile="login")
    login(tmp_path, "the-cli-login-token-99999")
    assert resolve(config, tmp_path, profile="login").token.reveal() == "the-cli-login-token-99999"


def test_deployment_and_deploy_key_targets(tmp_path):
    with pytest.raises(ConfigError, match="no Convex login"):
        resolve(Config(), tmp_path, {"CONVEX_DEPLOYMENT": "prod:happy-otter-123"})
    login(tmp_path)
    chosen = resolve(Config(), tmp_path, {"CONVEX_DEPLOYMENT": "prod:happy-otter-123"})
    assert (chosen.kind, chosen.deployment) == ("cloud", "happy-otter-123")
    keyed = resolve(Config(), tmp_path, {"CONVEX_DEPLOY_KEY": "prod:happy-otter-123|secretpart0001"})
    assert (keyed.kind, keyed.deployment, keyed.token.reveal()) == (
        "cloud",
        "happy-otter-123",
        "login-token-abcdef123456",
    )
    (tmp_path / "home" / ".convex" / "config.json").unlink()
    alone = resolve(Config(), tmp_path, {"CONVEX_DEPLOY_KEY": "prod:happy-otter-123|secretpart0001"})
    assert (alone.kind, alone.url, alone.deployment) == ("selfHosted", None, "happy-otter-123")
    assert "secretpart" not in repr(alone)
    with pytest.raises(CredentialsError):
        resolve(Config(), tmp_path, {"CONVEX_DEPLOY_KEY": "no-bar-in-this-key"})
