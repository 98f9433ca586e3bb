"""The demo apps the sandbox can hold: a project tracker (the default), a shop, a chat and a CRM.

Each flavour lists its tables in dependency order: a table references only tables listed before it (and
`_storage`). The seeder fills them in that order; the traffic generator deletes documents only from
tables nothing references (`Flavour.leaves`), so every reference keeps pointing at a live document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui.emulator.demo.maker import ABSENT, EMOJI, LAST_NAMES, LOCALES, Flavour, Maker, TableSpec

Make = Callable[[Maker], dict[str, Any]]


# -- shared shapes -----------------------------------------------------------------------------------
def _user(workspace_table: str | None) -> Make:
    def make(g: Maker) -> dict[str, Any]:
        name = g.person()
        notifications = {"email": g.chance(0.7), "push": g.chance(0.4), "digest": g.one(("daily", "weekly", None))}
        return {
            "name": name,
            "email": g.email(name),
            "workspace": g.pick(workspace_table) if workspace_table else ABSENT,
            "role": g.one(("owner", "admin", "member", "member", "guest")),
            "karma": g.int(-50, 2**40),
            "avatar": g.file("image") if g.chance(0.5) else ABSENT,
            "avatarHash": g.blob(8),
            "lastSeenAt": g.maybe(0.8, lambda: g.later(30)),
            "locale": g.one(LOCALES),
            "prefs": {"theme": g.one(("dark", "light", "system")), "notifications": notifications},
        }

    return make


def _event(actor_table: str, target_table: str, actions: tuple[str, ...]) -> Make:
    def make(g: Maker) -> dict[str, Any]:
        return {
            "action": g.one(actions),
            "actor": g.maybe(0.9, lambda: g.pick(actor_table)),
            "target": g.pick(target_table),
            "seq": g.int(2**53, 2**62),  # an Int64 beyond JavaScript's exact range
            "traceId": g.blob(16),
            "durationMs": g.measure(),
            "ok": g.chance(0.97),
            "context": {
                "ip": f"192.0.2.{g.int(1, 254)}",
                "userAgent": g.one(("Mozilla/5.0", "convex-js/1.17", "curl/8.5")),
                "tags": g.some(("api", "web", "cron", "webhook", "mobile"), 0, 2),
            },
        }

    return make


# -- tasks: the default "demo" app, a project tracker with billing ------------------------------------
_VERBS = ("Fix", "Add", "Refactor", "Migrate", "Document", "Investigate", "Speed up", "Localize", "Remove")
_NOUNS = (
    "login redirect",
    "billing page",
    "CSV export",
    "search index",
    "dark mode",
    "onboarding emails",
    "rate limiter",
    "webhook retries",
    "mobile navbar",
    "audit log",
    "file uploads",
    "i18n 日本語",
    "émoji picker 🎉",
    "Straße parsing",
    "nightly backup",
)


def _workspace(g: Maker) -> dict[str, Any]:
    return {
        "name": g.company(),
        "plan": g.one(("free", "pro", "enterprise")),
        "seats": g.int(3, 250),
        "logo": g.file("image"),
        "settings": {"weekStartsOn": g.int(0, 1), "features": g.some(("sso", "audit", "ai", "gantt"), 0, 3)},
    }


def _project(g: Maker) -> dict[str, Any]:
    return {
        "workspace": g.pick("workspaces"),
        "name": f"{g.one(_NOUNS).title()} {g.one(('v2', '2025', 'Q3', 'β'))}",
        "key": "".join(g.rng.choices("ABCDEFGHKMNPRSTW", k=3)),
        "lead": g.pick("users"),
        "status": g.one(("active", "active", "paused", "done")),
        "progress": g.one((0.0, 0.25, 0.5, 1.0, round(g.rng.random(), 4))),
        "budget": {"amountCents": g.int(10**5, 10**9), "currency": g.one(("EUR", "USD", "JPY"))},
        "archived": g.maybe(0.1, lambda: True),
        "color": f"#{g.int(0, 0xFFFFFF):06x}",
    }


def _task(g: Maker) -> dict[str, Any]:
    return {
        "project": g.pick("projects"),
        "number": g.int(1, 5000),
        "title": f"{g.one(_VERBS)} {g.one(_NOUNS)}",
        "description": g.maybe(0.7, lambda: g.text(8, 40)),
        "status": g.one(("todo", "doing", "review", "done")),
        "priority": g.int(0, 4),
        "assignee": g.maybe(0.8, lambda: g.pick("users")),
        "reporter": g.pick("users"),
        "labels": g.some(("bug", "feature", "ux", "infra", "💡 idea"), 0, 3),
        "estimateHours": float(g.int(1, 13)),  # integral Float64
        "dueAt": g.maybe(0.4, lambda: g.later(30)),
        "watchers": g.picks("users", 0, 4),
        "checklist": [{"text": g.text(2, 5), "done": g.chance(0.5)} for _ in range(g.int(0, 4))],
        "attachments": g.maybe(0.1, lambda: g.files(None, 1, 2)),
        "metrics": {"timeSpentMs": g.int(0, 10**8), "velocity": g.measure()},
    }


def _comment(g: Maker) -> dict[str, Any]:
    return {
        "task": g.pick("tasks"),
        "author": g.pick("users"),
        "body": g.text(3, 30),
        "mentions": g.picks("users", 0, 2),
        "reactions": [{"emoji": g.one(EMOJI), "count": g.int(1, 9)} for _ in range(g.int(0, 3))],
        "editedAt": g.maybe(0.15, lambda: g.later(2)),
    }


def _invoice(g: Maker) -> dict[str, Any]:
    lines = [
        {"description": g.one(_NOUNS), "quantity": g.int(1, 20), "unitPriceCents": g.int(500, 50_000)}
        for _ in range(g.int(1, 5))
    ]
    return {
        "workspace": g.pick("workspaces"),
        "number": f"INV-{g.int(2024, 2025)}-{g.int(1, 9999):04d}",
        "lines": lines,
        "totalCents": sum(line["quantity"] * line["unitPriceCents"] for line in lines),
        "taxRate": g.one((0.2, 0.19, 0.1, 0.0)),
        "currency": g.one(("EUR", "USD")),
        "status": g.one(("draft", "open", "paid", "void")),
        "paidAt": g.maybe(0.5, lambda: g.later(20)),
        "receipt": g.maybe(0.3, lambda: g.file("json")),
    }


TASKS = Flavour(
    "tasks",
    "Acme Tasks",
    (
        TableSpec("workspaces", 8, ("_storage",), _workspace),
        TableSpec("users", 240, ("workspaces", "_storage"), _user("workspaces")),
        TableSpec("projects", 48, ("workspaces", "users"), _project),
        TableSpec("tasks", 2600, ("projects", "users", "_storage"), _task),
        TableSpec("comments", 2400, ("tasks", "users"), _comment),
        TableSpec("invoices", 180, ("workspaces", "_storage"), _invoice),
        TableSpec("events", 1500, ("users", "tasks"), _event("users", "tasks", ("task.created", "task.moved"))),
    ),
    {"MAX_UPLOAD_MB": "25"},
)


# -- shop --------------------------------------------------------------------------------------------
_PRODUCTS = (
    "Café Crème Mug",
    "抹茶 Matcha Tin",
    "Jalapeño Sauce 🌶️",
    "Linen Tote",
    "Smørrebrød Board",
    "Crème Brûlée Torch",
    "Kimchi Jar 김치",
    "Espresso Beans",
    "Wool Socks",
    "Ceramic Teapot",
)


def _customer(g: Maker) -> dict[str, Any]:
    name = g.person()
    return {
        "name": name,
        "email": g.email(name),
        "address": g.address(),
        "loyaltyPoints": g.int(0, 50_000),
        "marketingOptIn": g.chance(0.4),
        "phone": g.maybe(0.6, g.phone),
        "avatar": g.maybe(0.2, lambda: g.file("image")),
    }


def _product(g: Maker) -> dict[str, Any]:
    return {
        "title": g.one(_PRODUCTS),
        "sku": f"SKU-{g.int(10**5, 10**6)}",
        "priceCents": g.int(199, 19_999),
        "weightKg": g.one((0.25, 0.5, 1.0, 2.0)),
        "stock": g.int(0, 900),
        "rating": g.one((3.0, 4.0, 4.5, 5.0)),
        "images": g.files("image", 1, 3),
        "attributes": {"color": g.one(("red", "sand", "noir", "blau")), "size": g.one(("S", "M", "L"))},
        "tags": g.some(("new", "sale", "gift", "eco"), 0, 2),
        "checksum": g.blob(12),
    }


def _order(g: Maker) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {"product": g.pick("products"), "quantity": g.int(1, 4), "unitPriceCents": g.int(199, 19_999)}
        for _ in range(g.int(1, 4))
    ]
    return {
        "customer": g.pick("customers"),
        "items": items,
        "totalCents": sum(item["quantity"] * item["unitPriceCents"] for item in items),
        "status": g.one(("pending", "paid", "shipped", "delivered", "refunded")),
        "taxRate": g.one((0.2, 0.07, 0.0)),
        "shipping": {
            "carrier": g.one(("DHL", "UPS", "La Poste", "ヤマト")),
            "tracking": f"TRK{g.int(10**9, 10**10)}",
            "address": g.address(),
        },
        "discountCode": g.maybe(0.15, lambda: g.one(("WELCOME10", "ÉTÉ25"))),
    }


def _review(g: Maker) -> dict[str, Any]:
    return {
        "product": g.pick("products"),
        "customer": g.pick("customers"),
        "stars": g.int(1, 5),
        "body": g.text(5, 40),
        "helpfulVotes": g.int(0, 120),
        "photos": g.maybe(0.1, lambda: g.files("image", 1, 2)),
    }


def _cart(g: Maker) -> dict[str, Any]:
    return {
        "customer": g.pick("customers"),
        "items": [{"product": g.pick("products"), "quantity": g.int(1, 3)} for _ in range(g.int(0, 5))],
        "abandoned": g.chance(0.3),
        "updatedAt": g.later(3),
    }


SHOP = Flavour(
    "shop",
    "Corner Shop",
    (
        TableSpec("customers", 900, ("_storage",), _customer),
        TableSpec("products", 220, ("_storage",), _product),
        TableSpec("orders", 2400, ("customers", "products"), _order),
        TableSpec("reviews", 1300, ("products", "customers", "_storage"), _review),
        TableSpec("carts", 350, ("customers", "products"), _cart),
        TableSpec(
            "events", 2200, ("customers", "products"), _event("customers", "products", ("page.view", "cart.add"))
        ),
    ),
    {"CURRENCY": "EUR", "TAX_REGION": "EU"},
)


# -- chat --------------------------------------------------------------------------------------------
def _channel(g: Maker) -> dict[str, Any]:
    name = g.one(("général", "random", "dev", "design", "東京-office", "support", "🎉-wins"))
    return {
        "name": f"#{name}-{g.int(1, 99)}",
        "topic": g.maybe(0.6, lambda: g.text(3, 12)),
        "private": g.chance(0.2),
        "createdBy": g.pick("users"),
        "members": g.picks("users", 2, 12),
        "settings": {"slowModeSeconds": g.int(0, 30), "retentionDays": g.one((30, 365, 3650))},
    }


def _message(g: Maker) -> dict[str, Any]:
    return {
        "channel": g.pick("channels"),
        "author": g.pick("users"),
        "body": g.text(1, 35),
        "mentions": g.picks("users", 0, 2),
        "attachments": g.maybe(0.05, lambda: g.files(None, 1, 2)),
        "editedAt": g.maybe(0.1, lambda: g.later(1)),
        "sentiment": g.measure(),
        "clientNonce": g.blob(10),
    }


def _reaction(g: Maker) -> dict[str, Any]:
    return {"message": g.pick("messages"), "user": g.pick("users"), "emoji": g.one(EMOJI)}


def _read_state(g: Maker) -> dict[str, Any]:
    return {"channel": g.pick("channels"), "user": g.pick("users"), "lastReadAt": g.later(5), "unread": g.int(0, 400)}


CHAT = Flavour(
    "chat",
    "Chatterbox",
    (
        TableSpec("users", 350, ("_storage",), _user(None)),
        TableSpec("channels", 45, ("users",), _channel),
        TableSpec("messages", 4800, ("channels", "users", "_storage"), _message),
        TableSpec("reactions", 1800, ("messages", "users"), _reaction),
        TableSpec("readStates", 600, ("channels", "users"), _read_state),
    ),
    {"MESSAGE_RETENTION_DAYS": "365"},
)


# -- crm ---------------------------------------------------------------------------------------------
def _account(g: Maker) -> dict[str, Any]:
    return {
        "name": g.company(),
        "domain": f"{g.one(LAST_NAMES).lower().replace(' ', '')}.example",
        "industry": g.one(("retail", "saas", "food", "logistics")),
        "employees": g.int(2, 200_000),
        "annualRevenue": g.measure() * 1e5,
        "owner": g.pick("users"),
        "address": g.address(),
        "tags": g.some(("key", "churn-risk", "partner", "🇪🇺"), 0, 2),
        "logo": g.maybe(0.3, lambda: g.file("image")),
    }


def _contact(g: Maker) -> dict[str, Any]:
    name = g.person()
    return {
        "account": g.pick("accounts"),
        "name": name,
        "email": g.email(name),
        "title": g.one(("CTO", "Head of Ops", "Buyer", "CEO", "Directrice générale")),
        "phone": g.maybe(0.5, g.phone),
        "lastContactedAt": g.maybe(0.7, lambda: g.later(14)),
        "consent": {"email": g.chance(0.8), "phone": g.chance(0.3), "recordedAt": g.now_ms},
    }


def _deal(g: Maker) -> dict[str, Any]:
    return {
        "account": g.pick("accounts"),
        "owner": g.pick("users"),
        "contacts": g.picks("contacts", 1, 3),
        "stage": g.one(("lead", "qualified", "proposal", "won", "lost")),
        "amountCents": g.int(10**5, 10**10),
        "probability": g.one((0.1, 0.5, 0.9, 1.0, 0.0)),
        "closeDate": g.later(90),
        "lineItems": [{"sku": f"PLAN-{g.one('SMLX')}", "seats": g.int(1, 500)} for _ in range(g.int(1, 3))],
    }


def _activity(g: Maker) -> dict[str, Any]:
    return {
        "deal": g.maybe(0.7, lambda: g.pick("deals")),
        "contact": g.pick("contacts"),
        "user": g.pick("users"),
        "kind": g.one(("call", "email", "meeting", "demo")),
        "notes": g.text(4, 50),
        "durationMinutes": g.int(0, 120),
        "sentiment": g.measure(),
        "transcript": g.maybe(0.05, lambda: g.file("text")),
    }


def _note(g: Maker) -> dict[str, Any]:
    return {"account": g.pick("accounts"), "author": g.pick("users"), "body": g.text(10, 80), "pinned": g.chance(0.1)}


CRM = Flavour(
    "crm",
    "Pipeline CRM",
    (
        TableSpec("users", 30, ("_storage",), _user(None)),
        TableSpec("accounts", 420, ("users", "_storage"), _account),
        TableSpec("contacts", 1600, ("accounts",), _contact),
        TableSpec("deals", 700, ("accounts", "users", "contacts"), _deal),
        TableSpec("activities", 2800, ("deals", "contacts", "users", "_storage"), _activity),
        TableSpec("notes", 900, ("accounts", "users"), _note),
    ),
    {"PIPELINE_STAGES": "lead,qualified,proposal,won,lost"},
)

FLAVOURS = {flavour.name: flavour for flavour in (TASKS, SHOP, CHAT, CRM)}


def detect_flavour(table_names: set[str] | frozenset[str]) -> Flavour | None:
    """The flavour whose tables a deployment has most of (at least three of them), else None."""
    score, flavour = max(
        ((len(table_names & {t.name for t in f.tables}), f) for f in FLAVOURS.values()), key=lambda s: s[0]
    )
    return flavour if score >= 3 else None
