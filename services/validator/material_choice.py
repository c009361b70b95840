"""Which of a campaign's materials a file is checked as: the work, a series' work, or another file.

Shanxi collects ten series, each with its own kind of work (a quiz set, a
report of at most 2000 characters, a video of at most 5 minutes); Yanbian
asks for courseware and a stamped form beside the video. ``zhengji validate``
takes ``--series`` and ``--material`` to say which."""

from contracts.campaign import Campaign, Material, WorkKind


class NoSuchMaterial(ValueError):
    """The series or material asked for is not in the campaign; the message lists what is."""


def choose_material(campaign: Campaign, series: str | None, material: str | None) -> Material | None:
    """The material a file is checked as: a series' primary work, or a named material (e.g. courseware)."""
    if series is not None:
        chosen = next((s for s in campaign.series if s.key == series or s.name == series), None)
        if chosen is None:
            keys = "、".join(f"{s.key}（{s.name}）" for s in campaign.series) or "无 / none"
            raise NoSuchMaterial(f"没有这个征集系列 / no such series: {series}；可选 / choose: {keys}")
        materials = chosen.materials
    elif campaign.series and material is None:
        keys = "、".join(f"{s.key}（{s.name}）" for s in campaign.series)
        raise NoSuchMaterial(f"本活动分系列征集，请用 --series 指定 / choose a series with --series: {keys}")
    else:
        materials = campaign.materials
    if material is None:
        return next((m for m in materials if m.primary), materials[0] if materials else None)
    found = next((m for m in materials if m.key == material or m.label == material), None)
    if found is None:
        keys = "、".join(f"{m.key}（{m.label}）" for m in materials) or "无 / none"
        raise NoSuchMaterial(f"没有这项材料 / no such material: {material}；可选 / choose: {keys}")
    return found


def _kinds_for(media_type: str) -> set[WorkKind]:
    """What a stored blob's media type can be, for the kinds of work (intake records it at upload)."""
    t = media_type.split(";")[0].strip().lower()
    if t.startswith("video/"):
        return {WorkKind.VIDEO}
    if t.startswith("audio/"):
        return {WorkKind.AUDIO}
    if t.startswith("image/") or t in ("application/zip", "application/x-zip-compressed"):
        return {WorkKind.IMAGES}
    if t in ("text/csv", "application/vnd.ms-excel") or "spreadsheetml" in t:
        return {WorkKind.QUIZ}
    if (
        t in ("text/plain", "application/msword", "application/pdf", "application/rtf")
        or "wordprocessingml" in t
    ):
        return {WorkKind.TEXT}
    return set(WorkKind)


def _rules(m: Material) -> tuple[object, ...]:
    return (m.kind, m.video, m.audio, m.images, m.text, m.document, m.quiz)


def guess_material(campaign: Campaign, media_type: str, other_keys: set[str]) -> Material | None:
    """The work's material when the event does not say which series it belongs to (Shanxi).

    The series whose primary work is of the blob's kind and which has every other file the entry
    came with. When such series disagree on the rules (Shanxi's videos: 5, 15 or 30 minutes),
    only the kind is kept, so the file is checked for what every candidate asks, never failed by
    another series' limit."""
    primary = campaign.primary_material()
    if primary is not None or not campaign.series:
        return primary
    kinds = _kinds_for(media_type)
    candidates = [
        work
        for series in campaign.series
        if (work := next((m for m in series.materials if m.primary), None)) is not None
        and work.kind in kinds
        and other_keys <= {m.key for m in series.materials}
    ]
    if not candidates:
        return None
    first = candidates[0]
    if all(_rules(c) == _rules(first) for c in candidates):
        return first
    return Material(key=first.key, label=first.label, kind=first.kind, primary=True)
