"""The contracts package: events, topics, and the schemas generated from them."""

import ast
import json
import re
import subprocess
import sys
import sysconfig
from datetime import UTC, date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any
from uuid import uuid4

import jsonschema
import pytest
import yaml
from pydantic import BaseModel, ValidationError

import contracts
from contracts import (
    CAMPAIGN_TOPIC,
    EVENT_MODELS,
    REVIEWER_TOPIC,
    ROUND_TOPIC,
    TOPICS,
    Attribution,
    BaseEvent,
    BlobRef,
    CampaignDefined,
    EntryInfo,
    Finding,
    Rendition,
    ReviewerAssigned,
    RoundNoticed,
    Severity,
    SubmissionApproved,
    SubmissionPublished,
    SubmissionReturned,
    SubmissionReviewed,
    SubmissionSubmitted,
    SubmissionTranscoded,
    SubmissionValidated,
    TimeRange,
    dlq_topic,
    parse_event,
    topic_for,
)
from contracts.campaign import Campaign
from contracts.schemas import asyncapi, render, render_asyncapi, write
from services.intake.presets import load_preset

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "contracts" / "schemas"
ASYNCAPI = ROOT / "docs" / "asyncapi.yaml"
STALE = "generated from contracts/ and out of date: run `make schemas` and commit the result"

AT = datetime(2024, 11, 18, 9, 30, tzinfo=UTC)
SID = "S3F2A9C41D07B6E58"


def blob(name: str, media_type: str, size: int = 1024) -> BlobRef:
    digest = f"{sum(map(ord, name)):064x}"
    return BlobRef(uri=f"blob://sha256/{digest}", sha256=digest, size=size, media_type=media_type)


ENTRY = EntryInfo(
    title="杨靖宇将军的故事", group="小学组", category="英雄故事", summary="红色资源微视频", version=1
)
ATTRIBUTION = Attribution(
    unit_code="222401001", unit_name="延吉市第一小学", unit_path=["22", "2224", "222401", "222401001"]
)
ENVELOPE: dict[str, Any] = {
    "submission_id": SID,
    "campaign_id": "yanbian-2024",
    "correlation_id": f"{SID}:v1",
    "causation_id": uuid4(),
    "occurred_at": AT,
    "entry": ENTRY,
    "attribution": ATTRIBUTION,
}
MEDIA = blob("upload", "video/mp4", 187_000_000)
RENDITIONS = [
    Rendition(
        name="preview-720p", blob=blob("preview", "video/mp4"), width=1280, height=720, bit_rate_kbps=2500
    ),
    Rendition(name="poster", blob=blob("poster", "image/jpeg"), width=1280, height=720),
]


def examples() -> dict[str, BaseEvent]:
    """One realistic event of every kind, as the services produce them."""
    return {
        "campaign.defined": CampaignDefined(
            campaign_id="yanbian-2024", producer="intake", spec=load_preset("yanbian-2024"), occurred_at=AT
        ),
        "submission.submitted": SubmissionSubmitted(
            **ENVELOPE,
            producer="intake",
            media=MEDIA,
            materials={"courseware": blob("courseware", "application/pdf")},
        ),
        "submission.validated": SubmissionValidated(
            **ENVELOPE,
            producer="validator",
            media=MEDIA,
            passed=False,
            duration_s=301.4,
            findings=[
                Finding(
                    rule_id="video.frame_rate",
                    severity=Severity.ERROR,
                    expected="25 fps",
                    measured="29.97 fps",
                    message_zh="帧率应为25帧/秒，实际为29.97帧/秒",
                    message_en="frame rate must be 25 fps, is 29.97 fps",
                ),
                Finding(
                    rule_id="video.black",
                    severity=Severity.WARNING,
                    expected="no black frames",
                    measured="3.2 s of black",
                    message_zh="12.0–15.2秒为黑场",
                    message_en="black from 12.0 s to 15.2 s",
                    time_range=TimeRange(start_s=12.0, end_s=15.2),
                    confidence=0.9,
                ),
            ],
        ),
        "submission.transcoded": SubmissionTranscoded(
            **ENVELOPE, producer="transcoder", succeeded=True, renditions=RENDITIONS, duration_s=41.7
        ),
        "submission.approved": SubmissionApproved(**ENVELOPE, producer="intake", approver_unit="222401"),
        "submission.returned": SubmissionReturned(
            **ENVELOPE, producer="intake", reason="请补充课件 / add the courseware", returned_by_unit="222401"
        ),
        "submission.reviewed": SubmissionReviewed(
            **ENVELOPE,
            producer="review",
            level="prefecture",
            outcome="awarded",
            award_tier="优秀资源奖",
            rank=2,
            score=91.25,
            renditions=RENDITIONS,
        ),
        "submission.published": published(),
        "review.assigned": ReviewerAssigned(
            campaign_id="yanbian-2024",
            producer="review",
            reviewer_id="R0A1B2C3D4E",
            round_id="yanbian-2024:county",
            level="county",
            level_name="县级评审",
            entries=12,
            window_ends=date(2024, 11, 30),
            occurred_at=AT,
        ),
        "round.noticed": RoundNoticed(
            campaign_id="yanbian-2024",
            producer="review",
            round_id="yanbian-2024:county|222401",
            kind="appealed",
            level="county",
            level_name="县级评审",
            unit_path=["22", "2224", "222401"],
            chairs=["R0A1B2C3D4E"],
            entries=12,
            appeal_id="A1B2C3D4E5F6",
            title="红色故事",
            occurred_at=AT,
        ),
    }


