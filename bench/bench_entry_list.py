"""The 报名汇总表 of N entries: `.venv/bin/python bench/bench_entry_list.py [N]` (default 10,000).

Writes Yanbian's list (its nine form columns and the system's) of N entries with 210-character
summaries, as ``services/intake/entry_list.write_list`` does for the download, and prints the wall
and CPU time, the file's size and the peak memory above the rows held (decision 0034); then the
baseline (docs/performance.md): bare openpyxl, write-only, writing the same rows' values (made
before its clock starts), and the ratio of the two wall times."""

import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from contracts.campaign import Campaign
from services.intake.entry_list import by_unit, list_header, list_row, write_list
from services.intake.presets import load_preset


def entry(i: int) -> dict[str, Any]:
    school = f"2224010{i % 100:02d}"
    form = {
        "name": f"教师{i}", "gender": "女", "occupation": "教师", "phone": "13904330001",
        "school": "延吉市第一小学", "title": f"红色故事{i}", "category": "英雄故事",
        "summary": "红色资源微视频" * 30, "recommender": "延吉市第一小学",
    }  # fmt: skip
    attribution = {
        "unit_code": school,
        "unit_name": "延吉市第一小学",
        "unit_path": ["22", "2224", "222401", school],
        "unit_path_names": ["吉林省", "延边朝鲜族自治州", "延吉市", "延吉市第一小学"],
    }
    return {"_id": f"S{i:06d}", "form": form, "group": "小学组", "stage": "in_review",
            "attribution": attribution, "created_at": datetime.now(UTC)}  # fmt: skip


def main(n: int) -> None:
    campaign = load_preset("yanbian-2024")
    subs = by_unit(entry(i) for i in range(n))
    held = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    wall, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "list.xlsx"
        write_list(out, campaign, "报名汇总表", subs)
        size = out.stat().st_size
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        bare = bare_seconds(Path(folder) / "bare.xlsx", campaign, subs)
    print(
        f"{n} entries: {wall:.2f} s wall, {cpu:.2f} s CPU, "
        f"{size / 1e6:.1f} MB, peak memory {(peak - held) / 1024:.0f} MiB above the rows held"
    )
    print(
        f"bare openpyxl (write-only, the same rows): {bare:.2f} s wall; ratio list / bare = {wall / bare:.2f}"
    )


def bare_seconds(out: Path, campaign: Campaign, subs: list[dict[str, Any]]) -> float:
    """The baseline: the same rows written by openpyxl alone, without the list's text cells and
    column widths."""
    rows: list[list[object]] = [["报名汇总表"], list(list_header(campaign))]
    rows += [list_row(campaign, n, sub) for n, sub in enumerate(subs, start=1)]
    started = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("报名汇总表")
    for row in rows:
        sheet.append(row)
    book.save(out)
    return time.perf_counter() - started


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
