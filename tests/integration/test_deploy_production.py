"""Every kustomize tree under k8s/ (the base and each overlay), rendered, is valid Kubernetes and
passes Pod Security "restricted"; the production overlay keeps credentials in Secrets, survives
drains, and lets each service reach only what it needs.

The schemas are kubernetes-validate's (PyPI, pinned in the dev group): the Kubernetes OpenAPI
schemas as JSON Schema, strict (an unknown field is an error), for each minor version. Checked
against the oldest it ships (1.25, where Pod Security admission became stable) and the newest.
Custom resources (KEDA's ScaledObject, Strimzi's KafkaTopic) have no schema there: the ScaledObject
is checked field by field in test_deploy_scaling.py, KafkaTopic by tests/unit/test_topic_plan.py."""

from __future__ import annotations

import copy
import re

import kubernetes_validate
import pytest

from services.common.settings import Settings
from tests.integration import kustomize_render as kz
from tests.integration.kustomize_render import Doc
from tests.integration.network_policy import Peer, allowed
from tests.integration.pod_security import pod_spec, read_only_root_errors, restricted_errors

SCHEMA_VERSIONS = ("1.25.0", kubernetes_validate.latest_version())
CUSTOM_KINDS = {"ScaledObject", "KafkaTopic"}
PRODUCTION = kz.K8S / "overlays" / "production"
CREDENTIAL = re.compile(r"PASSWORD|SECRET|TOKEN|ACCESS_KEY|://[^/@\s]*:[^/@\s]*@")
SECRET_NAMES = {"ZHENGJI_PUBLISHER_SECRETS", "ZHENGJI_PUBLISHER_SECRETS_DIR"}  # which, and where: no values


def schema_errors(doc: Doc, version: str) -> list[str]:
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as e:
        return [f"{'.'.join(map(str, e.path))}: {e.message}"]
    return []


def _pods(docs: list[Doc]) -> list[tuple[str, Doc]]:
    found = [(f"{d['kind']}/{d['metadata']['name']}", pod_spec(d)) for d in docs]
    return [(name, pod) for name, pod in found if pod is not None]


@pytest.mark.parametrize("renderer", sorted(kz.RENDERERS))
@pytest.mark.parametrize("tree", kz.TREES)
def test_every_tree_is_valid_kubernetes(renderer: str, tree: str) -> None:
    docs = kz.rendered(renderer, tree)
    if renderer == "kubectl":  # the PyYAML renderer, all a machine without kubectl has, agrees
        assert kz.comparable(kz.rendered("pyyaml", tree)) == kz.comparable(docs)
    for doc in docs:
        if doc["kind"] in CUSTOM_KINDS:
            continue
        for version in SCHEMA_VERSIONS:
            assert schema_errors(doc, version) == [], (kz.key(doc), version)


