"""Deployment names in Convex's `<adjective>-<animal>-<number>` shape."""

from __future__ import annotations

import random

ADJECTIVES = (
    "brave",
    "calm",
    "clever",
    "eager",
    "gentle",
    "happy",
    "jolly",
    "keen",
    "lively",
    "merry",
    "nimble",
    "playful",
    "quiet",
    "rapid",
    "silent",
    "steady",
    "tall",
    "witty",
    "bold",
    "fancy",
)
ANIMALS = (
    "otter",
    "sheep",
    "falcon",
    "badger",
    "heron",
    "lynx",
    "panda",
    "raven",
    "salmon",
    "tiger",
    "walrus",
    "zebra",
    "beaver",
    "camel",
    "dolphin",
    "ferret",
    "gecko",
    "koala",
    "marmot",
    "quail",
)


def deployment_name(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    return f"{rng.choice(ADJECTIVES)}-{rng.choice(ANIMALS)}-{rng.randint(100, 999)}"
