"""The Pod Security Standards' "restricted" profile as a check of one pod spec, for the rendered
manifests (https://kubernetes.io/docs/concepts/security/pod-security-standards/, the controls of
"baseline" and "restricted" as of Kubernetes 1.25+): what the API server's Pod Security admission
would refuse in a namespace labelled pod-security.kubernetes.io/enforce=restricted. Checked here
without a cluster, as kubeconform would check the schema."""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]

# The only volume types "restricted" allows (no hostPath, no in-tree network volumes).
ALLOWED_VOLUMES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected",
    "secret",
}  # fmt: skip
SECCOMP_OK = {"RuntimeDefault", "Localhost"}
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}


def pod_spec(doc: Doc) -> Doc | None:
    """The pod spec of a workload (Deployment, Job, StatefulSet, DaemonSet, CronJob, Pod) or None."""
    spec: Doc = doc.get("spec", {})
    if doc["kind"] == "Pod":
        return spec
    if doc["kind"] == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    template: Doc | None = spec.get("template", {}).get("spec")
    return template


def _container_errors(where: str, container: Doc, pod: Doc) -> list[str]:
    errors = []
    ctx: Doc = container.get("securityContext", {})
    pod_ctx: Doc = pod.get("securityContext", {})
    if ctx.get("privileged"):
        errors.append(f"{where}: privileged")
    if ctx.get("allowPrivilegeEscalation") is not False:
        errors.append(f"{where}: allowPrivilegeEscalation must be false")
    caps = ctx.get("capabilities", {})
    if "ALL" not in caps.get("drop", []):
        errors.append(f"{where}: capabilities must drop ALL")
    if set(caps.get("add", [])) - {"NET_BIND_SERVICE"}:
        errors.append(f"{where}: capabilities may add only NET_BIND_SERVICE")
    if ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot")) is not True:
        errors.append(f"{where}: runAsNonRoot must be true (pod or container)")
    if ctx.get("runAsUser", pod_ctx.get("runAsUser")) == 0:
        errors.append(f"{where}: runAsUser must not be 0")
    profile: Doc = ctx.get("seccompProfile") or pod_ctx.get("seccompProfile") or {}
    seccomp = profile.get("type")
    if seccomp not in SECCOMP_OK:
        errors.append(f"{where}: seccompProfile.type must be RuntimeDefault or Localhost (pod or container)")
    if ctx.get("procMount", "Default") != "Default":
        errors.append(f"{where}: procMount must be Default")
    if ctx.get("seLinuxOptions", {}).get("type", "") not in SELINUX_TYPES:
        errors.append(f"{where}: seLinuxOptions.type not allowed")
    if any(port.get("hostPort") for port in container.get("ports", [])):
        errors.append(f"{where}: hostPort")
    return errors


def restricted_errors(pod: Doc) -> list[str]:
    """Every way ``pod`` (a pod spec) breaks Pod Security "restricted"; empty when it passes."""
    errors = [f"spec.{field}" for field in ("hostNetwork", "hostPID", "hostIPC") if pod.get(field)]
    pod_ctx: Doc = pod.get("securityContext", {})
    if pod_ctx.get("runAsUser") == 0:
        errors.append("spec.securityContext.runAsUser must not be 0")
    if pod_ctx.get("sysctls"):
        errors.append("spec.securityContext.sysctls: only the safe set is allowed; none are needed")
    for volume in pod.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= ALLOWED_VOLUMES:
            errors.append(f"volume {volume['name']}: {sorted(kinds - ALLOWED_VOLUMES)} not allowed")
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for container in pod.get(group, []):
            errors += _container_errors(f"{group}[{container['name']}]", container, pod)
    return errors


def read_only_root_errors(pod: Doc) -> list[str]:
    """The project's own rule beyond "restricted": no container writes to its image."""
    return [
        f"containers[{c['name']}]: readOnlyRootFilesystem must be true"
        for c in pod.get("containers", []) + pod.get("initContainers", [])
        if c.get("securityContext", {}).get("readOnlyRootFilesystem") is not True
    ]