def test_schema_check_catches_the_usual_mistakes() -> None:
    deploy = copy.deepcopy(kz.find_doc(kz.rendered("pyyaml", "overlays/production"), "Deployment", "intake"))
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    container["securityContext"]["readOnlyRootFileSystem"] = True  # misspelt
    assert any("readOnlyRootFileSystem" in e for e in schema_errors(deploy, SCHEMA_VERSIONS[0]))
    deploy = copy.deepcopy(kz.find_doc(kz.rendered("pyyaml", "overlays/production"), "Deployment", "intake"))
    deploy["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "8000"
    assert schema_errors(deploy, SCHEMA_VERSIONS[0]) != []
    pdb = copy.deepcopy(
        kz.find_doc(kz.rendered("pyyaml", "overlays/production"), "PodDisruptionBudget", "intake")
    )
    pdb["spec"]["minAvailable"] = [1]
    assert schema_errors(pdb, SCHEMA_VERSIONS[0]) != []


@pytest.mark.parametrize("tree", kz.TREES)
def test_every_pod_passes_pod_security_restricted_with_a_read_only_root(tree: str) -> None:
    docs = kz.rendered("pyyaml", tree)
    pods = _pods(docs)
    assert {name for name, _ in pods} >= {f"Deployment/{svc}" for svc in kz.SERVICES}
    data_dir = re.search(r"ZHENGJI_DATA_DIR=(\S+)", (kz.ROOT / "Dockerfile").read_text(encoding="utf-8"))
    assert data_dir
    for name, pod in pods:
        assert restricted_errors(pod) == [], name
        assert read_only_root_errors(pod) == [], name
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for container in pod["containers"]:
            if container["args"][0] != "serve":
                continue
            # What a service writes outside the blob store lands on a pod-local emptyDir.
            writable = {m["mountPath"]: volumes[m["name"]] for m in container.get("volumeMounts", [])}
            for path in ("/tmp", data_dir[1]):
                assert "emptyDir" in writable[path], (name, path)


def test_pod_security_check_catches_the_usual_mistakes() -> None:
    intake = kz.find_doc(kz.rendered("pyyaml", "overlays/production"), "Deployment", "intake")
    pod = copy.deepcopy(pod_spec(intake))
    assert pod is not None
    container = pod["containers"][0]
    del pod["securityContext"]["runAsNonRoot"]
    del container["securityContext"]["runAsNonRoot"]
    container["securityContext"]["allowPrivilegeEscalation"] = True
    container["securityContext"]["capabilities"] = {"add": ["SYS_ADMIN"]}
    del pod["securityContext"]["seccompProfile"]
    del container["securityContext"]["seccompProfile"]
    container["securityContext"]["readOnlyRootFilesystem"] = False
    pod["volumes"].append({"name": "host", "hostPath": {"path": "/var/run/docker.sock"}})
    pod["hostNetwork"] = True
    errors = restricted_errors(pod)
    for expected in (
        "runAsNonRoot must be true",
        "allowPrivilegeEscalation must be false",
        "capabilities must drop ALL",
        "capabilities may add only NET_BIND_SERVICE",
        "seccompProfile.type must be",
        "volume host: ['hostPath'] not allowed",
        "spec.hostNetwork",
    ):
        assert any(expected in e for e in errors), (expected, errors)
    assert read_only_root_errors(pod) == ["containers[zhengji]: readOnlyRootFilesystem must be true"]


# --------------------------------------------------------------------------- production overlay


def _env(container: Doc) -> dict[str, Doc]:
    return {e["name"]: e for e in container.get("env", [])}


def _example_keys(secret: str) -> set[str]:
    example = PRODUCTION / "secrets" / f"{secret.removeprefix('zhengji-')}.env.example"
    return set(kz._env_file(example))


@pytest.mark.parametrize("renderer", sorted(kz.RENDERERS))
def test_production_keeps_every_credential_in_secrets(renderer: str) -> None:
    docs = kz.rendered(renderer, "overlays/production")
    assert not [d for d in docs if d["kind"] == "Secret"], (
        "Secrets are made outside git (kubectl create secret)"
    )
    for config in (d for d in docs if d["kind"] == "ConfigMap"):
        data = {k: v for k, v in config["data"].items() if k not in SECRET_NAMES}
        leaked = [k for k, v in data.items() if CREDENTIAL.search(k) or CREDENTIAL.search(v)]
        assert leaked == [], config["metadata"]["name"]

    referenced: dict[str, set[str]] = {}
    for name, pod in _pods(docs):
        for container in pod["containers"]:
            for env in _env(container).values():
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] == env["name"], name  # the Secret's key is the setting's name
                    referenced.setdefault(ref["name"], set()).add(ref["key"])
    # Every key a pod reads is in the example the operator copies, and every example key is read.
    for secret, keys in referenced.items():
        assert keys == _example_keys(secret), secret
    assert set(referenced) == {"zhengji-common", "zhengji-accounts", "zhengji-notifier"}

    for svc in kz.SERVICES:
        (container,) = kz.containers(kz.find_doc(docs, "Deployment", svc))
        env = _env(container)
        mongo = env["MONGODB_URI"]["valueFrom"]["secretKeyRef"]
        assert mongo["name"] == "zhengji-common" and not mongo.get("optional"), svc
        accounts = {"ZHENGJI_ADMIN_PASSWORD", "ZHENGJI_SESSION_SECRET"}
        assert (accounts <= env.keys()) == (svc == "intake"), svc  # intake alone holds them, required
    assert (PRODUCTION / "secrets" / ".gitignore").read_text(encoding="utf-8").split()[-1] == "*.env"


