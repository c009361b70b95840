"""Rendering the kustomize trees under k8s/ for the deployment tests.

Manifests are rendered with ``kubectl kustomize`` when kubectl is on PATH, and always also with a
small PyYAML renderer below that implements the kustomize features these files use (resources,
components, configMapGenerator, patches, labels, images); where both run, the tests check that
their outputs agree, and run the same checks on every renderer, so a machine without kubectl
still checks the same facts."""

from __future__ import annotations

import copy
import functools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
Doc = dict[str, Any]
SERVICES = ("intake", "validator", "transcoder", "review", "publisher", "notifier")
NAME = "app.kubernetes.io/name"
PART_OF = "app.kubernetes.io/part-of"


def _load_docs(path: Path) -> list[Doc]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def _smp(base: Any, patch: Any) -> Any:
    """Strategic merge as far as these files need it: maps merge, lists of named maps merge by name
    (items new to the list go first, in the patch's order, as kustomize puts them), other lists are
    replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            if value is None:  # a null in a strategic merge patch deletes the key
                out.pop(key, None)
            else:
                out[key] = _smp(base[key], value) if key in base else copy.deepcopy(value)
        return out
    named = isinstance(base, list) and isinstance(patch, list)
    if named and all(isinstance(i, dict) and "name" in i for i in base + patch):
        patches = {item["name"]: item for item in patch}
        names = {item["name"] for item in base}
        added = [copy.deepcopy(item) for item in patch if item["name"] not in names]
        kept = [_smp(item, patches[item["name"]]) if item["name"] in patches else item for item in base]
        return added + kept
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


def comparable(docs: list[Doc]) -> list[Doc]:
    """The documents sorted, with each pod's volumes in name order: Kubernetes gives their order no
    meaning, and kustomize reorders a list item a patch changed with a null (overlays/production
    turns the blobs claim into an emptyDir), which this renderer does not imitate."""
    out = []
    for doc in sorted(docs, key=key):
        doc = copy.deepcopy(doc)
        pod = doc.get("spec", {}).get("template", {}).get("spec", {})
        if "volumes" in pod:
            pod["volumes"] = sorted(pod["volumes"], key=lambda v: v["name"])
        out.append(doc)
    return out


def containers(doc: Doc) -> list[Doc]:
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
        if patch.get("$patch") == "delete":  # the whole resource goes
            kept = [d for d in docs if key(d) != (target["kind"], target["name"])]
            assert len(kept) < len(docs), f"patch {spec['path']} matched nothing"
            docs[:] = kept
            continue
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
        if behavior in ("merge", "replace"):
            (existing,) = [d for d in docs if key(d) == ("ConfigMap", gen["name"])]
            existing["data"] = existing["data"] | data if behavior == "merge" else data
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
            for container in containers(doc):
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


# Every tree a user applies: the base and each overlay (make test renders and checks them all).
TREES = ("base", *sorted(str(p.parent.relative_to(K8S)) for p in K8S.glob("overlays/*/kustomization.yaml")))

RENDERERS = {"pyyaml": render_pyyaml}
if shutil.which("kubectl"):
    RENDERERS["kubectl"] = render_kubectl


@functools.cache
def _rendered(renderer: str, tree: str) -> str:
    return json.dumps(_unhash(RENDERERS[renderer](K8S / tree)))


def rendered(renderer: str, tree: str) -> list[Doc]:
    docs: list[Doc] = json.loads(_rendered(renderer, tree))
    return docs


def find_doc(docs: list[Doc], kind: str, name: str) -> Doc:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


_UNITS = {"m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def quantity(value: str | int) -> float:
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    assert match, value
    return float(match[1]) * _UNITS[match[2]]
