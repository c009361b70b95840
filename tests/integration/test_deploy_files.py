"""The deployment files: Dockerfile, docker-compose.yml and the kustomize trees under k8s/.

Kubernetes manifests are rendered with ``kubectl kustomize`` when kubectl is on PATH, and always also
with a small PyYAML renderer below that implements the kustomize features these files use
(resources, configMapGenerator, patches, labels, images); where both run, their outputs must agree.
The same checks run on every renderer, so a machine without kubectl still checks the same facts.

docker-compose.yml is validated against the Compose Specification JSON schema in
data/compose-spec.json: the official schema as shipped in the docker-compose 1.29.2 wheel
(compose/config/compose_spec.json, Apache-2.0), committed verbatim.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_SCHEMA = Path(__file__).parent / "data" / "compose-spec.json"

SERVICES = ("intake", "validator", "transcoder", "review", "publisher")
SERVICE_ENV = {
    "KAFKA_BOOTSTRAP_SERVERS": "kafka:9092",
    "MONGODB_URI": "mongodb://mongo:27017/?replicaSet=rs0",
    "ZHENGJI_BLOB_DIR": "/data/blobs",
    "ZHENGJI_HTTP_PORT": "8000",
}
NAME = "app.kubernetes.io/name"
PART_OF = "app.kubernetes.io/part-of"

Doc = dict[str, Any]


# --------------------------------------------------------------------------- kustomize rendering


def _load_docs(path: Path) -> list[Doc]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def _smp(base: Any, patch: Any) -> Any:
    """Strategic merge as far as these files need it: maps merge, lists of named maps merge by name,
    other lists are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = _smp(base[key], value) if key in base else copy.deepcopy(value)
        return out
    named = isinstance(base, list) and isinstance(patch, list)
    if named and all(isinstance(i, dict) and "name" in i for i in base + patch):
        merged = [copy.deepcopy(i) for i in base]
        for item in patch:
            idx = next((n for n, b in enumerate(merged) if b["name"] == item["name"]), None)
            if idx is None:
                merged.append(copy.deepcopy(item))
            else:
                merged[idx] = _smp(merged[idx], item)
        return merged
    return copy.deepcopy(patch)


def _env_file(path: Path) -> dict[str, str]:
    data = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            data[key] = value
    return data


def key(doc: Doc) -> tuple[str, str]:
    return doc["kind"], doc["metadata"]["name"]


def _containers(doc: Doc) -> list[Doc]:
    containers: list[Doc] = doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    return containers


def render_pyyaml(directory: Path) -> list[Doc]:
    kust = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    assert kust["kind"] == "Kustomization"
    docs: list[Doc] = []
    for entry in kust.get("resources", []):
        target = (directory / entry).resolve()
        docs += render_pyyaml(target) if target.is_dir() else _load_docs(target)

    for gen in kust.get("configMapGenerator", []):
        data: dict[str, str] = {}
        for env in gen.get("envs", []):
            data |= _env_file(directory / env)
        data |= dict(lit.split("=", 1) for lit in gen.get("literals", []))
        behavior = gen.get("behavior", "create")
        if behavior == "merge":
            (existing,) = [d for d in docs if key(d) == ("ConfigMap", gen["name"])]
            existing["data"] |= data
        else:
            assert behavior == "create", behavior
            labels = dict(gen.get("options", {}).get("labels", {}))
            meta = {"name": gen["name"], **({"labels": labels} if labels else {})}
            docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data})

    for spec in kust.get("patches", []):
        (patch,) = _load_docs(directory / spec["path"])
        target = spec.get("target", {"kind": patch["kind"], "name": patch["metadata"]["name"]})
        hits = 0
        for i, doc in enumerate(docs):
            if doc["kind"] == target["kind"] and target.get("name", key(doc)[1]) == key(doc)[1]:
                body = {k: v for k, v in patch.items() if k not in ("apiVersion", "kind", "metadata")}
                docs[i] = _smp(doc, body)
                hits += 1
        assert hits, f"patch {spec['path']} matched nothing"

    for rule in kust.get("labels", []):
        for doc in docs:
            doc["metadata"].setdefault("labels", {}).update(rule["pairs"])
            template = doc.get("spec", {}).get("template")
            if rule.get("includeTemplates") and template is not None:
                template.setdefault("metadata", {}).setdefault("labels", {}).update(rule["pairs"])

    for image in kust.get("images", []):
        for doc in docs:
            for container in _containers(doc):
                name, _, tag = container["image"].partition(":")
                if name == image["name"]:
                    new_tag = image.get("newTag", tag)
                    container["image"] = image.get("newName", name) + (f":{new_tag}" if new_tag else "")
    return docs


