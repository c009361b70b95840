"""Export the contracts as JSON Schema files and as an AsyncAPI 3.0 document.

``python -m contracts.schemas`` (``make schemas``) writes

- ``contracts/schemas/<event_type>.v<schema_version>.json``: one schema per event model,
  e.g. ``submission.submitted.v1.json``, ``campaign.defined.v1.json``;
- ``contracts/schemas/blob-ref.json`` and ``contracts/schemas/campaign.json``;
- ``docs/asyncapi.yaml``: every topic, its message, payload and Kafka key.

The output is deterministic (sorted keys in the JSON files, a fixed order in the YAML), so
a test can compare the committed files with what the models produce now and fail when they
are stale. Only pydantic and the standard library are used: the YAML is written here.

The schemas describe what a consumer may validate: pydantic's validation-mode JSON Schema
of each model, with ``event_type`` required as well (it has a default in the model, but it
is always on the wire and ``parse_event`` dispatches on it).
"""

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from contracts.blobs import BlobRef
from contracts.campaign import Campaign
from contracts.events import EVENT_MODELS, BaseEvent
from contracts.topics import (
    CAMPAIGN_TOPIC,
    DLQ_SUFFIX,
    EVENT_TOPICS,
    REVIEWER_TOPIC,
    ROUND_TOPIC,
    TOPICS,
    key_field,
    topic_for,
)

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
ASYNCAPI_PATH = Path(__file__).resolve().parents[1] / "docs" / "asyncapi.yaml"

KAFKA_BINDING_VERSION = "0.5.0"
SERVICES = ("intake", "validator", "transcoder", "review", "publisher")
# event_type -> the service that produces it and the services that consume it.
PRODUCER: dict[str, str] = {
    "campaign.defined": "intake",
    "submission.submitted": "intake",
    "submission.validated": "validator",
    "submission.transcoded": "transcoder",
    "submission.approved": "intake",
    "submission.returned": "intake",
    "submission.reviewed": "review",
    "submission.published": "publisher",
    "review.assigned": "review",
    "round.noticed": "review",
}
CONSUMERS: dict[str, tuple[str, ...]] = {
    "campaign.defined": SERVICES,
    "submission.submitted": ("validator",),  # not intake: it records its own upload as it makes it
    "submission.validated": ("intake", "transcoder"),
    "submission.transcoded": ("intake", "review"),
    "submission.approved": ("intake", "review"),
    "submission.returned": ("intake", "notifier"),
    "submission.reviewed": ("intake", "publisher"),
    "submission.published": ("intake",),
    "review.assigned": ("notifier",),
    "round.noticed": ("notifier",),
}
SUMMARY: dict[str, str] = {
    "campaign.defined": "A campaign was created or changed; every service keeps its own copy of the spec.",
    "submission.submitted": "An entrant uploaded a version of a work.",
    "submission.validated": "The technical check of an upload: passed or failed, with findings.",
    "submission.transcoded": "The renditions for reviewers were made (preview, poster), or the job failed.",
    "submission.approved": "The unit approved (推荐) the entry; with transcoded, it may go to review.",
    "submission.returned": "The unit returned (退回) the entry with its reason, for the entrant to resubmit.",
    "submission.reviewed": "The outcome of one review level: recommended, not recommended or awarded.",
    "submission.published": "A work was published to (or retracted from) a platform, or publishing failed.",
    "review.assigned": "A reviewer's share of a round once staffed or changed (an id and a count).",
    "round.noticed": "A round's scores are all in, or an appeal was filed: for its chairs.",
}


# -- JSON Schema files ------------------------------------------------------------------------


def schema_version(model: type[BaseEvent]) -> int:
    version = model.model_fields["schema_version"].default
    assert isinstance(version, int), model
    return version


def event_type(model: type[BaseEvent]) -> str:
    value = model.model_fields["event_type"].default
    assert isinstance(value, str), model
    return value


def schema_filename(model: type[BaseModel]) -> str:
    if model is BlobRef:
        return "blob-ref.json"
    if model is Campaign:
        return "campaign.json"
    if issubclass(model, BaseEvent):
        return f"{event_type(model)}.v{schema_version(model)}.json"
    raise ValueError(f"no schema file for {model.__name__}")


def exported_models() -> list[type[BaseModel]]:
    return [*EVENT_MODELS.values(), BlobRef, Campaign]


