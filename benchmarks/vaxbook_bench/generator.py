"""A load-generator process: its share of the people, on its own event loop (uvloop).

Several such processes run side by side, because one Python process cannot make enough
requests to load a server that uses both cores. Each reports its own CPU time.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized

import uvloop

from vaxbook_bench.citizen import Citizen, Person, Session, journey
from vaxbook_bench.lean_http import LeanClient
from vaxbook_bench.population import citizen, group_birth_dates
from vaxbook_bench.tally import Tally


@dataclass(frozen=True)
class WorkerPlan:
    mode: str  # journey | booking | status
    base_url: str
    first_index: int
    people: int
    connections: int  # HTTP requests this process keeps in flight at most
    ramp_seconds: float  # 0: everyone at the opening instant
    max_seconds: float  # the process stops by itself after this
    group: int
    run: str
    secret: str  # booking and status modes sign credentials as the server would
    line_id: str
    slot_ids: tuple[int, ...]  # booking mode picks among these
    status_seconds: float  # status mode polls for this long


def worker_main(plan: WorkerPlan, finished: Synchronized[int], results: Queue[Tally]) -> None:
    """Process entry point: run the plan, then hand back the tally."""
    began = time.process_time()
    tally = uvloop.run(_run(plan, finished))
    tally.cpu_seconds = time.process_time() - began
    results.put(tally)


async def _run(plan: WorkerPlan, finished: Synchronized[int]) -> Tally:
    from vaxbook_bench import modes  # noqa: PLC0415  # imports the token signer only in this process

    tally = Tally()
    deadline = time.monotonic() + plan.max_seconds
    births = group_birth_dates(plan.group)
    people = [citizen(plan.first_index + i, births, plan.run) for i in range(plan.people)]
    person: Person = journey
    if plan.mode == "booking":
        person = modes.booking_only(plan.secret, plan.line_id, plan.group, plan.slot_ids)
    elif plan.mode == "status":
        person = modes.status_only(plan.secret, plan.status_seconds)
    # A request waits for one of `connections` keep-alive connections; each has 60 s to be answered.
    http = LeanClient(plan.base_url, plan.connections, timeout=60.0)
    try:
        session = Session(http, tally, deadline)
        tally.first_start = time.time()
        started = time.monotonic()

        # Booking and status modes are closed loops, `connections` people at a time, so a
        # request's latency is the server's, not time spent queueing inside the generator.
        at_once = asyncio.Semaphore(plan.connections if plan.mode != "journey" else plan.people)

        async def one(index: int, who: Citizen) -> None:
            if plan.ramp_seconds:
                await asyncio.sleep(
                    max(started + plan.ramp_seconds * index / plan.people - time.monotonic(), 0)
                )
            async with at_once:
                await person(session, who, random.Random(plan.first_index + index))
            with finished.get_lock():
                finished.value += 1

        await asyncio.gather(*(one(i, who) for i, who in enumerate(people)))
    finally:
        await http.close()
    if tally.last_done is None:
        tally.last_done = time.time()
    return tally
