"""school_stats_1m: a school-wide per-item aggregate over 1,000,000 answers (PostgreSQL; budget ≤ 1 s).

The item statistics of issue 5 do not exist yet, so this times their core as a stand-in:
answers and share correct per item key across all classes of a school, one query
through the app's tables. ``python -m bench.seed`` generates the answers first.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlmodel import col

from app.classroom.models import Class, Pupil
from app.practice.models import Answer
from bench.common import Context, median, rounded
from bench.config import PROJECT_ROOT, STATS_ANSWERS, STATS_RUNS

NAMES = ["school_stats_1m"]


def item_statistics(school_id: int):  # noqa: ANN201 - a SQLAlchemy select
    """Per pack and item key: answers and share correct, over every class of the school."""
    return (
        select(
            col(Answer.pack_id),
            col(Answer.item_key),
            func.count().label("answers"),
            func.avg(cast(col(Answer.is_correct), Integer)).label("share_correct"),
        )
        .join(Pupil, col(Pupil.id) == col(Answer.pupil_id))
        .join(Class, col(Class.id) == col(Pupil.class_id))
        .where(col(Class.school_id) == school_id)
        .group_by(col(Answer.pack_id), col(Answer.item_key))
    )


def run(ctx: Context) -> dict[str, dict[str, Any]]:
    if ctx.dialect != "postgresql":
        return {
            "school_stats_1m": {
                "skipped": "PostgreSQL only: run with LUPE_DATABASE_URL=postgresql+psycopg://…",
                "ms": None,
            }
        }
    started = time.monotonic()
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.seed",
            "--answers",
            str(STATS_ANSWERS),
            "--database-url",
            ctx.settings.database_url,
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    seeded = json.loads(output.strip().splitlines()[-1])
    seed_seconds = time.monotonic() - started
    statement = item_statistics(seeded["school_id"])
    times, rows = [], 0
    with ctx.database.engine.connect() as connection:
        connection.execute(statement).all()  # warm the buffer cache once
        for _ in range(STATS_RUNS):
            began = time.perf_counter()
            rows = len(connection.execute(statement).all())
            times.append((time.perf_counter() - began) * 1000)
    return {
        "school_stats_1m": {
            "ms": rounded(median(times)),
            "runs_ms": [rounded(t) for t in times],
            "answers": seeded["answers"],
            "pupils": seeded["pupils"],
            "classes": seeded["classes"],
            "items": rows,
            "seed_seconds": round(seed_seconds, 1),
            "stand_in": "per-item answers and share correct across the school (issue 5's statistics do not exist yet)",
        }
    }