def _require_event_type(schema: dict[str, Any]) -> dict[str, Any]:
    required = list(schema.get("required", []))
    if "event_type" not in required:
        required.insert(0, "event_type")
    return {**schema, "required": required}


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one exported model, as written to its file."""
    schema = model.model_json_schema()
    if issubclass(model, BaseEvent):
        schema = _require_event_type(schema)
    return {"$schema": JSON_SCHEMA_DIALECT, **schema}


def _json_text(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render() -> dict[str, str]:
    """File name in ``contracts/schemas/`` -> its text."""
    return {schema_filename(m): _json_text(json_schema(m)) for m in exported_models()}


def write(folder: Path) -> list[Path]:
    """Write every schema into ``folder``; ``*.json`` files no longer generated are removed."""
    folder.mkdir(parents=True, exist_ok=True)
    files = render()
    for stale in sorted(folder.glob("*.json")):
        if stale.name not in files:
            stale.unlink()
    written = []
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


# -- AsyncAPI ---------------------------------------------------------------------------------


def _topic(etype: str) -> str:
    return CAMPAIGN_TOPIC if etype == "campaign.defined" else topic_for(etype)


def _component_schemas() -> tuple[dict[str, str], dict[str, Any]]:
    """Every model's schema under ``#/components/schemas``; event type -> its component name."""
    keys, top = models_json_schema(
        [(m, "validation") for m in exported_models()], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    names: dict[str, str] = {}
    for etype, model in EVENT_MODELS.items():
        name = keys[(model, "validation")]["$ref"].rsplit("/", 1)[1]
        schemas[name] = _require_event_type(schemas[name])
        names[etype] = name
    return names, dict(sorted(schemas.items()))


def _description() -> str:
    topics = list(EVENT_TOPICS)
    return "\n".join(
        [
            "The events the five zhengji services exchange over Kafka, generated from the pydantic",
            "models of the `contracts` package (`python -m contracts.schemas`; do not edit by hand).",
            "",
            "- Topics: `zhengji.submission.<stage>.v1`, plus `" + CAMPAIGN_TOPIC + "` for campaign specs",
            "  `" + REVIEWER_TOPIC + "` for reviewers' assignments and `" + ROUND_TOPIC + "` for what",
            "  rounds' chairs act on (both read by the notifier).",
            "- Message key: `submission_id` (one submission's events stay in order on one partition);",
            "  `campaign_id` on the campaign topic, `reviewer_id` on the reviewers', `round_id` on the",
            "  rounds'.",
            "- Message value: the event as UTF-8 JSON, with the header `content-type: application/json`.",
            "- Dead letters: a message that cannot be handled after bounded retries with backoff goes",
            f"  to `<topic>{DLQ_SUFFIX}` (e.g. `{TOPICS['submitted']}{DLQ_SUFFIX}`) with its original bytes",
            "  and the headers `x-error-kind`, `x-error`, `x-attempts`, `x-original-topic`,",
            "  `x-original-partition`, `x-original-offset`, `x-consumer-group`.",
            "- Versioning: a breaking change makes a new `.v2` topic; additive fields keep `v1`.",
            "  Consumers ignore fields they do not know.",
            "- Events carry references to stored bytes (`BlobRef`), never media, and never personal",
            "  data (phones, ID numbers, the names of minors).",
            "- Every event has `event_id` (consumers deduplicate on it), `event_type`, `schema_version`,",
            "  `occurred_at` (UTC), `campaign_id` and `producer`.",
            "",
            "The same payload schemas, one file per event, are in `contracts/schemas/`.",
            "",
            "Topics (each with its `" + DLQ_SUFFIX + "` dead-letter topic):",
            *(f"- `{t}`" for t in topics),
        ]
    )


def asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3.0 document as a plain structure (what ``render_asyncapi`` writes)."""
    names, schemas = _component_schemas()
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for etype, model in EVENT_MODELS.items():
        topic = _topic(etype)
        keyed_by = key_field(etype)
        message: dict[str, Any] = {
            "name": etype,
            "title": names[etype],
            "summary": SUMMARY[etype],
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "properties": {"content-type": {"type": "string", "const": "application/json"}},
            },
            "payload": {"$ref": f"#/components/schemas/{names[etype]}"},
            "bindings": {
                "kafka": {
                    "key": {"type": "string", "description": f"The event's `{keyed_by}`"},
                    "bindingVersion": KAFKA_BINDING_VERSION,
                }
            },
        }
        if "correlation_id" in model.model_fields:
            message["correlationId"] = {
                "description": "The same for every event of one submission version",
                "location": "$message.payload#/correlation_id",
            }
        messages[etype] = message
        channels[etype] = {
            "address": topic,
            "title": topic,
            "description": (
                f"`{etype}` events, keyed by `{keyed_by}`. Dead letters go to `{topic}{DLQ_SUFFIX}`."
            ),
            "messages": {etype: {"$ref": f"#/components/messages/{etype}"}},
            "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING_VERSION}},
        }
        message_ref = {"$ref": f"#/channels/{etype}/messages/{etype}"}
        channel_ref = {"$ref": f"#/channels/{etype}"}
        producer = PRODUCER[etype]
        operations[f"{producer}.send.{etype}"] = {
            "action": "send",
            "channel": channel_ref,
            "title": f"{producer} publishes {etype}",
            "messages": [message_ref],
        }
        for consumer in CONSUMERS[etype]:
            operations[f"{consumer}.receive.{etype}"] = {
                "action": "receive",
                "channel": channel_ref,
                "title": f"{consumer} consumes {etype}",
                "messages": [message_ref],
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "zhengji 征集 events",
            "version": "1.0.0",
            "description": _description(),
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": "kafka:9092",
                "protocol": "kafka",
                "title": "Apache Kafka (distributed mode)",
                "description": (
                    "Apache Kafka (KRaft) of docker-compose.yml and k8s/; services read the address "
                    "from KAFKA_BOOTSTRAP_SERVERS."
                ),
            },
            "embedded": {
                "host": "127.0.0.1:{port}",
                "protocol": "kafka",
                "title": "Embedded broker (zhengji up, zhengji demo, tests)",
                "description": (
                    "Tansu, a Kafka-compatible broker, on loopback: `zhengji up` prints its address, "
                    "and `zhengji up --kafka-port 9092` fixes it. Tried with aiokafka "
                    "(tests/e2e/test_up_for_developers.py); a client that needs neither "
                    "transactions nor an idempotent producer should work."
                ),
                "variables": {"port": {"description": "The port chosen at start-up", "default": "9092"}},
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


_PLAIN = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$./-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        if _PLAIN.match(value) and value.lower() not in _RESERVED:
            return value
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def _block_text(value: Any) -> bool:
    """A multi-line string written as a literal block (``|-``) for readability."""
    return (
        isinstance(value, str)
        and "\n" in value
        and not value.endswith("\n")
        and not value.startswith((" ", "\n"))
        and all(ch.isprintable() or ch == "\n" for ch in value)
        and not any(line != line.rstrip() for line in value.split("\n"))
    )


def _yaml_lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{pad}{_scalar(str(key))}:"
            if isinstance(item, dict | list) and item:
                lines.append(head)
                lines.extend(_yaml_lines(item, indent + 2))
            elif isinstance(item, dict):
                lines.append(f"{head} {{}}")
            elif isinstance(item, list):
                lines.append(f"{head} []")
            elif _block_text(item):
                lines.append(f"{head} |-")
                lines.extend(f"{pad}  {line}" if line else "" for line in item.split("\n"))
            else:
                lines.append(f"{head} {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and item:
                nested = _yaml_lines(item, indent + 2)
                nested[0] = f"{pad}- {nested[0][indent + 2 :]}"
                lines.extend(nested)
            elif isinstance(item, dict):
                lines.append(f"{pad}- {{}}")
            elif isinstance(item, list):
                lines.append(f"{pad}- []")
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    else:
        lines.append(pad + _scalar(value))
    return lines


def to_yaml(value: Any) -> str:
    """Block-style YAML of plain data (dicts, lists, strings, numbers, booleans, None)."""
    return "\n".join(_yaml_lines(value, 0)) + "\n"


def render_asyncapi() -> str:
    header = "# Generated by `python -m contracts.schemas` (make schemas) from contracts/. Do not edit.\n"
    return header + to_yaml(asyncapi())


def main() -> None:
    for path in write(SCHEMA_DIR):
        print(path)
    ASYNCAPI_PATH.parent.mkdir(parents=True, exist_ok=True)
    ASYNCAPI_PATH.write_text(render_asyncapi(), encoding="utf-8")
    print(ASYNCAPI_PATH)


if __name__ == "__main__":
    main()
