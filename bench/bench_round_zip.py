"""Round ZIP bench: time and peak Python memory of streaming a chair's ZIP (services/review/bundle.py).

    .venv/bin/python bench/bench_round_zip.py [--entries 1000] [--work-mib 2]

Plans ``--entries`` entries, each a ``--work-mib`` work and a 48 KiB courseware PDF, and streams
the ZIP from a store that makes each blob's 1 MiB chunks on the fly (no disk, so the ZIP's own
cost is what is measured), with tracemalloc on. Numbers go to docs/performance.md ("The chair's
round ZIP"); nothing is asserted.
"""

import argparse
import asyncio
import time
import tracemalloc
from collections.abc import AsyncIterator
from typing import Any

from contracts import BlobRef
from services.review.bundle import EntryFiles, entry_files, index_sheet, zipped

CHUNK = b"x" * (1 << 20)


class MadeBlobs:
    def __init__(self, sizes: dict[str, int]) -> None:
        self.sizes = sizes

    async def stream(self, sha256: str) -> AsyncIterator[bytes]:
        left = self.sizes[sha256]
        while left > 0:
            n = min(left, len(CHUNK))
            left -= n
            yield CHUNK[:n]


def blob(i: int, size: int, media_type: str) -> dict[str, Any]:
    sha = f"{i:064x}"
    return BlobRef(uri=f"blob://sha256/{sha}", sha256=sha, size=size, media_type=media_type).model_dump()


def planned(count: int, work_bytes: int) -> tuple[list[EntryFiles], dict[str, int]]:
    entries, sizes = [], {}
    for n in range(1, count + 1):
        work, slides = blob(2 * n, work_bytes, "video/mp4"), blob(2 * n + 1, 48 << 10, "application/pdf")
        sizes[work["sha256"]], sizes[slides["sha256"]] = work["size"], slides["size"]
        doc = {
            "_id": f"S{n}",
            "entry": {"title": f"作品{n}", "group": "小学组"},
            "attribution": {"unit_name": "某校"},
            "renditions": [{"name": "master", "blob": work}],
            "materials": {"courseware": slides},
        }
        entries.append(entry_files(n, doc, {"outcome": "recommended", "score": "90", "rank": n}))
    return entries, sizes


async def main(count: int, work_mib: int) -> None:
    entries, sizes = planned(count, work_mib << 20)
    tracemalloc.start()
    started, total = time.perf_counter(), 0
    async for piece in zipped(MadeBlobs(sizes), index_sheet("bench", entries), entries):  # type: ignore[arg-type]
        total += len(piece)
    took = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    print(
        f"{count} entries, {total / 2**30:.2f} GiB ZIP in {took:.1f} s ({total / 2**20 / took:.0f} MiB/s), "
        f"peak traced memory {peak / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--work-mib", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.entries, args.work_mib))
