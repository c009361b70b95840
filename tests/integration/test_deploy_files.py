"""The deployment files: Dockerfile, docker-compose.yml and the kustomize trees under k8s/
(rendered by tests/integration/kustomize_render.py; the autoscalers and GPU pools are checked in
test_deploy_scaling.py).

docker-compose.yml is validated against the Compose Specification JSON schema in
data/compose-spec.json: the official schema as shipped in the docker-compose 1.29.2 wheel
(compose/config/compose_spec.json, Apache-2.0), committed verbatim.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.integration.kustomize_render import (
    NAME,
    PART_OF,
    RENDERERS,
    ROOT,
    SERVICES,
    Doc,
    comparable,
    containers,
    find_doc,
    key,
    quantity,
    rendered,
)

COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_SCHEMA = Path(__file__).parent / "data" / "compose-spec.json"

SERVICE_ENV = {
    "KAFKA_BOOTSTRAP_SERVERS": "kafka:9092",
    "MONGODB_URI": "mongodb://mongo:27017/?replicaSet=rs0",
    "ZHENGJI_HTTP_PORT": "8000",
}
K8S_BLOBS = {"ZHENGJI_BLOB_DIR": "/data/blobs"}
COMPOSE_BLOBS = {"ZHENGJI_BLOB_URL": "s3://zhengji/blobs", "AWS_ENDPOINT_URL": "http://minio:9000"}
# Compose keeps blobs in MinIO; the k8s base still on its shared volume (object storage there comes
# from an overlay and a Secret: docs/operations.md "Running on many machines").
OBJECT_STORE_ENV = {
    "ZHENGJI_BLOB_URL",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_REGION",
    "ZHENGJI_BLOB_S3_VIRTUAL_HOSTED",
}


# --------------------------------------------------------------------------- kubernetes checks


def _assert_same_resources(ours: list[Doc], theirs: list[Doc]) -> None:
    """The PyYAML renderer (the one machines without kubectl rely on) must match kubectl exactly."""
    ours, theirs = comparable(ours), comparable(theirs)
    assert [key(d) for d in ours] == [key(d) for d in theirs]
    for mine, real in zip(ours, theirs, strict=True):
        assert mine == real, key(mine)


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
@pytest.mark.parametrize("tree", ["base", "overlays/gpu"])
def test_k8s_every_service_has_deployment_service_configmap(renderer: str, tree: str) -> None:
    docs = rendered(renderer, tree)
    if renderer == "kubectl":
        _assert_same_resources(rendered("pyyaml", tree), docs)
    for doc in docs:
        assert doc["metadata"]["labels"][PART_OF] == "zhengji", doc["metadata"]["name"]

    pvc = find_doc(docs, "PersistentVolumeClaim", "zhengji-blobs")
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]

    for svc in SERVICES:
        deploy = find_doc(docs, "Deployment", svc)
        service = find_doc(docs, "Service", svc)
        pod = deploy["spec"]["template"]
        assert deploy["metadata"]["labels"][NAME] == svc
        assert pod["metadata"]["labels"][NAME] == svc
        assert pod["metadata"]["labels"][PART_OF] == "zhengji"
        assert deploy["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
        assert service["metadata"]["labels"][NAME] == svc
        assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()

        (container,) = pod["spec"]["containers"]
        assert container["args"] == ["serve", svc]
        assert container["image"].startswith("zhengji")
        port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert port_names == {"http": 8000}
        assert [p["targetPort"] for p in service["spec"]["ports"]] == ["http"]
        # Liveness must not fail on a store outage (a restart would not help); readiness does.
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
            assert container[probe]["httpGet"] == {"path": path, "port": "http"}, (svc, probe)
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= container["resources"][kind].keys(), (svc, kind)

        (env_from,) = container["envFrom"]
        config = find_doc(docs, "ConfigMap", env_from["configMapRef"]["name"])
        assert config["metadata"]["labels"][NAME] == svc
        assert (SERVICE_ENV | K8S_BLOBS).items() <= config["data"].items(), svc

        volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/data/blobs"]
        assert volumes[mount["name"]]["persistentVolumeClaim"]["claimName"] == "zhengji-blobs"
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_k8s_transcoder_is_the_big_one(renderer: str) -> None:
    docs = rendered(renderer, "base")
    requests = {
        svc: containers(find_doc(docs, "Deployment", svc))[0]["resources"]["requests"] for svc in SERVICES
    }
    big = requests.pop("transcoder")
    assert quantity(big["cpu"]) >= 2 and quantity(big["memory"]) >= quantity("4Gi")
    for svc, req in requests.items():
        assert quantity(req["cpu"]) < quantity(big["cpu"]) and quantity(req["memory"]) < quantity(
            big["memory"]
        ), svc


# --------------------------------------------------------------------------- docker compose


def _compose(text: str | None = None) -> Doc:
    doc: Doc = yaml.safe_load(text if text is not None else COMPOSE_FILE.read_text(encoding="utf-8"))
    return doc


def _compose_validator() -> jsonschema.Draft201909Validator:
    schema = json.loads(COMPOSE_SCHEMA.read_text(encoding="utf-8"))
    assert schema["title"] == "Compose Specification"
    # The file names 2019-09 as "http://json-schema.org/draft/2019-09/schema#", a spelling
    # jsonschema does not look up, so pick the draft explicitly.
    assert "2019-09" in schema["$schema"]
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(schema)


def _errors(doc: Doc) -> list[str]:
    errors = _compose_validator().iter_errors(doc)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def test_compose_file_matches_compose_spec_schema() -> None:
    assert _errors(_compose()) == []


def test_compose_schema_is_strict_enough_to_catch_mistakes() -> None:
    broken = _compose()
    broken["services"]["intake"]["comand"] = ["serve", "intake"]
    broken["services"]["kafka"]["healthcheck"]["interval"] = 10
    errors = _errors(broken)
    assert any("comand" in e for e in errors), errors
    assert any(e.startswith("services/kafka/healthcheck/interval") for e in errors), errors


def test_compose_commented_gpu_block_is_valid_when_uncommented() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    block = re.search(r"^\s*# BEGIN GPU\n(.*?)^\s*# END GPU$", text, re.S | re.M)
    assert block, "transcoder GPU example (between '# BEGIN GPU' and '# END GPU') is missing"
    uncommented = re.sub(r"^(\s*)# ?", r"\1", block.group(1), flags=re.M)
    doc = _compose(text.replace(block.group(1), uncommented))
    assert _errors(doc) == []
    (device,) = doc["services"]["transcoder"]["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia"
    # "video" mounts the NVENC/NVDEC libraries, "compute" libcuda, which NVENC needs as well.
    assert {"gpu", "video", "compute"} <= set(device["capabilities"])


def test_compose_services_kafka_mongo_and_minio() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"kafka", "mongo", "minio", "minio-init", "nginx", "topics", *SERVICES}
    assert services["topics"]["command"] == ["admin", "topics", "apply"]
    for svc in SERVICES:  # the services make no topics: they start once the declaration is applied
        assert services[svc]["depends_on"]["topics"] == {"condition": "service_completed_successfully"}

    for svc in SERVICES:
        spec = services[svc]
        assert spec["build"] == "."
        assert spec["command"] == ["serve", svc]
        env = {k: str(v) for k, v in spec["environment"].items()}
        assert (SERVICE_ENV | COMPOSE_BLOBS).items() <= env.items(), svc
        assert set(env) >= OBJECT_STORE_ENV, svc
        assert "volumes" not in spec, f"{svc} shares nothing but the network"
        for dep in ("kafka", "mongo"):
            assert spec["depends_on"][dep] == {"condition": "service_healthy"}, (svc, dep)
        assert spec["depends_on"]["minio-init"] == {"condition": "service_completed_successfully"}
    published = {svc: services[svc].get("ports") for svc in SERVICES}
    assert published == {
        "intake": ["8000:8000"],
        "validator": None,
        "transcoder": None,  # --scale transcoder=N must not collide on a host port
        "review": ["8003:8000"],
        "publisher": ["8004:8000"],
        "notifier": None,  # reached through nginx (8080), like the validator needs none
    }
    assert services["transcoder"]["environment"]["ZHENGJI_TRANSCODER_ENCODER"] == "auto"

    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    kenv = {k: str(v) for k, v in kafka["environment"].items()}
    assert set(kenv["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}  # KRaft
    assert kenv["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert "PLAINTEXT://kafka:9092" in kenv["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert "zookeeper" not in json.dumps(compose).lower()
    assert "healthcheck" in kafka

    mongo = services["mongo"]
    assert mongo["image"] == "mongo:7"
    command = mongo["command"]
    assert command[command.index("--replSet") + 1] == "rs0"
    check = " ".join(mongo["healthcheck"]["test"])
    assert "rs.initiate" in check and "_id: 'rs0'" in check and "mongo:27017" in check

    minio, init = services["minio"], services["minio-init"]
    assert minio["image"].startswith("quay.io/minio/minio:RELEASE.") and "healthcheck" in minio
    bucket = COMPOSE_BLOBS["ZHENGJI_BLOB_URL"].removeprefix("s3://").split("/")[0]
    assert f"mc mb --ignore-existing zhengji/{bucket}" in " ".join(init["command"])
    assert init["depends_on"]["minio"] == {"condition": "service_healthy"}


def test_compose_and_k8s_give_services_the_same_settings() -> None:
    compose_keys = set(_compose()["services"]["intake"]["environment"])
    config = find_doc(rendered("pyyaml", "base"), "ConfigMap", "intake-config")
    assert compose_keys - OBJECT_STORE_ENV == set(config["data"]) - {"ZHENGJI_BLOB_DIR"}


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_builds_one_non_root_image_for_all_services() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln for ln in re.sub(r"\\\n", " ", text).splitlines() if ln and not ln.lstrip().startswith("#")]
    instructions = [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1].strip()) for ln in lines]

    assert [arg for op, arg in instructions if op == "FROM"] == ["python:3.11-slim-bookworm"]
    runs = " ".join(arg for op, arg in instructions if op == "RUN")
    assert re.search(r"apt-get install [^&]*\bffmpeg\b", runs)
    assert "pip install --no-cache-dir uv" in runs or "pip install uv" in runs
    assert re.search(r"uv sync --frozen --no-dev(?! --no-install-project)", runs)
    (user,) = [arg for op, arg in instructions if op == "USER"]
    assert user.split(":")[0] not in ("root", "0")
    (entrypoint,) = [arg for op, arg in instructions if op == "ENTRYPOINT"]
    assert json.loads(entrypoint) == ["/app/.venv/bin/zhengji"]

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert "zhengji" in scripts

    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git"} <= set(ignored)
