"""A whole class (and more) answering in the same instant: every answer is stored, nothing stalls.

This once deadlocked: each waiting request held a pooled connection that the answer writer
needed. The timeout below is a liveness check (a deadlock waits for the 30 s pool timeout),
not a speed budget; speed is measured by `make bench`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
from sqlalchemy import func, select

from app.classroom.models import Class
from app.classroom.services import join
from app.practice.models import Answer
from tests.conftest import create_class, open_pack, set_up_school


def test_sixty_pupils_answering_at_once(client: Any, app: Any) -> None:
    set_up_school(client)
    class_id, _ = create_class(client)
    pack_id = open_pack(client, class_id)
    lupe = app.state.lupe
    cookies = []
    with lupe.db.writing() as db:
        school_class = db.get(Class, class_id)
        for number in range(60):
            pupil, _ = join(db, school_class, f"Pupil {number}")
            cookies.append(lupe.cookies.start(db, pupil_id=pupil.id))

    async def burst() -> list[int]:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as http:

            async def answer(cookie: str) -> int:
                response = await http.post(
                    f"/play/{pack_id}/items/zocken-iq",
                    data={"choice": "Fake", "attempt": "1"},
                    headers={"Cookie": f"lupe_session={cookie}", "HX-Request": "true"},
                )
                return response.status_code

            return await asyncio.wait_for(asyncio.gather(*(answer(c) for c in cookies)), timeout=25)

    assert asyncio.run(burst()) == [200] * 60
    with lupe.db.read_session() as db:
        assert db.execute(select(func.count()).select_from(Answer)).scalar_one() == 60
