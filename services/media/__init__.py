"""Everything zhengji does with ffprobe and ffmpeg, for the validator and the transcoder alike.

- ``process``: running a media tool bounded in time, memory and CPU, and ffmpeg's progress;
- ``inputs``: how an untrusted file is named to a tool (the protocol allow-list);
- ``ffprobe``: one ffprobe run over a file, as probe and the timestamp reader both need it;
- ``boxes``: MP4/MOV top-level box layout (faststart, truncation), read in pure Python;
- ``probe``: what a file's headers say, as a pydantic ``Probe``.
- ``file_formats``: what a file is by its first bytes, for the scrubbers and the validator alike.

No service imports another: what two services share about media lives here."""