def test_production_publisher_reads_platform_secrets_as_files() -> None:
    docs = kz.rendered("pyyaml", "overlays/production")
    publisher = kz.find_doc(docs, "Deployment", "publisher")
    pod = publisher["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    config = kz.find_doc(docs, "ConfigMap", container["envFrom"][0]["configMapRef"]["name"])["data"]
    (mount,) = [
        m for m in container["volumeMounts"] if m["mountPath"] == config["ZHENGJI_PUBLISHER_SECRETS_DIR"]
    ]
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"]["secretName"] == "zhengji-platforms" and mount["readOnly"] is True
    others = [kz.containers(kz.find_doc(docs, "Deployment", s))[0] for s in kz.SERVICES if s != "publisher"]
    assert all(config["ZHENGJI_PUBLISHER_SECRETS_DIR"] not in str(c) for c in others)


@pytest.mark.parametrize("svc", kz.SERVICES)
def test_production_settings_parse_and_name_the_public_origin(
    svc: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = kz.rendered("pyyaml", "overlays/production")
    (container,) = kz.containers(kz.find_doc(docs, "Deployment", svc))
    config = kz.find_doc(docs, "ConfigMap", container["envFrom"][0]["configMapRef"]["name"])["data"]
    for name, value in config.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.kafka_idempotent is True and settings.kafka_replication_factor == 3
    ingress = kz.find_doc(docs, "Ingress", "zhengji")
    host = ingress["spec"]["rules"][0]["host"]
    assert settings.public_base_url == f"https://{host}"
    assert host in ingress["spec"]["tls"][0]["hosts"] and settings.cookie_secure is True


def test_production_creates_topics_with_the_services_settings() -> None:
    docs = kz.rendered("pyyaml", "overlays/production")
    job = kz.find_doc(docs, "Job", "zhengji-topics")
    (container,) = kz.containers(job)
    assert container["args"] == ["admin", "topics", "apply"]
    intake = kz.containers(kz.find_doc(docs, "Deployment", "intake"))[0]
    assert container["envFrom"] == intake["envFrom"] and container["image"] == intake["image"]
    assert not any(d["kind"] == "KafkaTopic" for d in docs), "one way per overlay: the Job, not Strimzi"


def test_production_drains_never_take_the_last_pod_of_a_page() -> None:
    docs = kz.rendered("pyyaml", "overlays/production")
    budgets = [d for d in docs if d["kind"] == "PodDisruptionBudget"]
    for svc in kz.SERVICES:
        labels = kz.find_doc(docs, "Deployment", svc)["spec"]["template"]["metadata"]["labels"]
        (budget,) = [b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        scaler = next(d for d in docs if d["kind"] in ("HorizontalPodAutoscaler", "ScaledObject")
                      and d["spec"]["scaleTargetRef"]["name"] == svc)  # fmt: skip
        if scaler["kind"] == "HorizontalPodAutoscaler":
            # People wait on these: one stays while another is evicted.
            assert budget["spec"] == {**budget["spec"], "minAvailable": 1}, svc
            assert scaler["spec"]["minReplicas"] >= 2, svc
        else:
            # Queue workers hand jobs back; a drain must not wait on an autoscaler keeping one pod.
            assert budget["spec"].get("maxUnavailable") == 1 and "minAvailable" not in budget["spec"], svc


def _pod(svc: str) -> Peer:
    return Peer(labels={"app.kubernetes.io/name": svc, "app.kubernetes.io/part-of": "zhengji"})


def test_production_network_policies_allow_only_what_each_service_needs() -> None:
    docs = kz.rendered("pyyaml", "overlays/production")
    ingress = Peer("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
    prometheus = Peer("monitoring", {"app.kubernetes.io/name": "prometheus"})
    dns = Peer("kube-system", {"k8s-app": "kube-dns"})
    kafka, mongo, minio = Peer("kafka"), Peer("mongodb"), Peer("minio")
    internet, metadata = Peer(None, ip="203.0.113.7"), Peer(None, ip="169.254.169.254")
    stranger = Peer("other-team", {"app": "curious"})
    topics_job = Peer(
        labels={"app.kubernetes.io/name": "zhengji-topics", "app.kubernetes.io/part-of": "zhengji"}
    )

    for svc in kz.SERVICES:
        pod = _pod(svc)
        assert allowed(docs, pod, dns, 53, "UDP") and allowed(docs, pod, dns, 53, "TCP"), svc
        assert allowed(docs, pod, kafka, 9092) and allowed(docs, pod, mongo, 27017), svc
        assert allowed(docs, pod, minio, 9000), svc
        assert allowed(docs, prometheus, pod, 8000), svc  # the autoscalers read what it scrapes
        assert not allowed(docs, stranger, pod, 8000), svc
        assert allowed(docs, ingress, pod, 8000) == (svc != "validator"), svc  # the validator serves nobody
        # platforms and webhooks; mail relays, SMS and WeChat
        assert allowed(docs, pod, internet, 443) == (svc in ("publisher", "notifier")), svc
        assert allowed(docs, pod, internet, 587) == (svc == "notifier"), svc
        assert not allowed(docs, pod, metadata, 80), svc
        assert not allowed(docs, pod, mongo, 8000), svc  # only the store's port
        # Who asks intake who a caller is; who intake asks for a transcode's progress.
        asks_intake = ("review", "publisher", "transcoder", "notifier")
        assert allowed(docs, pod, _pod("intake"), 8000) == (svc in asks_intake), svc
        assert allowed(docs, pod, _pod("transcoder"), 8000) == (svc == "intake"), svc
        assert allowed(docs, pod, _pod("review"), 8000) == (svc == "notifier"), svc  # which reviewer
    assert allowed(docs, topics_job, kafka, 9092) and not allowed(docs, topics_job, internet, 443)
    assert not allowed(docs, _pod("review"), _pod("publisher"), 8000)
