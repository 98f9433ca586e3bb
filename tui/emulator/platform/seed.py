"""The demo world of `sandbox serve --seed demo` (and `--traffic`).

Two teams, both with the operator as a member:
- a Starter team (`maxCloudBackups` 2, no periodic backups): the data folder's first team when it
  already has a Starter one, else "Indie Studio";
- the Pro team "Acme Corp", with a daily schedule on its storefront and a weekly one on its tasks app.
Several projects, each with a prod and a dev deployment (the storefront also a preview one; the CRM is
in aws-eu-west-1; Analytics' prod is a dedicated deployment, class `d1024`), filled with the demo apps of
`tui.emulator.demo.seed` (thousands of documents, files, env vars).

Backups in every state: complete ones (some periodic, one kept at the Starter limit, some about to
expire), failed and canceled ones from the past, and a fresh one requested at the end that runs while
the app starts. Backups are made for real (exports and ZIPs) and then dated back, their snapshots with
them (`seed_dating`): a ZIP holds what existed at its listed time. The failed and canceled ones are
history rows.

Seeding is idempotent: the directory is get-or-create by slug and name, a deployment holding data is
not seeded again, and a deployment that has backups gets no demo backups; a kill part-way is finished
by the next `--seed demo` start.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.emulator.exports import state as exports
from tui.emulator.demo.seed import SeedError, seed_deployment
from tui.emulator.deployment.names import deployment_name
from tui.emulator.platform import bootstrap, directory, seed_dating
from tui.emulator.platform.backups import cloud_backups
from tui.emulator.platform.backups.periodic import next_run_ms, parse_cronspec
from tui.emulator.platform.store import insert

if TYPE_CHECKING:
    from tui.emulator.platform.service import Platform
    from tui.emulator.demo.traffic import TrafficGenerator

log = logging.getLogger(__name__)
HOUR_MS = 3600 * 1000
DAY_MS = 24 * HOUR_MS
SEEDED_META = "demo_seeded"
TRAFFIC_WRITES_PER_SECOND = 20.0
EU = "aws-eu-west-1"


@dataclass(frozen=True)
class DemoDeployment:
    team: str  # slug
    project: str  # slug
    project_name: str
    kind: str  # prod | dev | preview
    profile: str  # a profile of tui.emulator.demo.seed
    region: str = "aws-us-east-1"
    preview: str | None = None
    deployment_class: str = directory.DEFAULT_CLASS  # "d..." is a dedicated deployment (the dashboard's test)


STARTER_SLUG, STARTER_NAME = "indie-studio", "Indie Studio"
PRO_SLUG, PRO_NAME = "acme-corp", "Acme Corp"
STARTER = "@starter"  # placeholder for the Starter team's slug (an existing first team may be reused)

WORLD = (
    DemoDeployment(STARTER, "habit-tracker", "Habit Tracker", "prod", "tasks-prod"),
    DemoDeployment(STARTER, "habit-tracker", "Habit Tracker", "dev", "tasks-dev"),
    DemoDeployment(STARTER, "chat-widget", "Chat Widget", "prod", "chat-prod"),
    DemoDeployment(STARTER, "chat-widget", "Chat Widget", "dev", "chat-dev"),
    DemoDeployment(PRO_SLUG, "storefront", "Storefront", "prod", "shop-prod"),
    DemoDeployment(PRO_SLUG, "storefront", "Storefront", "dev", "shop-dev"),
    DemoDeployment(PRO_SLUG, "storefront", "Storefront", "preview", "shop-dev", preview="feature-checkout"),
    DemoDeployment(PRO_SLUG, "team-tasks", "Team Tasks", "prod", "tasks-prod"),
    DemoDeployment(PRO_SLUG, "team-tasks", "Team Tasks", "dev", "tasks-dev"),
    DemoDeployment(PRO_SLUG, "sales-crm", "Sales CRM", "prod", "crm-prod", region=EU),
    DemoDeployment(PRO_SLUG, "sales-crm", "Sales CRM", "dev", "crm-dev", region=EU),
    DemoDeployment(PRO_SLUG, "analytics", "Analytics", "prod", "chat-dev", deployment_class="d1024"),
    DemoDeployment(PRO_SLUG, "analytics", "Analytics", "dev", "chat-dev"),
)
SCHEDULES = {("storefront", "prod"): ("15 4 * * *", True), ("team-tasks", "prod"): ("30 2 * * 1", False)}


# -- the directory (before the deployments are opened) ------------------------------------------------


def _starter_slug(conn) -> str:
    first = conn.execute("SELECT slug, plan FROM teams ORDER BY id LIMIT 1").fetchone()
    return first["slug"] if first is not None and first["plan"] == "starter" else STARTER_SLUG


def seed_directory(platform: Platform) -> None:
    """Teams, projects and deployment rows (folders follow in bootstrap.ensure_deployments)."""
    store, clock = platform.store, platform.clock
    operator = bootstrap.ensure_operator(store, clock)
    now = clock.now_ms()
    rng = random.Random("demo-world")
    with store.write() as conn:
        starter = _starter_slug(conn)
        team_ids = {
            starter: directory.create_team(
                conn, name=STARTER_NAME, slug=starter, plan="starter", creator=operator, now_ms=now - 90 * DAY_MS
            ),
            PRO_SLUG: directory.create_team(
                conn, name=PRO_NAME, slug=PRO_SLUG, plan="pro", creator=operator, now_ms=now - 400 * DAY_MS
            ),
        }
        taken = {row["name"] for row in directory.all_deployments(conn)} | set(platform.folder.deployment_names())
        for index, spec in enumerate(WORLD):
            team_id = team_ids[starter if spec.team == STARTER else spec.team]
            project_id = directory.create_project(
                conn, team_id=team_id, name=spec.project_name, slug=spec.project, now_ms=now - (60 - index) * DAY_MS
            )
            if _demo_row(conn, project_id, spec) is not None:
                continue
            name = deployment_name(rng)
            while name in taken:
                name = deployment_name(rng)
            taken.add(name)
            directory.create_deployment(
                conn,
                project_id=project_id,
                name=name,
                deployment_type=spec.kind,
                region=spec.region,
                creator=operator,
                preview_identifier=spec.preview,
                now_ms=now - (59 - index) * DAY_MS,
                deployment_class=spec.deployment_class,
            )
        _schedules(conn, now)


def _demo_row(conn, project_id: int, spec: DemoDeployment) -> dict[str, Any] | None:
    for row in directory.deployments_of_project(conn, project_id):
        if row["deployment_type"] == spec.kind and row["preview_identifier"] == spec.preview:
            return row
    return None


def demo_deployments(platform: Platform) -> list[tuple[DemoDeployment, dict[str, Any]]]:
    """Each demo spec with its deployment row."""
    conn = platform.store.conn()
    starter = _starter_slug(conn)
    found = []
    for spec in WORLD:
        team = directory.team_by_slug(conn, starter if spec.team == STARTER else spec.team)
        project = directory.project_by_slug(conn, team["id"], spec.project) if team else None
        row = _demo_row(conn, project["id"], spec) if project else None
        if row is not None:
            found.append((spec, row))
    return found


def _schedules(conn, now: int) -> None:
    pro = directory.existing(directory.team_by_slug(conn, PRO_SLUG), f"team {PRO_SLUG}")
    for (project_slug, kind), (cron, storage) in SCHEDULES.items():
        project = directory.existing(directory.project_by_slug(conn, pro["id"], project_slug), project_slug)
        row = directory.existing(directory.default_deployment(conn, project["id"], kind), f"{project_slug} {kind}")
        spec, weekly = parse_cronspec(cron)
        conn.execute(
            "INSERT OR IGNORE INTO periodic_configs(deployment_id, cronspec, expiration_delta_secs, include_storage, "
            "next_run, create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                row["id"],
                spec,
                (14 if weekly else 7) * 86400,
                int(storage),
                next_run_ms(spec, now),
                now - 30 * DAY_MS,
                now - 30 * DAY_MS,
            ),
        )


# -- contents (the deployments are running) -------------------------------------------------------------


def seed_contents(platform: Platform) -> None:
    """Table data for every demo deployment, then its backups; marks the world seeded. A world seeded
    by an earlier start is left as it is."""
    if platform.store.get_meta(SEEDED_META):
        return
    started = time.monotonic()
    world = demo_deployments(platform)
    for index, (spec, row) in enumerate(world):
        deployment = platform.deployments[row["name"]]
        try:
            seed_deployment(deployment, profile=spec.profile, seed=index)
        except SeedError:
            pass  # seeded by an earlier start
    for spec, row in world:
        _seed_backups(platform, spec, row)
    with platform.store.write() as conn:
        platform.store.set_meta(conn, SEEDED_META, "1")
    _live_backup(platform, world)
    log.info("demo world seeded in %.1f s", time.monotonic() - started)


def _seed_backups(platform: Platform, spec: DemoDeployment, row: dict[str, Any]) -> None:
    if platform.store.one("SELECT 1 FROM cloud_backups WHERE deployment_id = ?", (row["id"],)):
        return
    now = platform.clock.now_ms()
    plan = {
        ("habit-tracker", "prod"): [("complete", 6 * DAY_MS + 21 * HOUR_MS, False), ("complete", 2 * DAY_MS, True)],
        ("habit-tracker", "dev"): [("failed", 3 * DAY_MS, False), ("canceled", 1 * DAY_MS, False)],
        ("chat-widget", "prod"): [("complete", 4 * DAY_MS, True)],
        ("storefront", "prod"): [
            ("periodic", 3 * DAY_MS, True),
            ("periodic", 2 * DAY_MS, True),
            ("periodic", 1 * DAY_MS, True),
            ("complete", 7 * DAY_MS - 40 * 60 * 1000, False),
            ("failed", 5 * DAY_MS, False),
            ("canceled", 4 * DAY_MS, True),
        ],
        ("storefront", "dev"): [("complete", 12 * HOUR_MS, False)],
        ("team-tasks", "prod"): [("periodic-weekly", 5 * DAY_MS, False)],
        ("sales-crm", "prod"): [("complete", 2 * DAY_MS, True), ("canceled", 6 * HOUR_MS, False)],
        ("analytics", "prod"): [("complete", 1 * DAY_MS + 3 * HOUR_MS, False)],
    }.get((spec.project, spec.kind), [])
    for state, age_ms, storage in sorted(plan, key=lambda p: -p[1]):
        requested = now - age_ms
        if state in ("failed", "canceled"):
            _history(platform, row, state, requested, storage)
        else:
            retention = 14 * DAY_MS if state == "periodic-weekly" else 7 * DAY_MS
            kind = "periodic" if state.startswith("periodic") else "manual"
            _real_backup(platform, row, kind, storage, requested, requested + retention)


def _history(platform: Platform, row: dict[str, Any], state: str, requested: int, storage: bool) -> None:
    with platform.store.write() as conn:
        insert(
            conn,
            "cloud_backups",
            {
                "deployment_id": row["id"],
                "kind": "manual",
                "state": state,
                "snapshot_id": None,
                "include_storage": int(storage),
                "requested_time": requested,
                "completed_time": None,
                "expiration_time": requested + 7 * DAY_MS,
                "deleted_time": None,
                "purged": 0,
                "failure": "The backup did not complete within a day of its request." if state == "failed" else None,
            },
        )


def _real_backup(
    platform: Platform, row: dict[str, Any], kind: str, storage: bool, requested: int, expiration: int
) -> None:
    """A backup made now through the real machinery, then dated back to `requested`."""
    now = platform.clock.now_ms()
    with platform.lock, platform.store.write() as conn:
        backup = cloud_backups.create(
            conn, row, kind=kind, include_storage=storage, now_ms=now, expiration_ms=now + 7 * DAY_MS
        )
    platform.tracker.poke(row["name"])
    deadline = time.monotonic() + 120
    while True:
        found = platform.store.one("SELECT state, snapshot_id FROM cloud_backups WHERE id = ?", (backup["id"],))
        assert found is not None  # demo backups are never deleted while they are made
        state, snapshot_id = found
        if state not in cloud_backups.PENDING or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if state != "complete":
        log.warning("demo backup of %s ended %s", row["name"], state)
        return
    deployment = platform.deployments[row["name"]]
    exports.set_expiration(deployment.db, snapshot_id, expiration * 1_000_000)
    # The snapshot is taken as the export starts, a moment after the request; the ZIP is then as of then.
    snapshot, completed = requested + 2_000, requested + 40_000 + (backup["id"] % 50) * 1000
    seed_dating.date_back(deployment, snapshot_id, snapshot, completed)
    with platform.store.write() as conn:
        conn.execute(
            "UPDATE cloud_backups SET requested_time = ?, completed_time = ?, expiration_time = ? WHERE id = ?",
            (requested, completed, expiration, backup["id"]),
        )


def _live_backup(platform: Platform, world: list[tuple[DemoDeployment, dict[str, Any]]]) -> None:
    """One backup requested as the freshly seeded sandbox opens, to watch it run."""
    for spec, row in world:
        if (spec.project, spec.kind) == ("team-tasks", "prod"):
            now = platform.clock.now_ms()
            try:
                with platform.lock, platform.store.write() as conn:
                    cloud_backups.create(
                        conn, row, kind="manual", include_storage=True, now_ms=now, expiration_ms=now + 7 * DAY_MS
                    )
            except Exception:  # the rules refuse it (a backup is running there): nothing to watch
                return
            platform.tracker.poke(row["name"])


def start_traffic(platform: Platform) -> TrafficGenerator:
    """Steady writes on the demo's prod deployments (production gets the load; dev and preview
    deployments stay quiet, so a restore into one of them can be checked against its backup)."""
    from tui.emulator.demo.traffic import TrafficGenerator

    names = [row["name"] for spec, row in demo_deployments(platform) if spec.kind == "prod"]
    deployments = [platform.deployments[name] for name in names if name in platform.deployments]
    return TrafficGenerator(deployments, writes_per_second=TRAFFIC_WRITES_PER_SECOND).start()
