"""How the services scale on Kubernetes, as the rendered manifests say: one autoscaler per
Deployment (KEDA on the job backlog for the transcoder and the validator, CPU for the HTTP-facing
services), the GPU overlay's two transcoder pools, and a grace period that fits the hand-back.

No Kubernetes or KEDA schema can be had offline here (kubectl validates against a live API
server), so the autoscalers are checked field by field: the required fields and value types of
autoscaling/v2 HorizontalPodAutoscaler and of KEDA's ScaledObject (keda.sh/v1alpha1, KEDA 2.x),
and their known fields, so a misspelt or misplaced one fails as a schema check would."""

from __future__ import annotations

import copy
import json
import math
import re
from typing import Any

import pytest

from services.common import cpu_quota, metrics
from services.common.settings import Settings
from tests.integration import kustomize_render as kz
from tests.integration.kustomize_render import Doc

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


@pytest.mark.parametrize("renderer", sorted(kz.RENDERERS))
def test_k8s_gpu_overlay_pins_an_nvenc_pool_and_an_nvdec_pool(renderer: str) -> None:
    base, gpu = kz.rendered(renderer, "base"), kz.rendered(renderer, "overlays/gpu")
    assert "nvidia.com/gpu" not in json.dumps(base)

    # The NVENC pool: the base transcoder on GPUs that encode (L4, L40S, T4, A10 ...).
    nvenc_pod = kz.find_doc(gpu, "Deployment", "transcoder")["spec"]["template"]["spec"]
    container = _assert_gpu_pod(nvenc_pod)
    nvenc = _gpu_products(nvenc_pod)
    assert nvenc >= NVENC_PRODUCTS
    assert not any(re.search(r"H100|A100", product) for product in nvenc), "no NVENC on H100/A100"
    # CPU/memory from the base survive the patch: filters and audio run on the CPU.
    base_container = kz.containers(kz.find_doc(base, "Deployment", "transcoder"))[0]
    assert base_container["resources"]["requests"].items() <= container["resources"]["requests"].items()

    # The NVDEC pool beside it: H100/A100 decode on the GPU and encode with libx264, so more CPU.
    nvdec = kz.find_doc(gpu, "Deployment", "transcoder-nvdec")
    nvdec_pod = nvdec["spec"]["template"]["spec"]
    nvdec_container = _assert_gpu_pod(nvdec_pod)
    assert all(re.fullmatch(r"NVIDIA-(H100|A100)-.+", product) for product in _gpu_products(nvdec_pod))
    cpu = {
        name: kz.quantity(c["resources"]["requests"]["cpu"])
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
    assert nvdec["metadata"]["labels"][kz.PART_OF] == "zhengji"
    template_labels = nvdec["spec"]["template"]["metadata"]["labels"]
    assert nvdec["spec"]["selector"]["matchLabels"].items() <= template_labels.items()
    for service in (d for d in gpu if d["kind"] == "Service"):
        assert not service["spec"]["selector"].items() <= template_labels.items(), (
            "selectors must not overlap"
        )

    encoder = {
        tree: kz.find_doc(docs, "ConfigMap", "transcoder-config")["data"]["ZHENGJI_TRANSCODER_ENCODER"]
        for tree, docs in (("base", base), ("gpu", gpu))
    }
    assert encoder == {"base": "x264", "gpu": "auto"}  # auto: NVENC, or NVDEC + libx264, as found

    added = {kz.key(d) for d in gpu} - {kz.key(d) for d in base}
    assert added == {("Deployment", "transcoder-nvdec"), ("ScaledObject", "transcoder-nvdec")}
    for doc in base:
        if kz.key(doc) not in {("Deployment", "transcoder"), ("ConfigMap", "transcoder-config")}:
            assert kz.find_doc(gpu, *kz.key(doc)) == doc, kz.key(doc)


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


@pytest.mark.parametrize("renderer", sorted(kz.RENDERERS))
@pytest.mark.parametrize("tree", kz.TREES)
def test_k8s_every_deployment_has_one_autoscaler_of_the_right_kind(renderer: str, tree: str) -> None:
    docs = kz.rendered(renderer, tree)
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
    kinds = {name: scalers[name]["kind"] for name in kz.SERVICES}
    assert kinds == {
        "intake": "HorizontalPodAutoscaler",
        "review": "HorizontalPodAutoscaler",
        "publisher": "HorizontalPodAutoscaler",
        "notifier": "HorizontalPodAutoscaler",
        "transcoder": "ScaledObject",
        "validator": "ScaledObject",
    }


def _pod_concurrency(deployment: Doc, setting: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """The jobs one pod runs at once by default: the settings' rule applied to its CPU limit."""
    limit = kz.quantity(kz.containers(deployment)[0]["resources"]["limits"]["cpu"])
    monkeypatch.setattr(cpu_quota, "whole_cpus", lambda: max(1, math.floor(limit)))
    value: int = getattr(Settings(), setting)
    return value


@pytest.mark.parametrize("renderer", sorted(kz.RENDERERS))
@pytest.mark.parametrize("tree", kz.TREES)
def test_k8s_queue_scalers_read_the_backlog_the_services_export(
    renderer: str, tree: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = kz.rendered(renderer, tree)
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
            kz.find_doc(docs, "Deployment", name), setting, monkeypatch
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
    docs = kz.rendered("pyyaml", "base")
    scaled = copy.deepcopy(kz.find_doc(docs, "ScaledObject", "transcoder"))
    scaled["spec"]["minReplicas"] = 1  # the HPA's spelling
    scaled["spec"]["triggers"][0]["metadata"]["threshold"] = 1  # KEDA wants strings
    del scaled["spec"]["scaleTargetRef"]["name"]
    errors = scaled_object_errors(scaled)
    assert "spec.minReplicas: unknown field" in errors
    assert "spec.triggers[0].metadata.threshold must be a string" in errors
    assert "spec.scaleTargetRef.name is required" in errors

    hpa = copy.deepcopy(kz.find_doc(docs, "HorizontalPodAutoscaler", "intake"))
    hpa["apiVersion"] = "autoscaling/v1"
    hpa["spec"]["maxReplicaCount"] = hpa["spec"].pop("maxReplicas")  # KEDA's spelling
    hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] = "70%"
    errors = hpa_errors(hpa)
    assert "apiVersion must be autoscaling/v2" in errors
    assert "spec.maxReplicaCount: unknown field" in errors
    assert any(e.startswith("spec.maxReplicas is required") for e in errors)
    assert any("averageUtilization" in e for e in errors)


@pytest.mark.parametrize("renderer", sorted(kz.RENDERERS))
def test_k8s_transcoder_grace_period_fits_its_hand_back(renderer: str) -> None:
    # On SIGTERM the job runner hands its jobs back at once (no waiting for the encode): the grace
    # covers that and the consumer leaving its group, and keeps no pod that has nothing left to do.
    docs = kz.rendered(renderer, "overlays/gpu")
    for name in ("transcoder", "transcoder-nvdec"):
        grace = kz.find_doc(docs, "Deployment", name)["spec"]["template"]["spec"][
            "terminationGracePeriodSeconds"
        ]
        assert 20 <= grace <= 60, (name, grace)
