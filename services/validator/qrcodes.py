"""QR codes in the picture (Hunan: “不含有个人或者机构二维码等联系方式”), found with zxing-cpp.

The quality pass pipes one full-resolution grey frame per second (``fps=1``)
here; zxing-cpp reads QR codes only, in about 3 ms per 1080p frame. Full
resolution matters: a code in a corner at 1080p is 60-100 pixels wide and
would be unreadable in a proxy. A code on screen for less than a second can
fall between samples: the check finds what a viewer could scan, not every
flash of a code. ``try_downscale`` finds codes that fill the frame as well.

Codes seen in consecutive seconds with the same content become one range.
"""

from dataclasses import dataclass, field

import zxingcpp  # ships no type information (see the mypy overrides in pyproject.toml)

# QR and its small variants: what a phone camera scans.
_FORMATS = (
    zxingcpp.BarcodeFormat.QRCode | zxingcpp.BarcodeFormat.MicroQRCode | zxingcpp.BarcodeFormat.RMQRCode
)
MAX_TEXT = 120  # enough to recognise a WeChat or web link; the rest is not shown to teachers


@dataclass(frozen=True)
class QrSighting:
    text: str
    start_s: float
    end_s: float


@dataclass
class QrScanner:
    """Frame handler for a ``FramePipe`` of ``width`` x ``height`` grey frames, one per second."""

    width: int
    height: int
    start_s: float = 0.0
    seen: dict[int, set[str]] = field(default_factory=dict)

    def __call__(self, index: int, frame: bytes) -> None:
        image = memoryview(frame).cast("B", (self.height, self.width))
        codes = zxingcpp.read_barcodes(image, formats=_FORMATS, try_rotate=True, try_downscale=True)
        texts = {code.text[:MAX_TEXT] or code.format.name for code in codes if code.valid}
        if texts:
            self.seen[index] = texts

    def sightings(self) -> list[QrSighting]:
        return merge_sightings(self.seen, self.start_s)


def merge_sightings(seen: dict[int, set[str]], start_s: float = 0.0) -> list[QrSighting]:
    """{second: texts} -> ranges of consecutive seconds per text, in order of first appearance."""
    ranges: list[QrSighting] = []
    open_ranges: dict[str, tuple[int, int]] = {}
    for second in sorted(seen):
        for text in sorted(seen[second]):
            first, last = open_ranges.get(text, (second, second - 1))
            if last == second - 1:
                open_ranges[text] = (first, second)
            else:
                ranges.append(QrSighting(text, start_s + first, start_s + last + 1))
                open_ranges[text] = (second, second)
    ranges += [QrSighting(text, start_s + a, start_s + b + 1) for text, (a, b) in open_ranges.items()]
    return sorted(ranges, key=lambda r: (r.start_s, r.text))
