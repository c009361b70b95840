"""Links to stored files on a directory store: signed, expiring, one key per store."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pydantic import SecretStr

from contracts import BlobRef
from services.common.blob_files import FileBlobStore
from services.common.blob_links import BlobLinks, LinkCheck
from services.common.settings import Settings

SHA = "a" * 64


def parts(link: str) -> tuple[str, int, str]:
    url = urlsplit(link)
    query = parse_qs(url.query)
    return url.path.rsplit("/", 1)[1], int(query["expires"][0]), query["sig"][0]


def links(root: Path, secret: str | None = None, cdn: str | None = None) -> BlobLinks:
    settings = Settings(
        public_base_url="https://z.example.cn",
        blob_link_secret=SecretStr(secret) if secret else None,
        blob_public_url=cdn,
    )
    return BlobLinks(FileBlobStore(root), settings)


async def test_a_link_is_valid_until_it_expires_and_only_for_its_file(tmp_path: Path) -> None:
    signer = links(tmp_path)
    link = await signer.blob(SHA, ttl_s=60)
    assert link.startswith(f"https://z.example.cn/blobs/{SHA}?expires=")
    sha, expires, sig = parts(link)
    assert signer.check(sha, expires, sig) is LinkCheck.VALID
    assert signer.check(sha, expires, sig, now=expires) is LinkCheck.EXPIRED
    assert signer.check(sha, expires + 1, sig) is LinkCheck.FORGED
    assert signer.check("b" * 64, expires, sig) is LinkCheck.FORGED


async def test_services_on_one_store_share_its_key_and_a_configured_key_wins(tmp_path: Path) -> None:
    sha, expires, sig = parts(await links(tmp_path).blob(SHA))
    assert links(tmp_path).check(sha, expires, sig) is LinkCheck.VALID, "the key is kept in the store"
    assert (tmp_path / "keys" / "blob-links.key").stat().st_size > 0
    assert links(tmp_path / "other").check(sha, expires, sig) is LinkCheck.FORGED
    configured = links(tmp_path / "third", secret="s3cret")
    sha, expires, sig = parts(await configured.blob(SHA))
    assert links(tmp_path / "fourth", secret="s3cret").check(sha, expires, sig) is LinkCheck.VALID


async def test_published_renditions_may_go_through_the_cdn_and_packages_through_their_route(
    tmp_path: Path,
) -> None:
    cdn = links(tmp_path, cdn="https://cdn.example.cn/zj")
    assert await cdn.blob(SHA, public=True) == f"https://cdn.example.cn/zj/sha256/aa/{'a' * 62}"
    assert "sig=" in await cdn.blob(SHA), "an original or a form never goes through the CDN"
    hls = BlobRef(uri=f"blob://package/{'c' * 64}/master.m3u8", sha256="d" * 64, size=1, media_type="x")
    assert await cdn.rendition(hls) == f"https://z.example.cn/api/transcoder/packages/{'c' * 64}/master.m3u8"
    assert (
        await cdn.rendition(hls, public=True) == f"https://cdn.example.cn/zj/packages/{'c' * 64}/master.m3u8"
    )
