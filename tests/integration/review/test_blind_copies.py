"""A reviewer's copy of an entry's other files (decision 0033) is made as the transcoder makes a
work's master (``services.media.scrubbed_copy``), on the real store, blob store and ffmpeg: a
tagged recording loses its artist, and a file that cannot be rewritten is refused, and remembered
so: opening it again answers at once from the store rather than rewriting it again."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from contracts import BlobRef
from contracts.campaign import WorkKind
from services.common.blob_stores import open_blob_store
from services.common.bus import make_broker
from services.common.errors import ServiceError
from services.common.service import Deps
from services.common.settings import Settings
from services.common.store import connect
from services.review.app import ReviewService
from services.review.entry_materials import blind_copy
from tests.integration.transcoder.clips import ffmpeg
from tests.metadata_samples import ARTIST


@pytest.fixture
async def review(settings: Settings) -> AsyncIterator[ReviewService]:
    client = connect(settings.mongodb_uri)
    broker = make_broker(settings.kafka_bootstrap_servers, client_id="blind-copies-test")  # never started
    deps = Deps(settings=settings, client=client, broker=broker, blobs=open_blob_store(settings))
    yield ReviewService(deps)
    await client.close()


async def stored(review: ReviewService, path: Path, media_type: str) -> BlobRef:
    return await review.deps.blobs.put_file(path, media_type)


async def test_a_recordings_copy_loses_its_artist(review: ReviewService, tmp_path: Path) -> None:
    song = tmp_path / "song.mp3"
    await ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "libmp3lame",
                 "-metadata", f"artist={ARTIST}", str(song))  # fmt: skip
    assert ARTIST.encode() in song.read_bytes()
    original = await stored(review, song, "audio/mpeg")
    copy = await blind_copy(review, original, WorkKind.AUDIO)
    heard = await review.deps.blobs.read(copy.sha256)
    assert copy.sha256 != original.sha256 and heard.startswith((b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"))
    assert ARTIST.encode() not in heard
    assert (await blind_copy(review, original, WorkKind.AUDIO)) == copy  # made once, then served


async def test_a_file_that_cannot_be_rewritten_is_refused_and_remembered(
    review: ReviewService, tmp_path: Path
) -> None:
    # A JPEG whose EXIF segment says it runs past the end of the file: the structure cannot be walked.
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe1\xff\xf0Exif\0\0" + ARTIST.encode())
    original = await stored(review, broken, "image/jpeg")
    with pytest.raises(ServiceError) as refused:
        await blind_copy(review, original, WorkKind.IMAGES)
    assert refused.value.status == 409 and "runs past the end" in refused.value.en
    remembered = await review.blind_copies.find_one({"_id": original.sha256})
    assert remembered is not None and remembered["format"] == "jpeg" and "copy" not in remembered
    # Opened again: the same refusal from the store, the rewrite not run again (its record unchanged).
    with pytest.raises(ServiceError) as again:
        await blind_copy(review, original, WorkKind.IMAGES)
    assert again.value.status == 409 and again.value.en == refused.value.en
    assert await review.blind_copies.find_one({"_id": original.sha256}) == remembered