def render_kubectl(directory: Path) -> list[Doc]:
    proc = subprocess.run(
        ["kubectl", "kustomize", str(directory)], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def _unhash(docs: list[Doc]) -> list[Doc]:
    """Drop kustomize's content-hash suffix from generated ConfigMap names and references to them."""
    renames = {}
    for doc in docs:
        if doc["kind"] == "ConfigMap":
            name = doc["metadata"]["name"]
            renames[name] = re.sub(r"-[a-z0-9]{10}$", "", name)
    text = json.dumps(docs)
    for old, new in renames.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    unhashed: list[Doc] = json.loads(text)
    return unhashed


RENDERERS = {"pyyaml": render_pyyaml}
if shutil.which("kubectl"):
    RENDERERS["kubectl"] = render_kubectl


@functools.cache
def _rendered(renderer: str, tree: str) -> str:
    return json.dumps(_unhash(RENDERERS[renderer](K8S / tree)))


def rendered(renderer: str, tree: str) -> list[Doc]:
    docs: list[Doc] = json.loads(_rendered(renderer, tree))
    return docs


def _find(docs: list[Doc], kind: str, name: str) -> Doc:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


_UNITS = {"m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def _qty(value: str | int) -> float:
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    assert match, value
    return float(match[1]) * _UNITS[match[2]]


# --------------------------------------------------------------------------- kubernetes checks


def _assert_same_resources(ours: list[Doc], theirs: list[Doc]) -> None:
    """The PyYAML renderer (the one machines without kubectl rely on) must match kubectl exactly."""
    ours, theirs = sorted(ours, key=key), sorted(theirs, key=key)
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

    pvc = _find(docs, "PersistentVolumeClaim", "zhengji-blobs")
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]

    for svc in SERVICES:
        deploy = _find(docs, "Deployment", svc)
        service = _find(docs, "Service", svc)
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
        for probe in ("readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}, (svc, probe)
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= container["resources"][kind].keys(), (svc, kind)

        (env_from,) = container["envFrom"]
        config = _find(docs, "ConfigMap", env_from["configMapRef"]["name"])
        assert config["metadata"]["labels"][NAME] == svc
        assert SERVICE_ENV.items() <= config["data"].items(), svc

        volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
        (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/data/blobs"]
        assert volumes[mount["name"]]["persistentVolumeClaim"]["claimName"] == "zhengji-blobs"
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_k8s_transcoder_is_the_big_one(renderer: str) -> None:
    docs = rendered(renderer, "base")
    requests = {
        svc: _containers(_find(docs, "Deployment", svc))[0]["resources"]["requests"] for svc in SERVICES
    }
    big = requests.pop("transcoder")
    assert _qty(big["cpu"]) >= 2 and _qty(big["memory"]) >= _qty("4Gi")
    for svc, req in requests.items():
        assert _qty(req["cpu"]) < _qty(big["cpu"]) and _qty(req["memory"]) < _qty(big["memory"]), svc


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_k8s_gpu_overlay_only_changes_the_transcoder(renderer: str) -> None:
    base, gpu = rendered(renderer, "base"), rendered(renderer, "overlays/gpu")
    assert "nvidia.com/gpu" not in json.dumps(base)

    deploy = _find(gpu, "Deployment", "transcoder")
    pod = deploy["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert str(container["resources"]["limits"]["nvidia.com/gpu"]) == "1"
    assert str(container["resources"]["requests"].get("nvidia.com/gpu", 1)) == "1"
    # CPU/memory from the base survive the patch (NVDEC + libx264 on GPUs without NVENC needs them).
    base_container = _containers(_find(base, "Deployment", "transcoder"))[0]
    assert base_container["resources"]["requests"].items() <= container["resources"]["requests"].items()
    assert pod["nodeSelector"]
    assert any(t["key"] == "nvidia.com/gpu" for t in pod["tolerations"])
    env = {e["name"]: e["value"] for e in container.get("env", [])}
    assert {"video", "compute"} <= set(env["NVIDIA_DRIVER_CAPABILITIES"].split(","))

    encoder = {
        tree: _find(docs, "ConfigMap", "transcoder-config")["data"]["ZHENGJI_TRANSCODER_ENCODER"]
        for tree, docs in (("base", base), ("gpu", gpu))
    }
    assert encoder == {"base": "x264", "gpu": "auto"}

    for svc in SERVICES:
        if svc != "transcoder":
            assert _find(gpu, "Deployment", svc) == _find(base, "Deployment", svc), svc


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


def test_compose_services_kafka_and_mongo() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"kafka", "mongo", *SERVICES}
    assert "blobs" in compose["volumes"]

    for svc in SERVICES:
        spec = services[svc]
        assert spec["build"] == "."
        assert spec["command"] == ["serve", svc]
        env = {k: str(v) for k, v in spec["environment"].items()}
        assert SERVICE_ENV.items() <= env.items(), svc
        assert "blobs:/data/blobs" in spec["volumes"], svc
        for dep in ("kafka", "mongo"):
            assert spec["depends_on"][dep] == {"condition": "service_healthy"}, (svc, dep)
    published = {svc: services[svc].get("ports") for svc in SERVICES}
    assert published == {
        "intake": ["8000:8000"],
        "validator": None,
        "transcoder": None,  # --scale transcoder=N must not collide on a host port
        "review": ["8003:8000"],
        "publisher": ["8004:8000"],
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


def test_compose_and_k8s_give_services_the_same_settings() -> None:
    compose_keys = set(_compose()["services"]["intake"]["environment"])
    config = _find(rendered("pyyaml", "base"), "ConfigMap", "intake-config")
    assert compose_keys == set(config["data"])


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
