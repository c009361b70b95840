"""TIFF and HEIC pictures without what identifies their maker: decoded and saved again by Pillow.

Unlike JPEG or PNG (image_scrub.py), a TIFF keeps its words about the picture in the same IFDs as
the offsets of its strips, and a HEIC in the same ``meta`` box as its tiles: dropping entries means
relaying the file out, which is what a save does. So the picture is decoded here (in the bounded
child only, with a pixel cap checked before decoding) and written anew from its pixels, every page
or every image of a burst, with only what changes how it looks:
- kept: the pixels (mode, bit depth, alpha), the ICC profile (a wide-gamut photo looks washed out
  without it), the resolution (a scanned page prints at its size);
- gone: Artist, Copyright, ImageDescription, Make, Model, Software, DateTime, HostComputer,
  DocumentName, PageName, the EXIF and GPS IFDs, XMP, IPTC and Photoshop blocks (a TIFF); EXIF,
  XMP, thumbnails and depth maps (a HEIC).
Both decoders apply the picture's orientation (a TIFF's Orientation tag, a HEIC's rotation and
mirror boxes) to the pixels, so the copy stands upright without one. A TIFF is rewritten without
loss (its own compression when Pillow writes it losslessly, fax coding included, else LZW); a HEIC
is re-encoded (HEVC at quality ``HEIC_QUALITY``): a HEIC cannot be written without encoding.

The encoder is what bounds a HEIC: x265 holds ~25 bytes a pixel, more with a thread pool per core,
so it runs with one pool and one frame thread, and a HEIC may have ``HEIC_MAX_PIXELS``: a 24 MP
photo (an iPhone's default, 5712x4284) scrubs under the child's 1 GiB, a 48 MP one is refused.
"""

import struct
from pathlib import Path
from typing import Any

import pillow_heif
from PIL import Image, ImageSequence, TiffImagePlugin

MAX_PIXELS = 100_000_000  # all pages or images together: ~400 MB decoded, under the child's 1 GiB
MAX_FRAMES = 200
HEIC_QUALITY = 92
HEIC_MAX_PIXELS = 30_000_000  # 30 MP peaks at ~790 MB in the child (docs/performance.md)
# Threads per core would each hold their own buffers: one pool keeps x265's memory bounded.
_X265_BOUNDED = {"x265:pools": "1", "x265:frame-threads": "1"}
# What Pillow's decoders raise on a damaged file (a fuzz run found TypeError among them).
_DECODER_ERRORS = (OSError, SyntaxError, ValueError, EOFError, TypeError, KeyError, IndexError, struct.error)
# What Pillow writes without loss; JPEG-in-TIFF (lossy) becomes LZW, fax coding stays for 1-bit pages.
_LOSSLESS = frozenset({"raw", "tiff_lzw", "tiff_deflate", "tiff_adobe_deflate", "packbits"})
_FAX = frozenset({"group3", "group4"})


class MalformedPicture(Exception):
    """The picture cannot be decoded (cut short, or not what its first bytes say)."""


class PictureTooLarge(Exception):
    """The picture has more pixels or pages than a submitted work may (a decompression bomb)."""


def _checked_frames(picture: Image.Image, max_pixels: int) -> list[Image.Image]:
    """Every page's pixels, copied without the file's tags, once the sizes are known to be bounded."""
    sizes = []
    for index, frame in enumerate(ImageSequence.Iterator(picture)):
        if index >= MAX_FRAMES:
            raise PictureTooLarge(f"more than {MAX_FRAMES} pages or images")
        sizes.append(frame.width * frame.height)
        if sum(sizes) > max_pixels:
            raise PictureTooLarge(f"more than {max_pixels} pixels")
    frames = []
    for frame in ImageSequence.Iterator(picture):
        frame.load()
        clean = frame.copy()  # a plain Image: no tag directory Pillow would carry into the save
        clean.info = {key: frame.info[key] for key in ("icc_profile", "dpi") if frame.info.get(key)}
        if isinstance(frame, TiffImagePlugin.TiffImageFile):
            clean.info["compression"] = frame.info.get("compression", "raw")
        frames.append(clean)
    return frames


def _tiff_options(frame: Image.Image) -> dict[str, Any]:
    compression = frame.info.get("compression", "raw")
    fax = compression in _FAX and frame.mode == "1"
    options: dict[str, Any] = {"compression": compression if compression in _LOSSLESS or fax else "tiff_lzw"}
    if frame.info.get("icc_profile"):
        options["icc_profile"] = frame.info["icc_profile"]
    if frame.info.get("dpi"):
        options["dpi"] = frame.info["dpi"]
    return options


def _pages(source: Path, formats: list[str], max_pixels: int = MAX_PIXELS) -> list[Image.Image]:
    """The pictures of a file, decoded, as plain images; what a hostile file raises gets a name."""
    try:
        # From the path: the decoder reads the file as it needs it, never a second copy held here.
        with Image.open(source, formats=formats) as picture:
            return _checked_frames(picture, max_pixels)
    except Image.DecompressionBombError as exc:
        raise PictureTooLarge(str(exc)) from exc
    except _DECODER_ERRORS as exc:
        raise MalformedPicture(f"{type(exc).__name__}: {exc}") from exc


def scrub_tiff(source: Path, target: Path) -> list[str]:
    """Write the TIFF's pages to ``target`` anew, with no tag that does not change how they look."""
    first, *rest = _pages(source, ["TIFF"])
    # Each page carries its own options (Pillow reads them from each frame's encoderinfo).
    for page in rest:
        page.encoderinfo = _tiff_options(page)
    first.save(target, format="TIFF", save_all=bool(rest), append_images=rest, **_tiff_options(first))
    return ["tiff tags"]


def scrub_heic(source: Path, target: Path) -> list[str]:
    """Write the HEIC's images to ``target`` anew, without EXIF, XMP, thumbnails or depth maps."""
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
    first, *rest = _pages(source, ["HEIF"], HEIC_MAX_PIXELS)
    options: dict[str, Any] = {"quality": HEIC_QUALITY, "exif": None, "xmp": None}
    options["enc_params"] = _X265_BOUNDED
    if first.info.get("icc_profile"):
        options["icc_profile"] = first.info["icc_profile"]
    first.save(target, format="HEIF", save_all=bool(rest), append_images=rest, **options)
    return ["exif", "xmp"]
