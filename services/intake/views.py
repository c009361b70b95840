"""What the API shows of a submission: versions with their reports, materials, what to do next."""

from typing import Any

from contracts.calendar import window_for
from contracts.campaign import Campaign
from services.intake.materials import materials_of
from services.intake.naming import describe
from services.intake.status import STAGE_LABELS
from services.intake.upload_rules import stage_refusal
from services.intake.window import upload_refusal

INTERNAL = {
    *("last_event", "redrive_also", "progress", "redrive_at", "redrives", "redrive_waits"),
    *("person_keys", "reports"),
}


def labels(stage: str) -> dict[str, str]:
    zh, en = STAGE_LABELS.get(stage, (stage, stage))
    return {"stage_label_zh": zh, "stage_label_en": en}


def submission_view(sub: dict[str, Any], campaign: Campaign) -> dict[str, Any]:
    reports = sub.get("reports") or {}
    versions = [{**v, "report": reports.get(str(v["version"]))} for v in sub.get("versions", [])]
    held = sub.get("materials") or {}
    materials = materials_of(campaign, sub["form"])
    # "至少提交其一": the primary is optional when other kinds of work may stand for it.
    alternatives = campaign.alternatives(sub.get("series"))
    required = [
        {
            "key": m.key,
            "label": m.label,
            "kind": m.kind.value,
            "primary": m.primary,
            "required": m.required or (m.primary and not alternatives),
            "one_of": (m.primary and bool(alternatives)) or m in alternatives,
            "uploaded": bool(sub.get("version")) and not sub.get("work")
            if m.primary
            else bool((held.get(m.key) or {}).get("files")),
        }
        for m in materials
    ]
    primary = next((m for m in materials if m.primary), None)
    unit_path = sub.get("attribution", {}).get("unit_path", [])
    refusal = upload_refusal(campaign, None, unit_path) or (stage_refusal(sub, primary) if primary else None)
    window = window_for(campaign, unit_path)
    upload = {
        "allowed": refusal is None,
        "message_zh": refusal.zh if refusal else "可以上传",
        "message_en": refusal.en if refusal else "you may upload",
        "window": {"starts": str(window.starts), "ends": str(window.ends) if window.ends else None}
        if window
        else None,
    }
    shown = {k: v for k, v in sub.items() if k not in INTERNAL and k != "_id"}
    return {
        "submission_id": sub["_id"],
        **shown,
        **labels(sub["stage"]),
        "versions": versions,
        "materials": held,
        "required_materials": required,
        "file_name": describe(campaign, sub["form"]),
        "upload": upload,
        "approval": sub.get("approval") or {"state": "pending"},
        "approvals": sub.get("approvals", []),
        "timeline": sorted(sub.get("timeline", []), key=lambda e: e["at"]),
    }


def row_view(sub: dict[str, Any]) -> dict[str, Any]:
    form, attribution = sub.get("form", {}), sub.get("attribution", {})
    return {
        "submission_id": sub["_id"],
        "title": form.get("title"),
        "stage": sub["stage"],
        **labels(sub["stage"]),
        "group": sub.get("group"),
        "category": form.get("category"),
        "series": sub.get("series"),
        "unit_code": attribution.get("unit_code"),
        "unit_name": attribution.get("unit_name"),
        "version": sub.get("version", 0),
        "approval": (sub.get("approval") or {}).get("state", "pending"),
        "created_at": sub.get("created_at"),
    }
