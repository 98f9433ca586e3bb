"""Finding credentials with the Convex CLI's conventions and precedence: pure, over a fake
environment, working folder and home folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.api.credentials.finder import config_dir, find_credentials, parse_deploy_key
from tui.api.credentials.dotenv import parse_dotenv
from tui.api.errors import CredentialsError

PAT = "eyPAT-0123456789abcdef"
PROD_KEY = "prod:happy-otter-123|0123456789abcdef0123"


@pytest.fixture
def home(tmp_path) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


@pytest.fixture
def cwd(tmp_path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


def login(home: Path, token: str = PAT, folder: str = ".convex") -> None:
    (home / folder).mkdir(exist_ok=True)
    (home / folder / "config.json").write_text(json.dumps({"accessToken": token}))


def find(env: dict, cwd: Path, home: Path, **kwargs):
    return find_credentials(env, cwd, home, **kwargs)


def test_nothing_configured_means_the_sandbox(cwd, home):
    found = find({}, cwd, home)
    assert found.target == "none" and found.uses_sandbox and found.big_brain_token is None
    assert found.provision_host == "https://api.convex.dev" and found.config_dir == home / ".convex"


def test_login_token(cwd, home):
    login(home)
    found = find({}, cwd, home)
    assert found.target == "accessToken" and found.access_token.value.reveal() == PAT
    assert found.access_token.source == str(home / ".convex" / "config.json")
    assert found.big_brain_token == ("accessToken", found.access_token.value)


def test_override_token_wins_over_login(cwd, home):
    login(home)
    found = find({"CONVEX_OVERRIDE_ACCESS_TOKEN": "team-token-value-1"}, cwd, home)
    assert found.access_token.value.reveal() == "team-token-value-1"
    assert found.access_token.source == "CONVEX_OVERRIDE_ACCESS_TOKEN"


@pytest.mark.parametrize(
    ("host", "folder"),
    [
        ("http://127.0.0.1:8050", ".convex-test"),
        ("http://127.0.0.1:4123", ".convex-test-4123"),
        ("https://bigbrain.example.com", ".convex-test"),
    ],
)
def test_provision_host_moves_the_config_folder(cwd, home, host, folder):
    login(home, "test-host-token", folder)
    found = find({"CONVEX_PROVISION_HOST": host}, cwd, home)
    assert found.config_dir == home / folder and found.provision_host == host
    assert found.access_token.value.reveal() == "test-host-token"
    assert config_dir({}, home) == home / ".convex"
    assert find({"CONVEX_PROVISION_HOST": host + "/"}, cwd, home).provision_host == host


def test_provision_host_is_read_from_the_process_environment_only(cwd, home):
    (cwd / ".env.local").write_text("CONVEX_PROVISION_HOST=http://127.0.0.1:9999\n")
    assert find({}, cwd, home).provision_host == "https://api.convex.dev"


def test_deploy_keys_by_prefix(cwd, home):
    login(home)
    found = find({"CONVEX_DEPLOY_KEY": PROD_KEY, "CONVEX_DEPLOYMENT": "dev:calm-cat-9"}, cwd, home)
    assert found.target == "deployKey" and found.deployment is None  # the key decides
    key = found.deploy_key
    assert (key.kind, key.deployment_name, key.deployment_type) == ("deployment", "happy-otter-123", "prod")
    assert found.big_brain_token == ("deploymentKey", key.value)  # before the login token
    preview = parse_deploy_key("preview:acme:shop|abcdef123456", "CONVEX_DEPLOY_KEY")
    assert (preview.kind, preview.team_slug, preview.project_slug) == ("preview", "acme", "shop")
    project = parse_deploy_key("project:acme:shop|abcdef123456", "CONVEX_DEPLOY_KEY")
    assert project.kind == "project"
    assert parse_deploy_key("preview:calm-cat-9|abcdef123456", "x").kind == "deployment"  # a preview deployment
    assert parse_deploy_key("legacy-name-1|abcdef123456", "x").deployment_type == "prod"


def test_deploy_key_precedence_for_big_brain(cwd, home):
    login(home)
    preview = find({"CONVEX_DEPLOY_KEY": "preview:acme:shop|abcdef123456"}, cwd, home)
    assert preview.big_brain_token[0] == "accessToken"  # a preview key comes after the login token
    project = find({"CONVEX_DEPLOYMENT_TOKEN": "project:acme:shop|abcdef123456"}, cwd, home)
    assert project.big_brain_token[0] == "projectKey" and project.deploy_key.source == "CONVEX_DEPLOYMENT_TOKEN"
    override = find({"CONVEX_OVERRIDE_ACCESS_TOKEN": "tok-123456", "CONVEX_DEPLOY_KEY": PROD_KEY}, cwd, home)
    assert override.big_brain_token[0] == "accessToken"


def test_deploy_key_sentinels_and_errors(cwd, home):
    found = find({"CONVEX_DEPLOY_KEY": "<ignore_deploy_key>", "CONVEX_DEPLOYMENT": "prod:happy-otter-123"}, cwd, home)
    assert found.target == "deployment" and found.deploy_key is None
    with pytest.raises(CredentialsError) as caught:
        find({"CONVEX_DEPLOY_KEY": "<missing_deploy_key:Set CONVEX_DEPLOY_KEY in the CI secrets>"}, cwd, home)
    assert str(caught.value) == "Set CONVEX_DEPLOY_KEY in the CI secrets"
    with pytest.raises(CredentialsError) as caught:
        find({"CONVEX_DEPLOY_KEY": "not-a-key-but-a-secret"}, cwd, home)
    assert "not-a-key-but-a-secret" not in str(caught.value) + repr(caught.value)


def test_self_hosted(cwd, home):
    env = {
        "CONVEX_SELF_HOSTED_URL": "http://127.0.0.1:3210/",
        "CONVEX_SELF_HOSTED_ADMIN_KEY": "convex-self-hosted|0a1b",
    }
    found = find(env, cwd, home)
    assert found.target == "selfHosted" and found.self_hosted.url == "http://127.0.0.1:3210"
    assert found.self_hosted.admin_key.reveal() == "convex-self-hosted|0a1b"
    with pytest.raises(CredentialsError):
        find({**env, "CONVEX_DEPLOYMENT": "dev:calm-cat-9"}, cwd, home)
    with pytest.raises(CredentialsError):
        find({"CONVEX_SELF_HOSTED_URL": "http://x", "CONVEX_DEPLOYMENT": "dev:calm-cat-9"}, cwd, home)
    half = find({"CONVEX_SELF_HOSTED_URL": "http://x"}, cwd, home)
    assert half.target == "none" and "CONVEX_SELF_HOSTED_ADMIN_KEY" in half.warnings[0]


def test_env_files_fill_in_without_overriding(cwd, home):
    (cwd / ".env.local").write_text(
        "# Deployment used by `npx convex dev`\n"
        "CONVEX_DEPLOYMENT=dev:calm-cat-9 # team: acme, project: shop\n"
        "VITE_CONVEX_URL=https://calm-cat-9.convex.cloud\n"
    )
    (cwd / ".env").write_text("CONVEX_DEPLOYMENT=prod:from-dot-env-1\nCONVEX_SELF_HOSTED_ADMIN_KEY=\n")
    found = find({}, cwd, home)
    deployment = found.deployment
    assert found.target == "deployment" and deployment.name == "calm-cat-9" and deployment.deployment_type == "dev"
    assert (deployment.team_slug, deployment.project_slug) == ("acme", "shop")
    assert deployment.source == "CONVEX_DEPLOYMENT in .env.local"
    from_process = find({"CONVEX_DEPLOYMENT": "prod:happy-otter-123"}, cwd, home)
    assert from_process.deployment.name == "happy-otter-123" and from_process.deployment.team_slug is None
    (cwd / ".env.local").unlink()
    assert find({}, cwd, home).deployment.name == "from-dot-env-1"
    assert find({"CONVEX_DEPLOYMENT": "anonymous-agent"}, cwd, home).deployment.is_anonymous
    assert find({"CONVEX_DEPLOYMENT": "legacy-name"}, cwd, home).deployment.deployment_type is None


def test_explicit_url_and_key_skip_the_environment(cwd, home):
    (cwd / ".env.local").write_text(f"CONVEX_DEPLOY_KEY={PROD_KEY}\nCONVEX_OVERRIDE_ACCESS_TOKEN=ignored-123\n")
    login(home)
    found = find({}, cwd, home, url="http://127.0.0.1:3210", admin_key="local|abcdef")
    assert found.target == "explicit" and found.deploy_key is None
    assert found.self_hosted.source == "command line"
    assert found.access_token.value.reveal() == PAT  # big brain auth still comes from the login


def test_bad_login_file_is_a_warning(cwd, home):
    (home / ".convex").mkdir()
    (home / ".convex" / "config.json").write_text("{not json")
    found = find({}, cwd, home)
    assert found.target == "none" and "npx convex login" in found.warnings[0]


def test_no_secret_in_repr_or_description(cwd, home):
    login(home)
    env = {"CONVEX_SELF_HOSTED_URL": "http://h:1", "CONVEX_SELF_HOSTED_ADMIN_KEY": "convex-self-hosted|9f8e7d6c5b"}
    for found in (find(env, cwd, home), find({"CONVEX_DEPLOY_KEY": PROD_KEY}, cwd, home)):
        text = repr(found) + str(found) + "\n".join(found.describe())
        for secret in (PAT, "9f8e7d6c5b", "0123456789abcdef0123"):
            assert secret not in text
    assert "convex-self-hosted|***" in "\n".join(find(env, cwd, home).describe())


def test_dotenv_parsing():
    text = (
        "export A=1\n"
        "B = 'single # not a comment'\n"
        'C="line\\nbreak"\n'
        "D=value # comment\n"
        "E=\n"
        "# F=commented\n"
        "A=2\r\n"
        'G="multi\nline"\n'
    )
    assert parse_dotenv(text) == {
        "A": "2",
        "B": "single # not a comment",
        "C": "line\nbreak",
        "D": "value",
        "E": "",
        "G": "multi\nline",
    }
