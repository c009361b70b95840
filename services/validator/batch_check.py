"""Many files at once: ``zhengji validate FOLDER`` (a unit admin's USB stick of forty entries).

Every file under the folders given is checked in one process, ``jobs`` at a time (ffprobe and
ffmpeg run as child processes, so asyncio is the worker pool). A file that is not media, cannot
be opened or cannot be checked is one outcome among the others, never the end of the run.
"""

import asyncio
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from contracts.campaign import Campaign, Material
from contracts.events import Finding, Severity
from services.validator.selfcheck import SelfCheckResult, self_check

# Outcome of one file: key -> (Chinese, English), in the order a summary counts them.
VERDICTS: dict[str, tuple[str, str]] = {
    "passed": ("通过", "passed"),
    "failed": ("未通过", "failed"),
    "not_media": ("不是可读的音视频文件", "not readable audio or video"),
    "unreadable": ("无法打开", "cannot be opened"),
    "error": ("未能检测", "the check could not run"),
}
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class FileOutcome:
    path: Path
    shown: str  # as the report names it: relative to the folder it was found in
    verdict: str  # a key of VERDICTS
    result: SelfCheckResult | None = None  # None: the file could not even be opened
    reason: tuple[str, str] | None = None  # why it could not be opened or checked

    @property
    def findings(self) -> list[Finding]:
        return self.result.findings if self.result is not None else []

    @property
    def top(self) -> Finding | None:
        """The finding a summary shows: the first error, else the first warning, else a note."""
        ranked = sorted(self.findings, key=lambda f: _ORDER[f.severity])  # stable: report order kept
        return ranked[0] if ranked else None

    @property
    def headline(self) -> tuple[str, str]:
        """One line on what to do (the top finding says how to fix it), Chinese and English."""
        if self.reason is not None:
            return self.reason
        top = self.top
        return (top.message_zh, top.message_en) if top is not None else ("", "")


def files_in(paths: Sequence[Path]) -> list[tuple[Path, str]]:
    """Each file given, and every file under each folder given (hidden files are skipped: a
    stick's .DS_Store and ._ copies are not entries), with the name the report shows."""
    found: list[tuple[Path, str]] = []
    for given in paths:
        if not given.is_dir():
            found.append((given, given.name if given.is_absolute() else str(given)))
            continue
        for folder, dirs, names in os.walk(given):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(n for n in names if not n.startswith(".")):
                path = Path(folder) / name
                found.append((path, str(path.relative_to(given))))
    return found


def _opens(path: Path) -> tuple[str, str] | None:
    """None when the file can be read; otherwise why not, as a teacher would be told."""
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            return ("这是文件夹，不是文件", "This is a folder, not a file")
        if not stat.S_ISREG(mode):  # opening a pipe or a device would wait for ever
            return (
                "不是普通文件（可能是设备或管道）",
                "This is not a regular file (perhaps a device or a pipe)",
            )
        with path.open("rb") as f:
            f.read(1)
    except FileNotFoundError:
        return (
            "文件不存在或已被移走（可能是失效的快捷方式）",
            "The file does not exist (perhaps a broken link)",
        )
    except OSError as exc:
        return (
            f"无法打开文件（{exc.strerror or '读取失败'}）：请检查文件权限或重新拷贝",
            f"The file cannot be opened ({exc.strerror or 'read failed'}): check its permissions "
            "or copy it again",
        )
    return None


def _verdict(result: SelfCheckResult) -> str:
    if result.tool_error is not None:
        return "error"
    if result.probe is None and any(f.rule_id == "file.readable" for f in result.findings):
        return "not_media"
    return "passed" if result.passed else "failed"


async def check_files(
    files: Sequence[tuple[Path, str]],
    campaign: Campaign,
    *,
    material: Material | None = None,
    quality: bool = True,
    jobs: int = 1,
    on_done: Callable[[FileOutcome], None] | None = None,
) -> list[FileOutcome]:
    """Every file's outcome, in the order given; ``on_done`` hears of each as it finishes."""
    slots = asyncio.Semaphore(max(1, jobs))

    async def one(path: Path, shown: str) -> FileOutcome:
        async with slots:
            reason = await asyncio.to_thread(_opens, path)
            if reason is not None:
                outcome = FileOutcome(path, shown, "unreadable", reason=reason)
            else:
                result = await self_check(path, campaign, None, material=material, quality=quality)
                error = (result.tool_error, result.tool_error) if result.tool_error else None
                outcome = FileOutcome(path, shown, _verdict(result), result, reason=error)
        if on_done is not None:
            on_done(outcome)
        return outcome

    return list(await asyncio.gather(*(one(path, shown) for path, shown in files)))


def exit_code_of(outcomes: Sequence[FileOutcome]) -> int:
    """0 every file passed, 1 some file needs fixing, 2 some check could not run."""
    if any(o.verdict == "error" for o in outcomes):
        return 2
    return 0 if all(o.verdict == "passed" for o in outcomes) else 1
