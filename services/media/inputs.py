"""How an uploaded file is handed to ffmpeg or ffprobe: the one allow-list of what a tool may open.

An upload is untrusted. Named as ``file:<path>``, a file called ``concat:...`` or ``-x`` is not read
as a protocol or an option; with ``-protocol_whitelist file``, a playlist (HLS, concat, ffconcat)
disguised as a video cannot make the tool fetch URLs or open files it names. Both tools take the
input after ``-i``. Demuxers are not restricted (no ``-format_whitelist``): the validator must name
whatever container a teacher uploads, and a restricted list would turn a finding into a tool error."""

from pathlib import Path

ALLOWED_PROTOCOLS = "file"


def input_args(path: Path | str) -> list[str]:
    """The arguments that open ``path`` as the tool's input, and nothing it might point to."""
    return ["-protocol_whitelist", ALLOWED_PROTOCOLS, "-i", f"file:{path}"]
