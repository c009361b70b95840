"""The deployment files: Dockerfile, docker-compose.yml and the kustomize trees under k8s/.

Kubernetes manifests are rendered with ``kubectl kustomize`` when kubectl is on PATH, and always also
with a small PyYAML renderer below that implements the kustomize features these files use
(resources, components, configMapGenerator, patches, labels, images); where both run, their outputs
must agree.
The same checks run on every renderer, so a machine without kubectl still checks the same facts.

docker-compose.yml is validated against the Compose Specification JSON schema in
data/compose-spec.json: the official schema as shipped in the docker-compose 1.29.2 wheel
(compose/config/compose_spec.json, Apache-2.0), committed verbatim.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from services.common import cpu_quota, metrics
from services.common.settings import Settings

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


def _kustomization(directory: Path, kind: str) -> Doc:
    kust: Doc = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    assert kust["kind"] == kind, directory
    return kust


def _resources(directory: Path, kust: Doc) -> list[Doc]:
    docs: list[Doc] = []
    for entry in kust.get("resources", []):
        target = (directory / entry).resolve()
        docs += render_pyyaml(target) if target.is_dir() else _load_docs(target)
    return docs


def _apply_patches(directory: Path, specs: list[Doc], docs: list[Doc]) -> None:
    for spec in specs:
        (patch,) = _load_docs(directory / spec["path"])
        target = spec.get("target", {"kind": patch["kind"], "name": patch["metadata"]["name"]})
        hits = 0
        for i, doc in enumerate(docs):
            if doc["kind"] == target["kind"] and target.get("name", key(doc)[1]) == key(doc)[1]:
                body = {k: v for k, v in patch.items() if k not in ("apiVersion", "kind", "metadata")}
                docs[i] = _smp(doc, body)
                hits += 1
        assert hits, f"patch {spec['path']} matched nothing"


def _apply_component(directory: Path, docs: list[Doc]) -> None:
    """A kustomize Component: its resources join, its patches apply to everything gathered so far."""
    component = _kustomization(directory, "Component")
    assert set(component) <= {"apiVersion", "kind", "resources", "patches"}, "a feature this renderer lacks"
    docs += _resources(directory, component)
    _apply_patches(directory, component.get("patches", []), docs)


def render_pyyaml(directory: Path) -> list[Doc]:
    kust = _kustomization(directory, "Kustomization")
    docs = _resources(directory, kust)
    # kustomize's order: resources, then components, then this kustomization's generators and patches.
    for component in kust.get("components", []):
        _apply_component((directory / component).resolve(), docs)

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

    _apply_patches(directory, kust.get("patches", []), docs)

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


NVENC_PRODUCTS = {"NVIDIA-L4", "NVIDIA-L40S", "Tesla-T4", "NVIDIA-A10"}  # at least these


def _gpu_products(pod: Doc) -> set[str]:
    terms = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]
    (term,) = terms
    (expression,) = term["matchExpressions"]
    assert (expression["key"], expression["operator"]) == ("nvidia.com/gpu.product", "In")
    return set(expression["values"])


def _assert_gpu_pod(pod: Doc) -> Doc:
    (container,) = pod["containers"]
    assert str(container["resources"]["limits"]["nvidia.com/gpu"]) == "1"
    assert str(container["resources"]["requests"].get("nvidia.com/gpu", 1)) == "1"
    assert any(t["key"] == "nvidia.com/gpu" for t in pod["tolerations"])
    env = {e["name"]: e["value"] for e in container.get("env", [])}
    # "video" mounts the NVENC/NVDEC libraries, "compute" libcuda, which both need.
    assert {"video", "compute"} <= set(env["NVIDIA_DRIVER_CAPABILITIES"].split(","))
    return dict(container)


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_k8s_gpu_overlay_pins_an_nvenc_pool_and_an_nvdec_pool(renderer: str) -> None:
    base, gpu = rendered(renderer, "base"), rendered(renderer, "overlays/gpu")
    assert "nvidia.com/gpu" not in json.dumps(base)

    # The NVENC pool: the base transcoder on GPUs that encode (L4, L40S, T4, A10 ...).
    nvenc_pod = _find(gpu, "Deployment", "transcoder")["spec"]["template"]["spec"]
    container = _assert_gpu_pod(nvenc_pod)
    nvenc = _gpu_products(nvenc_pod)
    assert nvenc >= NVENC_PRODUCTS
    assert not any(re.search(r"H100|A100", product) for product in nvenc), "no NVENC on H100/A100"
    # CPU/memory from the base survive the patch: filters and audio run on the CPU.
    base_container = _containers(_find(base, "Deployment", "transcoder"))[0]
    assert base_container["resources"]["requests"].items() <= container["resources"]["requests"].items()

    # The NVDEC pool beside it: H100/A100 decode on the GPU and encode with libx264, so more CPU.
    nvdec = _find(gpu, "Deployment", "transcoder-nvdec")
    nvdec_pod = nvdec["spec"]["template"]["spec"]
    nvdec_container = _assert_gpu_pod(nvdec_pod)
    assert all(re.fullmatch(r"NVIDIA-(H100|A100)-.+", product) for product in _gpu_products(nvdec_pod))
    cpu = {
        name: _qty(c["resources"]["requests"]["cpu"])
        for name, c in (("nvenc", container), ("nvdec", nvdec_container))
    }
    assert cpu["nvdec"] > cpu["nvenc"]
    # Same program, settings and queue; the pod defaults (image, probes, volume, user) reach it too.
    assert nvdec_container["args"] == ["serve", "transcoder"]
    assert nvdec_container["envFrom"] == container["envFrom"]
    assert nvdec_container["image"] == container["image"]
    assert nvdec_container["readinessProbe"] == container["readinessProbe"]
    assert nvdec_container["volumeMounts"] == container["volumeMounts"]
    assert nvdec_pod["securityContext"] == nvenc_pod["securityContext"]
    assert nvdec["metadata"]["labels"][PART_OF] == "zhengji"
    template_labels = nvdec["spec"]["template"]["metadata"]["labels"]
    assert nvdec["spec"]["selector"]["matchLabels"].items() <= template_labels.items()
    for service in (d for d in gpu if d["kind"] == "Service"):
        assert not service["spec"]["selector"].items() <= template_labels.items(), (
            "selectors must not overlap"
        )

    encoder = {
        tree: _find(docs, "ConfigMap", "transcoder-config")["data"]["ZHENGJI_TRANSCODER_ENCODER"]
        for tree, docs in (("base", base), ("gpu", gpu))
    }
    assert encoder == {"base": "x264", "gpu": "auto"}  # auto: NVENC, or NVDEC + libx264, as found

    added = {key(d) for d in gpu} - {key(d) for d in base}
    assert added == {("Deployment", "transcoder-nvdec"), ("ScaledObject", "transcoder-nvdec")}
    for doc in base:
        if key(doc) not in {("Deployment", "transcoder"), ("ConfigMap", "transcoder-config")}:
            assert _find(gpu, *key(doc)) == doc, key(doc)


# --------------------------------------------------------------------------- autoscaling
#
# No Kubernetes or KEDA schema can be had offline here (kubectl validates against a live API
# server), so the autoscalers are checked field by field: the required fields and value types of
# autoscaling/v2 HorizontalPodAutoscaler and of KEDA's ScaledObject (keda.sh/v1alpha1, KEDA 2.x),
# and their known fields, so a misspelt or misplaced one fails as a schema check would.

SCALED_OBJECT_SPEC = {
    "scaleTargetRef", "pollingInterval", "cooldownPeriod", "initialCooldownPeriod", "idleReplicaCount",
    "minReplicaCount", "maxReplicaCount", "fallback", "advanced", "triggers",
}  # fmt: skip
HPA_SPEC = {"scaleTargetRef", "minReplicas", "maxReplicas", "metrics", "behavior"}
# A typical job's length (s) per queue: the scale-in waits longer, so a burst is not cut mid-way.
TYPICAL_JOB_S = {"transcode": 600, "quality_check": 120}
QUEUE_OF = {"transcoder": "transcode", "transcoder-nvdec": "transcode", "validator": "quality_check"}


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _behavior_errors(behavior: Doc, where: str) -> list[str]:
    errors = []
    for direction, rules in behavior.items():
        if direction not in ("scaleUp", "scaleDown"):
            errors.append(f"{where}: unknown {direction}")
            continue
        if not 0 <= rules.get("stabilizationWindowSeconds", 0) <= 3600:
            errors.append(f"{where}.{direction}.stabilizationWindowSeconds must be 0..3600")
        for policy in rules.get("policies", []):
            if policy.get("type") not in ("Pods", "Percent") or not _int(policy.get("value")):
                errors.append(f"{where}.{direction}.policies: type Pods|Percent and an integer value")
            if not (_int(policy.get("periodSeconds")) and 0 < policy["periodSeconds"] <= 1800):
                errors.append(f"{where}.{direction}.policies: periodSeconds must be 1..1800")
    return errors


def scaled_object_errors(doc: Doc) -> list[str]:
    errors = [] if doc["apiVersion"] == "keda.sh/v1alpha1" else ["apiVersion must be keda.sh/v1alpha1"]
    spec = doc["spec"]
    errors += [f"spec.{k}: unknown field" for k in sorted(set(spec) - SCALED_OBJECT_SPEC)]
    if not isinstance(spec.get("scaleTargetRef", {}).get("name"), str):
        errors.append("spec.scaleTargetRef.name is required")
    for field in ("pollingInterval", "cooldownPeriod", "minReplicaCount", "maxReplicaCount"):
        if field in spec and not (_int(spec[field]) and spec[field] >= 0):
            errors.append(f"spec.{field} must be a non-negative integer")
    if spec.get("minReplicaCount", 0) > spec.get("maxReplicaCount", 100):
        errors.append("spec.minReplicaCount exceeds maxReplicaCount")
    fallback = spec.get("fallback")
    if fallback is not None and not (
        _int(fallback.get("failureThreshold")) and _int(fallback.get("replicas"))
    ):
        errors.append("spec.fallback needs integer failureThreshold and replicas")
    hpa = spec.get("advanced", {}).get("horizontalPodAutoscalerConfig", {})
    errors += _behavior_errors(
        hpa.get("behavior", {}), "spec.advanced.horizontalPodAutoscalerConfig.behavior"
    )
    triggers = spec.get("triggers")
    if not triggers:
        errors.append("spec.triggers is required")
    for n, trigger in enumerate(triggers or []):
        if not isinstance(trigger.get("type"), str) or not isinstance(trigger.get("metadata"), dict):
            errors.append(f"spec.triggers[{n}] needs type and metadata")
            continue
        errors += [
            f"spec.triggers[{n}].metadata.{k} must be a string"
            for k, v in trigger["metadata"].items()
            if not isinstance(v, str)
        ]
        if trigger["type"] == "prometheus":
            missing = {"serverAddress", "query", "threshold"} - set(trigger["metadata"])
            errors += [f"spec.triggers[{n}].metadata.{k} is required" for k in sorted(missing)]
    return errors


def hpa_errors(doc: Doc) -> list[str]:
    errors = [] if doc["apiVersion"] == "autoscaling/v2" else ["apiVersion must be autoscaling/v2"]
    spec = doc["spec"]
    errors += [f"spec.{k}: unknown field" for k in sorted(set(spec) - HPA_SPEC)]
    ref = spec.get("scaleTargetRef", {})
    if not all(isinstance(ref.get(k), str) for k in ("apiVersion", "kind", "name")):
        errors.append("spec.scaleTargetRef needs apiVersion, kind and name")
    if not (_int(spec.get("maxReplicas")) and spec["maxReplicas"] >= spec.get("minReplicas", 1) >= 1):
        errors.append("spec.maxReplicas is required, at least minReplicas (at least 1)")
    for n, metric in enumerate(spec.get("metrics", [])):
        resource = metric.get("resource", {})
        target = resource.get("target", {})
        if metric.get("type") != "Resource" or resource.get("name") not in ("cpu", "memory"):
            errors.append(f"spec.metrics[{n}]: a Resource metric on cpu or memory")
        elif target.get("type") != "Utilization" or not _int(target.get("averageUtilization")):
            errors.append(f"spec.metrics[{n}].resource.target: Utilization with integer averageUtilization")
    errors += _behavior_errors(spec.get("behavior", {}), "spec.behavior")
    return errors


def _scalers(docs: list[Doc]) -> dict[str, Doc]:
    """Deployment name -> the one autoscaler (HPA or ScaledObject) that targets it."""
    found: dict[str, Doc] = {}
    for doc in docs:
        if doc["kind"] in ("HorizontalPodAutoscaler", "ScaledObject"):
            target = doc["spec"]["scaleTargetRef"]["name"]
            assert target not in found, f"two autoscalers fight over {target}"
            found[target] = doc
    return found


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
@pytest.mark.parametrize("tree", ["base", "overlays/gpu"])
def test_k8s_every_deployment_has_one_autoscaler_of_the_right_kind(renderer: str, tree: str) -> None:
    docs = rendered(renderer, tree)
    scalers = _scalers(docs)
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    assert set(scalers) == set(deployments)
    for name, scaler in scalers.items():
        assert "replicas" not in deployments[name]["spec"], f"{name}: the autoscaler owns replicas"
        if scaler["kind"] == "HorizontalPodAutoscaler":
            assert hpa_errors(scaler) == [], name
            assert scaler["spec"]["scaleTargetRef"]["kind"] == "Deployment"
            assert [m["resource"]["name"] for m in scaler["spec"]["metrics"]] == ["cpu"]
        else:
            assert scaled_object_errors(scaler) == [], name
    kinds = {name: scalers[name]["kind"] for name in SERVICES}
    assert kinds == {
        "intake": "HorizontalPodAutoscaler",
        "review": "HorizontalPodAutoscaler",
        "publisher": "HorizontalPodAutoscaler",
        "transcoder": "ScaledObject",
        "validator": "ScaledObject",
    }


def _pod_concurrency(deployment: Doc, setting: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """The jobs one pod runs at once by default: the settings' rule applied to its CPU limit."""
    limit = _qty(_containers(deployment)[0]["resources"]["limits"]["cpu"])
    monkeypatch.setattr(cpu_quota, "whole_cpus", lambda: max(1, math.floor(limit)))
    value: int = getattr(Settings(), setting)
    return value


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
@pytest.mark.parametrize("tree", ["base", "overlays/gpu"])
def test_k8s_queue_scalers_read_the_backlog_the_services_export(
    renderer: str, tree: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = rendered(renderer, tree)
    monkeypatch.delenv("ZHENGJI_TRANSCODER_CONCURRENCY", raising=False)
    monkeypatch.delenv("ZHENGJI_VALIDATOR_CONCURRENCY", raising=False)
    gauge = next(iter(metrics.QUEUE_JOBS.describe())).name
    objects = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ScaledObject"}
    for name, scaled in objects.items():
        spec = scaled["spec"]
        queue = QUEUE_OF[name]
        (trigger,) = spec["triggers"]
        meta = trigger["metadata"]
        assert trigger["type"] == "prometheus"
        # The gauge the code exports, the owner's queue, and max() over replicas (each exports it all).
        assert f'{gauge}{{queue="{queue}", state=~"queued|running"}}' in meta["query"], name
        assert "max by (state)" in meta["query"] and meta["query"].count("(") == meta["query"].count(")")
        assert meta["ignoreNullValues"] == "false", "missing data must not read as an empty queue"
        # One replica per `threshold` jobs: what one pod runs at once, from its CPU limit.
        setting = "validator_concurrency" if queue == "quality_check" else "transcoder_concurrency"
        assert int(meta["threshold"]) == _pod_concurrency(
            _find(docs, "Deployment", name), setting, monkeypatch
        )
        # No scale-in between two jobs of a burst: KEDA's cooldown (to zero) and the HPA's window (N to M).
        window = spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"]
        assert spec["cooldownPeriod"] > TYPICAL_JOB_S[queue], name
        assert window["stabilizationWindowSeconds"] > TYPICAL_JOB_S[queue], name
        assert spec["maxReplicaCount"] > spec["minReplicaCount"]
    # A queue's owner keeps one pod up: that pod is what exports the number scaled on.
    assert objects["transcoder"]["spec"]["minReplicaCount"] >= 1
    assert objects["validator"]["spec"]["minReplicaCount"] >= 1
    if "transcoder-nvdec" in objects:
        # The H100/A100 pool takes only what the NVENC pool cannot: the backlog beyond its maximum.
        nvenc = objects["transcoder"]["spec"]
        capacity = nvenc["maxReplicaCount"] * int(nvenc["triggers"][0]["metadata"]["threshold"])
        query = objects["transcoder-nvdec"]["spec"]["triggers"][0]["metadata"]["query"]
        assert re.fullmatch(rf"clamp_min\(.*\) - {capacity}, 0\)", query), query


def test_autoscaler_checks_catch_the_usual_mistakes() -> None:
    docs = rendered("pyyaml", "base")
    scaled = copy.deepcopy(_find(docs, "ScaledObject", "transcoder"))
    scaled["spec"]["minReplicas"] = 1  # the HPA's spelling
    scaled["spec"]["triggers"][0]["metadata"]["threshold"] = 1  # KEDA wants strings
    del scaled["spec"]["scaleTargetRef"]["name"]
    errors = scaled_object_errors(scaled)
    assert "spec.minReplicas: unknown field" in errors
    assert "spec.triggers[0].metadata.threshold must be a string" in errors
    assert "spec.scaleTargetRef.name is required" in errors

    hpa = copy.deepcopy(_find(docs, "HorizontalPodAutoscaler", "intake"))
    hpa["apiVersion"] = "autoscaling/v1"
    hpa["spec"]["maxReplicaCount"] = hpa["spec"].pop("maxReplicas")  # KEDA's spelling
    hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] = "70%"
    errors = hpa_errors(hpa)
    assert "apiVersion must be autoscaling/v2" in errors
    assert "spec.maxReplicaCount: unknown field" in errors
    assert any(e.startswith("spec.maxReplicas is required") for e in errors)
    assert any("averageUtilization" in e for e in errors)


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_k8s_transcoder_grace_period_fits_its_hand_back(renderer: str) -> None:
    # On SIGTERM the job runner hands its jobs back at once (no waiting for the encode): the grace
    # covers that and the consumer leaving its group, and keeps no pod that has nothing left to do.
    docs = rendered(renderer, "overlays/gpu")
    for name in ("transcoder", "transcoder-nvdec"):
        grace = _find(docs, "Deployment", name)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert 20 <= grace <= 60, (name, grace)


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
