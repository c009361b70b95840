"""Benchmark of the event path: `.venv/bin/python bench/bench_bus.py [--events N] [--lone K]`.

On one embedded Tansu + SecantusDB started here, the same N real ``SubmissionSubmitted`` events are
produced once to ``zhengji.submission.submitted.v1`` (6 partitions) and consumed five times, each by
its own consumer group, from the first message received to the last one done:

(a)  raw aiokafka, one at a time: ``getone()`` + ``json.loads`` + ``commit()`` per message;
(a2) raw aiokafka, batched: ``getmany()`` + ``json.loads`` each + one ``commit()`` per poll (the
     fastest at-least-once consumer: the baseline the batched stage is held against);
(b)  a zhengji stage one event at a time (``bus.subscribe`` + ``Consumer``, ZHENGJI_CONSUME_BATCH_MAX=1):
     parse, inbox lookup, attempt count, handler, ONE store transaction per event (inbox marker,
     one write, one outbox entry), offset commit; the outbox relay publishing alongside;
(c)  the same stage in batches, as services run it (``bus.subscribe_batches`` + ``BatchConsumer``):
     one transaction per run of events (all their markers, writes and outbox entries);
(c2) the same with the handler's write as ``Effect.bulk`` (the opt-in): a run's writes in one
     bulk write instead of a round trip each.

A stage is done when the broker has confirmed the last emitted event (the relay's publication),
so its rate covers consume, store, outbox and relay. Then K lone events, one at a time with pauses,
give the light-traffic latency of (b) and (c): from the produce call to the effect committed and to
the emitted event confirmed. Prints the rates, the ratios and the store round trips per event.
No thresholds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from aiokafka import AIOKafkaProducer
from bus_stage import CommandTimes, Stage, consume_raw, make_events, produce
from pymongo import monitoring

from contracts import TOPICS, dlq_topic
from services.common.log import configure_logging
from services.common.topic_admin import apply
from services.common.topic_plan import TopicSpec
from zhengji.embedded import EmbeddedServers

TOPIC = TOPICS["submitted"]
EMIT_TOPIC = TOPICS["validated"]
PARTITIONS = 6  # as the services' topics (ZHENGJI_KAFKA_PARTITIONS)


def lone_topic(name: str) -> str:
    return f"zhengji.bench.lone-{name}.v1"


STAGES = {  # name: (batched, the handler's write as a bulk write)
    "single": (False, False),
    "batched": (True, False),
    "bulk": (True, True),
}


async def run_stage(
    bootstrap: str, mongodb_uri: str, name: str, n: int, lone: int, commands: CommandTimes, most: int
) -> dict[str, object]:
    """One stage through the N events, then K lone ones; its timings and round trips."""
    batched, bulk = STAGES[name]
    stage = Stage(
        bootstrap, mongodb_uri, name, [TOPIC, lone_topic(name)], batched=batched, bulk=bulk, most=most
    )
    await stage.start()
    try:
        commands.reset()
        commands.enabled = True
        done = await stage.wait_published(n)
        commands.enabled = False
        trips = {k: (commands.count[k] / n, commands.seconds[k] / commands.count[k]) for k in commands.count}
        stored = max(stage.store.committed.values())
        latencies = await lone_events(bootstrap, stage, name, lone)
        return {"first": stage.first, "stored": stored, "done": done, "trips": trips, "lone": latencies}
    finally:
        commands.enabled = False
        await stage.stop()


async def lone_events(bootstrap: str, stage: Stage, name: str, k: int) -> list[tuple[float, float]]:
    """K events one at a time, 50-300 ms apart (a quiet hour): (to stored, to published) each, in s."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    found: list[tuple[float, float]] = []
    try:
        for event in make_events(k, prefix=f"L{name}"):
            await asyncio.sleep(random.uniform(0.05, 0.3))  # pacing: the consumer is idle when it comes
            sent = time.perf_counter()
            await producer.send_and_wait(lone_topic(name), event.model_dump_json().encode(), key=b"lone")
            await stage.wait_published(len(stage.published) + 1)
            eid = str(event.event_id)
            found.append((stage.store.committed[eid] - sent, stage.published[eid] - sent))
        return found
    finally:
        await producer.stop()


def rate(n: int, first: float, last: float) -> float:
    return n / (last - first)


