"""MP4/MOV top-level box layout, read in pure Python (a handful of small reads).

Two facts ffprobe does not give: whether ``moov`` precedes ``mdat`` (faststart) and whether a box
runs past the end of the file (a truncated upload, which ffprobe happily reads when the index is
at the front)."""

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

# Top-level ISO-BMFF box types; a file whose first box is not one of these is not MP4/MOV.
_TOP_LEVEL_BOXES = {"ftyp", "moov", "mdat", "free", "skip", "wide", "pnot", "uuid", "styp", "sidx", "moof"}
_MAX_BOXES = 4096  # a real file has a dozen; bounds the walk over a crafted one


class BoxLayout(BaseModel):
    model_config = ConfigDict(frozen=True)

    is_iso: bool = False
    major_brand: str | None = None
    moov_offset: int | None = None
    mdat_offset: int | None = None
    truncated: bool = False

    @property
    def faststart(self) -> bool | None:
        if self.moov_offset is None:
            return None
        return self.mdat_offset is None or self.moov_offset < self.mdat_offset


def read_box_layout(path: Path) -> BoxLayout:
    """Walk the top-level box headers (8 or 16 bytes each) without reading the payloads."""
    size = path.stat().st_size
    layout: dict[str, Any] = {}
    offset = 0
    with path.open("rb") as f:
        for _ in range(_MAX_BOXES):
            if offset >= size:
                break
            f.seek(offset)
            header = f.read(16)
            kind = header[4:8].decode("latin-1")
            if offset == 0 and (len(header) < 8 or kind not in _TOP_LEVEL_BOXES):
                return BoxLayout()  # not MP4/MOV: the other facts do not apply
            box_size, header_len = int.from_bytes(header[:4], "big"), 8
            if box_size == 1:  # a 64-bit "largesize" follows the type
                box_size, header_len = int.from_bytes(header[8:16], "big"), 16
            elif box_size == 0:  # the box runs to the end of the file
                box_size = size - offset
            if len(header) < header_len or offset + box_size > size:
                layout["truncated"] = True
                break
            if box_size < header_len:
                break  # garbage after the last box: what we have is what there is
            if kind == "ftyp" and box_size >= 12:
                layout.setdefault("major_brand", header[8:12].decode("latin-1"))
            if kind in ("moov", "mdat"):
                layout.setdefault(f"{kind}_offset", offset)
            offset += box_size
    return BoxLayout(is_iso=True, **layout)
