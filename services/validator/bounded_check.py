"""The checks of documents, images, text and quiz sets, run in a child process with hard limits.

Those checks parse untrusted files in Python (ZIP directories, sheet XML, PDF object streams). A
hostile file (a sheet declaring a million rows of 16,384 columns, a ZIP bomb, a mangled PDF) must
cost a bounded amount and end in a finding, never stall or kill the validator, which serves every
campaign. So each material is checked by ``python -m services.validator.bounded_check`` through the
media tools' runner (``services.media.process.run``): its own process group killed at the wall-clock
limit, RLIMIT_AS and RLIMIT_CPU, PDEATHSIG. The child gets the material as JSON and the paths as
arguments and prints the findings as JSON. Exit codes: 0 findings printed; ``FILE_FAULT`` the check
raised on the file (a finding, the file's fault, with the kind of fault printed so the entrant reads
what to fix); anything else (an import error) is ours.
"""

import json
import sys
from pathlib import Path

from pydantic import TypeAdapter

from contracts.campaign import Material, WorkKind
from contracts.events import Finding
from services.media.ffprobe import over_limits
from services.media.process import ToolMissing, ToolTimedOut, run
from services.validator.images import check_images
from services.validator.kind_finding import Subject
from services.validator.kinds import check_material, subject_of

# A parse needs tens of MiB; the interpreter, pydantic and openpyxl take ~200 MiB of address space.
ADDRESS_SPACE_LIMIT = 1024**3
FILE_FAULT = 3
_FINDINGS = TypeAdapter(list[Finding])


# Why a file broke its parser, in words the entrant can act on. The kinds are what the fuzz runs
# found the parsers raise (docs/performance.md, "Fuzz"): zipfile's unknown compression methods and
# member names flagged UTF-8 that are not, damaged deflate streams, encrypted members.
FAULTS = {
    "damaged": ("文件结构异常，可能已损坏或不完整", "the file is malformed; it may be damaged or incomplete"),
    "compression": (
        "文件使用了无法读取的压缩方式",
        "the file is compressed with a method that cannot be read",
    ),
    "encrypted": ("文件已加密或设置了密码", "the file is encrypted or protected by a password"),
    "encoding": (
        "文件中的文字编码无法识别（如压缩包内的文件名）",
        "text in the file (such as a file name inside the package) is in an unreadable encoding",
    ),
    "limits": (
        "读取文件超出资源限制（内存或计算时间），文件可能过大或结构异常",
        "reading the file exceeded the resource limits (memory or CPU time); "
        "it may be too large or malformed",
    ),
}


def fault_of(exc: Exception) -> str:
    """Which of ``FAULTS`` an exception raised while parsing a file stands for."""
    text = str(exc).lower()
    if "encrypt" in text or "password" in text:  # zipfile: RuntimeError or NotImplementedError
        return "encrypted"
    if isinstance(exc, NotImplementedError):  # zipfile: "That compression method is not supported"
        return "compression"
    if isinstance(exc, UnicodeError):
        return "encoding"
    return "damaged"  # BadZipFile, zlib.error, IndexError in a mangled structure, ...


class CheckUnavailable(Exception):
    """The child could not run at all: an operator problem, not the entrant's file."""


def _unreadable(who: Subject, zh: str, en: str) -> Finding:
    return who.finding(
        f"{who.kind}.readable",
        "可以在限定时间内读取的文件",
        "无法读取",
        f"{zh}：请重新导出（如用Office“另存为”）后上传",
        f"{en}: export it again (e.g. Save As in Office) and upload it",
    )


async def check_material_bounded(
    paths: list[Path], material: Material, timeout_s: float, python_bin: str = sys.executable
) -> list[Finding]:
    """Findings for the files of one non-media material; raises CheckUnavailable when the child cannot run."""
    argv = [
        python_bin,
        "-m",
        "services.validator.bounded_check",
        material.model_dump_json(),
        *map(str, paths),
    ]
    who = subject_of(material)
    try:
        done = await run(argv, timeout_s, address_space=ADDRESS_SPACE_LIMIT)
    except ToolMissing as exc:
        raise CheckUnavailable(str(exc)) from exc
    except ToolTimedOut:
        return [
            _unreadable(
                who,
                f"文件无法在限定时间内读取（{timeout_s:g}秒），可能已损坏或结构异常",
                f"the file cannot be read within the time limit ({timeout_s:g} s); "
                "it may be damaged or malformed",
            )
        ]
    if over_limits(done) or done.returncode == FILE_FAULT:
        return [_unreadable(who, *FAULTS[_fault_printed(done.stdout) if not over_limits(done) else "limits"])]
    if done.returncode != 0:
        raise CheckUnavailable(done.stderr.decode(errors="replace").strip()[-500:])
    return _FINDINGS.validate_json(done.stdout)


def _fault_printed(stdout: bytes) -> str:
    try:
        fault = json.loads(stdout)["fault"]
    except (ValueError, TypeError, KeyError):  # the child died mid-print: say what is sure
        return "damaged"
    return fault if fault in FAULTS else "damaged"


def _check(paths: list[Path], material: Material) -> list[Finding]:
    if material.kind is WorkKind.IMAGES and len(paths) > 1:
        return check_images(paths, material.images, subject_of(material))
    return [finding for path in paths for finding in check_material(path, material)]


def main(argv: list[str]) -> int:
    material = Material.model_validate_json(argv[0])
    try:
        findings = _check([Path(p) for p in argv[1:]], material)
    except Exception as exc:  # the file broke a parser: its fault, reported as unreadable
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        print(json.dumps({"fault": fault_of(exc)}))
        return FILE_FAULT
    sys.stdout.buffer.write(_FINDINGS.dump_json(findings))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
