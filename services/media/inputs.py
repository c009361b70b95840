"""How an uploaded file is handed to ffmpeg or ffprobe: the one allow-list of what a tool may open.

An upload is untrusted. Named as ``file:<path>``, a file called ``concat:...`` or ``-x`` is not read
as a protocol or an option; with ``-protocol_whitelist file`` no URL is fetched. That alone still lets
a playlist disguised as a video (an HLS ``#EXTM3U`` or an ``ffconcat`` list) open the files it names
next to it, and the tool would read another entrant's work as this one's. So the demuxers are
restricted too (``-format_whitelist``): only single-file audio and video containers a teacher's
software exports, never ``hls``, ``concat``, ``ffconcat``, playlists, image sequences or network
demuxers, whatever a campaign states. The list is wider than any one campaign's containers: the
validator must still name a wrong container (an MKV where MP4 is asked) rather than call it unreadable.
"""

from pathlib import Path
from urllib.parse import urlsplit

ALLOWED_PROTOCOLS = "file"
# A presigned object-store URL needs exactly these: ffmpeg's https is tls over tcp; plain http (a
# loopback MinIO or moto) is http over tcp. Never crypto, data, concat, subfile or file.
URL_PROTOCOLS = {"https": "https,tls,tcp", "http": "http,tcp"}
# ffmpeg demuxer names. mov reads mp4/m4a/3gp; matroska reads webm; asf reads wmv/wma.
VIDEO_DEMUXERS = ("mov", "matroska", "avi", "flv", "mpegts", "mpeg", "asf", "mxf", "dv", "ogg")
AUDIO_DEMUXERS = ("mp3", "wav", "w64", "aac", "flac", "aiff", "caf", "amr")
ALLOWED_DEMUXERS = ",".join((*VIDEO_DEMUXERS, *AUDIO_DEMUXERS))
# The transcoder's own outputs (HLS playlist and segments, master, poster, sprite), which it wrote
# itself: never an upload.
OWN_PACKAGE_DEMUXERS = "hls,mpegts,mov,image2,jpeg_pipe,png_pipe"


def input_args(path: Path | str, demuxers: str = ALLOWED_DEMUXERS) -> list[str]:
    """The arguments that open ``path`` as the tool's input, and nothing it might point to."""
    return [
        "-protocol_whitelist",
        ALLOWED_PROTOCOLS,
        "-format_whitelist",
        demuxers,
        "-i",
        f"file:{path}",
    ]


def url_input_args(url: str, demuxers: str = ALLOWED_DEMUXERS) -> list[str]:
    """The arguments that read ``url`` (a presigned object-store URL) and nothing else: the
    protocols its own scheme needs, and the same demuxers as a file."""
    protocols = URL_PROTOCOLS.get(urlsplit(url).scheme)
    if protocols is None:
        raise ValueError(f"not an http(s) URL: {url}")
    return ["-protocol_whitelist", protocols, "-format_whitelist", demuxers, "-i", url]