def report_stage(label: str, n: int, z: dict[str, object]) -> float:
    first, stored, done = float(z["first"]), float(z["stored"]), float(z["done"])  # type: ignore[arg-type]
    stage_rate = rate(n, first, done)
    print(
        f"  {label} {stage_rate:8.0f} ev/s   ({done - first:.2f} s to the last emitted event confirmed; "
        f"last effect stored at {stored - first:.2f} s)"
    )
    trips: dict[str, tuple[float, float]] = z["trips"]  # type: ignore[assignment]
    per_event = sum(count for count, _ in trips.values())
    print(f"       store round trips per event: {per_event:.2f}")
    for name in sorted(trips, key=lambda k: -trips[k][0] * trips[k][1]):
        count, mean = trips[name]
        print(f"         {name:<40} {count:6.3f} x {mean * 1000:6.2f} ms = {count * mean * 1000:6.3f} ms")
    lone: list[tuple[float, float]] = z["lone"]  # type: ignore[assignment]
    if lone:
        stored_ms = sorted(s * 1000 for s, _ in lone)
        pub_ms = sorted(p * 1000 for _, p in lone)
        print(
            f"       {len(lone)} lone events, produce -> effect stored: median "
            f"{statistics.median(stored_ms):.0f} ms, max {stored_ms[-1]:.0f} ms; -> emitted event "
            f"confirmed: median {statistics.median(pub_ms):.0f} ms, max {pub_ms[-1]:.0f} ms"
        )
    return stage_rate


async def main(n: int, lone: int, most: int, stages: list[str]) -> None:
    configure_logging(json=False, level="WARNING")
    commands = CommandTimes()
    monitoring.register(commands)
    events = make_events(n)
    sizes = [len(e.model_dump_json()) for e in events]
    data_dir = Path(tempfile.mkdtemp(prefix="zhengji-bench-bus-"))
    servers = EmbeddedServers(data_dir)
    try:
        started = time.perf_counter()
        await servers.astart()
        boot = time.perf_counter() - started
        bootstrap = servers.kafka_bootstrap
        names = [TOPIC, EMIT_TOPIC, dlq_topic(TOPIC), dlq_topic(EMIT_TOPIC)]
        names += [lone_topic(stage) for stage in STAGES] + [dlq_topic(lone_topic(stage)) for stage in STAGES]
        await apply(bootstrap, [TopicSpec(t, PARTITIONS, 1) for t in names], create_only=True)
        print(
            f"bench_bus: {n} SubmissionSubmitted events, JSON {statistics.mean(sizes):.0f} B mean, "
            f"on {TOPIC} ({PARTITIONS} partitions); embedded Tansu + SecantusDB up in {boot:.1f} s"
        )
        produced = await produce(bootstrap, TOPIC, events)
        print(f"  produce (aiokafka, acks=all, pipelined)  {n / produced:8.0f} ev/s   ({produced:.2f} s)")

        first, last = await consume_raw(bootstrap, TOPIC, n, batched=False)
        raw = rate(n, first, last)
        print(f"  (a)  raw aiokafka, one at a time         {raw:8.0f} ev/s   ({last - first:.2f} s)")
        print("       getone() + json.loads + commit() per message; no store")
        first, last = await consume_raw(bootstrap, TOPIC, n, batched=True)
        raw_batched = rate(n, first, last)
        print(f"  (a2) raw aiokafka, batched               {raw_batched:8.0f} ev/s   ({last - first:.2f} s)")
        print("       getmany(max_records=500) + json.loads each + one commit() per poll; no store")

        uri = servers.mongodb_uri
        rates = {}
        for name, label in (
            ("single", "(b)  zhengji stage, one event at a time  "),
            ("batched", "(c)  zhengji stage, batched              "),
            ("bulk", "(c2) batched, the write as Effect.bulk    "),
        ):
            if name in stages:
                z = await run_stage(bootstrap, uri, name, n, lone, commands, most)
                rates[name] = report_stage(label, n, z)
        print(f"  ratios (stage / raw aiokafka one at a time; / raw batched), batches of at most {most}:")
        for name, measured in rates.items():
            times = f"   ({measured / rates['single']:.1f}x one at a time)" if "single" in rates else ""
            print(f"    {name:<8} {measured / raw:6.3f}   {measured / raw_batched:6.3f}{times}")
    finally:
        await servers.astop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--events", type=int, default=2000, help="how many events (default 2000)")
    parser.add_argument("--lone", type=int, default=20, help="lone events for the latency (default 20)")
    parser.add_argument("--batch-max", type=int, default=500, help="ZHENGJI_CONSUME_BATCH_MAX (default 500)")
    parser.add_argument("--stages", default=",".join(STAGES), help="which stages (default: all three)")
    args = parser.parse_args()
    start = time.perf_counter()
    asyncio.run(main(args.events, args.lone, args.batch_max, args.stages.split(",")))
    print(f"total bench time {time.perf_counter() - start:.1f} s")
