"""One awarded work as the publisher's unit tests deliver it: its ``reviewed`` event with three
renditions, and the signed links the publisher made for them."""

from contracts import Attribution, BlobRef, EntryInfo, Rendition, SubmissionReviewed

BASE = "https://zhengji.example.cn"
# The links the publisher made for the renditions (payload.media_links): signed, with an expiry.
MEDIA = {
    name: f"{BASE}/blobs/{seed * 64}?expires=1&sig=s{seed}"
    for name, seed in [("master", "a"), ("mezzanine", "c"), ("poster", "b")]
}


def event(summary: str = "红色资源微视频", author: str | None = "金英姬") -> SubmissionReviewed:
    def ref(seed: str, media_type: str) -> BlobRef:
        return BlobRef(uri=f"blob://sha256/{seed * 64}", sha256=seed * 64, size=10, media_type=media_type)

    return SubmissionReviewed(
        submission_id="S1",
        campaign_id="yanbian-2024",
        correlation_id="S1:v1",
        producer="review",
        entry=EntryInfo(title="杨靖宇将军的故事", group="小学组", category="英雄故事", summary=summary),
        attribution=Attribution(unit_code="222401001", unit_name="延吉市第一小学", author=author),
        level="prefecture",
        outcome="awarded",
        award_tier="优秀资源奖",
        renditions=[
            Rendition(name="master", blob=ref("a", "video/mp4"), height=1080),
            Rendition(name="mezzanine", blob=ref("c", "video/mp4"), height=1080),
            Rendition(name="poster", blob=ref("b", "image/jpeg"), height=720),
        ],
    )