def published() -> SubmissionPublished:
    return SubmissionPublished(
        **ENVELOPE,
        producer="publisher",
        target="yanbian_platform",
        status="published",
        remote_id="res-20241215-0042",
        url="https://platform.example.cn/resources/res-20241215-0042",
        award_tier="优秀资源奖",
    )


SUBMISSION_TYPES = [t for t in EVENT_MODELS if t.startswith("submission.")]


# --- (a) generated files are current ------------------------------------------------------------


def test_every_event_model_blobref_and_campaign_have_a_schema_file() -> None:
    expected = {f"{t}.v1.json" for t in EVENT_MODELS} | {"blob-ref.json", "campaign.json"}
    assert set(render()) == expected


def test_committed_schema_files_are_current() -> None:
    fresh = render()
    committed = {p.name for p in SCHEMA_DIR.glob("*.json")}
    assert not fresh.keys() - committed, f"missing {sorted(fresh.keys() - committed)}: {STALE}"
    assert not committed - fresh.keys(), f"no longer generated {sorted(committed - fresh.keys())}: {STALE}"
    for name, text in fresh.items():
        assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == text, f"contracts/schemas/{name} is {STALE}"


def test_write_puts_exactly_the_rendered_files_in_the_folder(tmp_path: Path) -> None:
    (tmp_path / "submission.retired.v1.json").write_text("{}", encoding="utf-8")
    (tmp_path / "README.md").write_text("kept", encoding="utf-8")
    written = write(tmp_path)
    assert sorted(p.name for p in written) == sorted(render())
    assert {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.json")} == render()
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "kept"


def test_committed_asyncapi_document_is_current() -> None:
    assert ASYNCAPI.is_file(), f"docs/asyncapi.yaml is missing: {STALE}"
    assert ASYNCAPI.read_text(encoding="utf-8") == render_asyncapi(), f"docs/asyncapi.yaml is {STALE}"


def test_schema_files_are_readable_json_with_chinese_kept_as_is() -> None:
    text = render()["campaign.json"]
    assert text.endswith("}\n")
    assert json.loads(text)["title"] == "Campaign"
    assert "延州电教馆函" in text  # ensure_ascii=False: the example document number stays legible


def test_asyncapi_yaml_is_the_document_it_describes() -> None:
    assert yaml.safe_load(render_asyncapi()) == asyncapi()


def test_asyncapi_lists_every_topic_with_its_message_and_kafka_key() -> None:
    doc = asyncapi()
    assert doc["asyncapi"] == "3.0.0"
    assert {s["protocol"] for s in doc["servers"].values()} == {"kafka"}
    addresses = {c["address"]: c for c in doc["channels"].values()}
    assert set(addresses) == {*TOPICS.values(), CAMPAIGN_TOPIC, REVIEWER_TOPIC, ROUND_TOPIC}
    assert ".dlq" in doc["info"]["description"]
    for etype, model in EVENT_MODELS.items():
        topic = CAMPAIGN_TOPIC if etype == "campaign.defined" else topic_for(etype)
        channel = addresses[topic]
        assert channel["bindings"]["kafka"]["topic"] == topic
        (ref,) = (m["$ref"] for m in channel["messages"].values())
        message = doc["components"]["messages"][ref.rsplit("/", 1)[1]]
        key = {
            "campaign.defined": "campaign_id",
            "review.assigned": "reviewer_id",
            "round.noticed": "round_id",
        }.get(etype, "submission_id")
        assert key in message["bindings"]["kafka"]["key"]["description"]
        payload = doc["components"]["schemas"][message["payload"]["$ref"].rsplit("/", 1)[1]]
        assert set(payload["properties"]) == set(model.model_fields)
        assert payload["properties"]["event_type"]["const"] == etype


def test_asyncapi_references_all_resolve() -> None:
    doc = asyncapi()

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return own + [r for v in node.values() for r in refs(v)]
        if isinstance(node, list):
            return [r for v in node for r in refs(v)]
        return []

    found = refs(doc)
    assert found
    for ref in found:
        assert ref.startswith("#/"), ref
        node: Any = doc
        for part in ref[2:].split("/"):
            assert part in node, f"dangling $ref {ref}"
            node = node[part]


# --- (b) round trips ------------------------------------------------------------------------------


def test_examples_cover_every_event_model() -> None:
    assert {t: type(e) for t, e in examples().items()} == EVENT_MODELS


@pytest.mark.parametrize("etype", list(EVENT_MODELS))
def test_event_round_trips_through_json(etype: str) -> None:
    event = examples()[etype]
    again = EVENT_MODELS[etype].model_validate_json(event.model_dump_json())
    assert again == event
    assert again.event_type == etype


@pytest.mark.parametrize("etype", SUBMISSION_TYPES)
def test_parse_event_returns_the_right_model(etype: str) -> None:
    event = examples()[etype]
    parsed = parse_event(event.model_dump_json())
    assert type(parsed) is EVENT_MODELS[etype]
    assert parsed == event
    assert parse_event(event.model_dump_json().encode()) == event


def test_a_follow_on_event_names_the_same_submission_and_the_event_that_caused_it() -> None:
    submitted = examples()["submission.submitted"]
    assert isinstance(submitted, SubmissionSubmitted)
    validated = SubmissionValidated.follow_on(
        submitted, "validator", media=submitted.media, passed=True, findings=[]
    )
    assert (validated.submission_id, validated.campaign_id, validated.correlation_id) == (
        submitted.submission_id,
        submitted.campaign_id,
        submitted.correlation_id,
    )
    assert validated.causation_id == submitted.event_id != validated.event_id
    assert (validated.entry, validated.attribution, validated.producer) == (
        submitted.entry,
        submitted.attribution,
        "validator",
    )


def test_occurred_at_must_carry_a_timezone() -> None:
    raw = json.loads(published().model_dump_json())
    raw["occurred_at"] = "2024-11-18T09:30:00"
    with pytest.raises(ValidationError, match="occurred_at"):
        parse_event(json.dumps(raw))


# --- (c) an event validates against its exported JSON Schema ------------------------------------


def validator(filename: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMA_DIR / filename).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_published_event_validates_against_its_schema_file() -> None:
    event = published()
    validator("submission.published.v1.json").validate(event.model_dump(mode="json"))


def test_published_schema_file_rejects_what_parse_event_rejects() -> None:
    check = validator("submission.published.v1.json")
    good = published().model_dump(mode="json")
    for broken in (
        {k: v for k, v in good.items() if k != "submission_id"},
        {k: v for k, v in good.items() if k != "event_type"},
        {**good, "status": "deleted"},
        {**good, "event_type": "submission.reviewed"},
        {**good, "event_id": "not-a-uuid"},
        {**good, "entry": {**good["entry"], "version": 0}},
    ):
        assert not check.is_valid(broken), broken
        with pytest.raises(ValidationError):
            parse_event(json.dumps(broken))


@pytest.mark.parametrize("etype", list(EVENT_MODELS))
def test_every_example_event_validates_against_its_schema_file(etype: str) -> None:
    validator(f"{etype}.v1.json").validate(examples()[etype].model_dump(mode="json"))


@pytest.mark.parametrize(("model", "filename"), [(BlobRef, "blob-ref.json"), (Campaign, "campaign.json")])
def test_blobref_and_campaign_validate_against_their_schema_files(
    model: type[BaseModel], filename: str
) -> None:
    instance = MEDIA if model is BlobRef else load_preset("yanbian-2024")
    validator(filename).validate(instance.model_dump(mode="json"))


def test_blobref_schema_file_rejects_a_malformed_digest() -> None:
    assert not validator("blob-ref.json").is_valid({**MEDIA.model_dump(mode="json"), "sha256": "ABC"})


# --- (d) parse_event rejects what is not an event -------------------------------------------------


def test_parse_event_rejects_a_missing_submission_id() -> None:
    raw = json.loads(published().model_dump_json())
    del raw["submission_id"]
    with pytest.raises(ValidationError, match="submission_id"):
        parse_event(json.dumps(raw))


@pytest.mark.parametrize("event_type", ["submission.deleted", "submission.validated.v2", "", None])
def test_parse_event_rejects_an_unknown_event_type(event_type: str | None) -> None:
    raw = json.loads(published().model_dump_json())
    raw["event_type"] = event_type
    with pytest.raises(ValidationError):
        parse_event(json.dumps(raw))


def test_parse_event_rejects_an_event_without_event_type_and_garbage() -> None:
    raw = json.loads(published().model_dump_json())
    del raw["event_type"]
    with pytest.raises(ValidationError):
        parse_event(json.dumps(raw))
    with pytest.raises(ValidationError):
        parse_event(b"\xff not json")


# --- (e) topics ------------------------------------------------------------------------------------


def test_topic_names_follow_the_convention() -> None:
    stages = ["submitted", "validated", "transcoded", "approved", "returned", "reviewed", "published"]
    assert list(TOPICS) == stages
    for stage, topic in TOPICS.items():
        assert re.fullmatch(r"zhengji\.submission\.[a-z]+\.v1", topic)
        assert topic == f"zhengji.submission.{stage}.v1"
        assert topic_for(f"submission.{stage}") == topic
    assert topic_for("campaign.defined") == CAMPAIGN_TOPIC == "zhengji.campaign.defined.v1"


def test_every_submission_event_has_its_topic() -> None:
    assert sorted(topic_for(t) for t in SUBMISSION_TYPES) == sorted(TOPICS.values())


def test_dlq_topic_adds_the_suffix() -> None:
    assert dlq_topic(TOPICS["validated"]) == "zhengji.submission.validated.v1.dlq"
    assert dlq_topic(CAMPAIGN_TOPIC) == "zhengji.campaign.defined.v1.dlq"


def test_kafka_key_is_the_submission_id_and_campaign_id_for_campaigns() -> None:
    """... the reviewer's id for a reviewer's messages, which stay in order per reviewer, and the
    round's for what its chairs are told."""
    keys = {
        "campaign.defined": "yanbian-2024",
        "review.assigned": "R0A1B2C3D4E",
        "round.noticed": "yanbian-2024:county|222401",
    }
    for etype, event in examples().items():
        expected = keys.get(etype, SID)
        assert event.partition_key() == expected, etype


# --- (f) contracts depends on pydantic and the standard library only ------------------------------


def _allowed_top_level(name: str) -> bool:
    return name in sys.stdlib_module_names or name in {"__future__", "pydantic", "contracts"}


def test_contracts_sources_import_only_pydantic_and_the_standard_library() -> None:
    sources = sorted((ROOT / "contracts").glob("*.py"))
    assert Path(contracts.__file__).resolve().parent == ROOT / "contracts"
    assert len(sources) >= 6
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [] if node.level else [node.module or ""]
            else:
                continue
            for name in names:
                assert _allowed_top_level(name.split(".")[0]), f"{path.name} imports {name}"


def _canonical(dist: str) -> str:
    return re.sub(r"[-_.]+", "-", dist).lower()


def _pydantic_and_its_requirements() -> set[str]:
    seen: set[str] = set()
    todo = ["pydantic"]
    while todo:
        name = _canonical(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        for req in metadata.requires(name) or []:
            if "extra ==" not in req:
                todo.append(re.split(r"[\s;<>=!~\[(]", req, maxsplit=1)[0])
    return seen


def test_importing_contracts_loads_nothing_beyond_pydantic() -> None:
    probe = (
        "import json, sys; before = set(sys.modules); "
        "import contracts, contracts.schemas; "
        "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
        "print(json.dumps({m: getattr(sys.modules[m], '__file__', None) for m in sorted(new)}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    loaded: dict[str, str | None] = json.loads(out.stdout)
    assert "contracts" in loaded and "pydantic" in loaded
    stdlib_dirs = {Path(sysconfig.get_paths()[k]).resolve() for k in ("stdlib", "platstdlib")}
    owners = metadata.packages_distributions()
    allowed = _pydantic_and_its_requirements()

    def acceptable(module: str, file: str | None) -> bool:
        if _allowed_top_level(module) or file is None:  # None: built into the interpreter
            return True
        if any(Path(file).resolve().is_relative_to(d) for d in stdlib_dirs) and "-packages" not in file:
            return True
        return bool({_canonical(d) for d in owners.get(module, [])} & allowed)

    foreign = sorted(m for m, file in loaded.items() if not acceptable(m, file))
    assert not foreign, f"importing contracts loads {foreign}; contracts must need only pydantic"
