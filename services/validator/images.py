"""Image sets: how many pictures, in which format, how large, and whether each is whole. Pure (reads files).

A set arrives as a folder (the CLI), a ZIP archive (the usual upload), or a
single picture. System clutter (``__MACOSX/``, ``.DS_Store``, ``Thumbs.db``)
is ignored; any other file that is not a picture is named in a finding.
"""

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from contracts.campaign import ImageSpec
from contracts.events import Finding
from services.validator.imageinfo import ImageInfo, image_info
from services.validator.kind_finding import Subject, listed

MAX_FILES = 2000
HEAD_BYTES = 4 * 1024 * 1024  # headers sit at the start; the end is read for completeness
_CLUTTER = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")
_ALIASES = {"jpg": "jpeg", "tif": "tiff"}


def _head_and_tail(read: Callable[[int], bytes], size: int) -> bytes:
    """The whole file when small; else its first HEAD_BYTES and its last KiB (streams cannot seek)."""
    head = read(HEAD_BYTES)
    if size <= HEAD_BYTES:
        return head
    tail, total = b"", len(head)
    while total <= size and (chunk := read(HEAD_BYTES)):  # a lying ZIP entry stops at its stated size
        tail, total = (tail + chunk)[-1024:], total + len(chunk)
    return head + tail


def _entries(path: Path) -> Iterator[tuple[str, int, bytes]]:
    """(name, size, bytes enough to judge) for each file of the set."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())[:MAX_FILES]
        for p in files:
            with p.open("rb") as f:
                yield str(p.relative_to(path)), p.stat().st_size, _head_and_tail(f.read, p.stat().st_size)
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in [i for i in archive.infolist() if not i.is_dir()][:MAX_FILES]:
                with archive.open(info) as f:
                    yield info.filename, info.file_size, _head_and_tail(f.read, info.file_size)
    else:
        with path.open("rb") as f:
            yield path.name, path.stat().st_size, _head_and_tail(f.read, path.stat().st_size)


def check_images(path: Path | list[Path], spec: ImageSpec | None, who: Subject) -> list[Finding]:
    """``path``: a folder, a ZIP, one picture, or the pictures of a set uploaded one by one."""
    spec = spec or ImageSpec()
    pictures: list[tuple[str, int, ImageInfo]] = []
    strangers: list[str] = []
    paths = path if isinstance(path, list) else [path]
    try:
        for name, size, data in (entry for p in paths[:MAX_FILES] for entry in _entries(p)):
            if any(part in name for part in _CLUTTER):
                continue
            info = image_info(data)
            if info is None:
                strangers.append(name)
            else:
                pictures.append((name, size, info))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return [
            who.finding(
                "images.readable",
                "可读取的图片或压缩包",
                "无法读取",
                "压缩包或图片无法读取，可能已损坏：请重新打包上传",
                f"the archive or picture cannot be read ({type(exc).__name__}): pack and upload it again",
            )
        ]
    found: list[Finding] = []
    if strangers:
        found.append(
            who.finding(
                "images.format",
                "图片文件",
                f"{len(strangers)}个非图片文件",
                f"以下文件不是图片：{listed(strangers)}：请删除或换成图片",
                f"{len(strangers)} file(s) are not pictures ({', '.join(strangers[:5])}): "
                "remove or replace them",
            )
        )
    count = len(pictures)
    if (spec.min_count is not None and count < spec.min_count) or (
        spec.max_count is not None and count > spec.max_count
    ):
        low, high = spec.min_count, spec.max_count
        want = f"{low or 0}–{high}张" if high is not None else f"至少{low}张"
        found.append(
            who.finding(
                "images.count",
                want,
                f"{count}张",
                f"共{count}张图片，要求{want}：请调整图片数量",
                f"{count} picture(s); {want.replace('张', '')} required: adjust the number of pictures",
            )
        )
    allowed = {_ALIASES.get(f.lower(), f.lower()) for f in spec.formats or []}
    wrong = [n for n, _, i in pictures if allowed and i.format not in allowed]
    if wrong:
        want = "/".join(sorted(f.upper() for f in allowed))
        found.append(
            who.finding(
                "images.format",
                want,
                f"{len(wrong)}张格式不符",
                f"以下图片格式不符合要求（要求{want}）：{listed(wrong)}：请另存为{want}",
                f"{len(wrong)} picture(s) are not {want} ({', '.join(wrong[:5])}): save them as {want}",
            )
        )
    broken = [n for n, _, i in pictures if not i.complete]
    if broken:
        found.append(
            who.finding(
                "images.readable",
                "完整的图片",
                f"{len(broken)}张损坏",
                f"以下图片不完整或已损坏：{listed(broken)}：请重新导出后上传",
                f"{len(broken)} picture(s) are incomplete or damaged ({', '.join(broken[:5])}): "
                "export them again",
            )
        )
    small = [
        f"{n}（{i.width}×{i.height}）"
        for n, _, i in pictures
        if i.width is not None
        and i.height is not None
        and (
            (spec.min_width and i.width < spec.min_width) or (spec.min_height and i.height < spec.min_height)
        )
    ]
    if small:
        want = f"≥ {spec.min_width or '任意'}×{spec.min_height or '任意'}"
        found.append(
            who.finding(
                "images.resolution",
                want,
                f"{len(small)}张尺寸不足",
                f"以下图片尺寸不足（要求{want}像素）：{listed(small)}：请使用原图",
                f"{len(small)} picture(s) are smaller than {want} pixels: use the original photos",
            )
        )
    if spec.max_size_bytes is not None:
        over = [n for n, size, _ in pictures if size > spec.max_size_bytes]
        if over:
            limit = f"{spec.max_size_bytes / 1024 / 1024:.0f} MB"
            found.append(
                who.finding(
                    "images.size",
                    f"每张≤ {limit}",
                    f"{len(over)}张超过",
                    f"以下图片超过{limit}：{listed(over)}：请压缩后上传",
                    f"{len(over)} picture(s) are over {limit}: compress them",
                )
            )
    return found
