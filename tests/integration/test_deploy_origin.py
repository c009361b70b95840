"""One public origin: the Kubernetes Ingress (k8s/overlays/production/ingress.yaml) and the nginx
example for compose (deploy/nginx/zhengji.conf) send every path the five apps declare to the
service that declares it; bodies and timeouts fit tus; `nginx -t` accepts the config.

The routes are read from the apps themselves (each service's app built alone, as `zhengji serve`
builds it), so a route added to a service without a proxy rule fails here."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.common.settings import Settings
from tests.integration import kustomize_render as kz
from zhengji.runtime import SERVICES, Runtime

NGINX_CONF = kz.ROOT / "deploy" / "nginx" / "zhengji.conf"
# Declared by every app: served by whichever answers (intake), except /metrics, kept from the public.
CLOSED = {"/metrics"}
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}


def _walk(routes: list[Any], prefix: str = "") -> Iterator[str]:
    for route in routes:
        inner = getattr(route, "original_router", None)  # FastAPI >= 0.16x includes routers lazily
        if inner is not None:
            yield from _walk(inner.routes, prefix + route.include_context.prefix)
        else:
            yield prefix + route.path


def declared_paths() -> dict[str, set[str]]:
    """Service -> the paths its app serves, with each parameter filled in."""
    paths = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in SERVICES:
            app = Runtime(Settings(data_dir=Path(tmp)), [name]).web_app()
            templates = set(_walk(app.routes))
            paths[name] = {
                re.sub(r"\{[^}:]+(:path)?\}", lambda m: "a/b" if m[1] else "x", p) for p in templates
            }
    return paths


def _expected(paths: dict[str, set[str]]) -> dict[str, str]:
    shared = set.intersection(*paths.values())
    expected = {p: ("closed" if p in CLOSED else "intake") for p in shared}
    for svc, own in paths.items():
        for path in own - shared:
            assert path not in expected, f"{path} declared by two services"
            expected[path] = svc
    return expected


def nginx_locations(text: str) -> list[tuple[str, str, str]]:
    """(modifier, path, target) per location: target the service its proxy_pass names, or closed."""
    upstream = dict(re.findall(r"set \$(\w+) http://(\w+):8000;", text))
    found = []
    for modifier, path, body in re.findall(r"location\s+(=|~\*?|\^~)?\s*(\S+)\s*\{([^}]*)\}", text):
        assert modifier in ("", "="), "regex locations: this check does not read them"
        proxied = re.search(r"proxy_pass \$(\w+);", body)
        target = upstream[proxied[1]] if proxied else "closed"
        assert proxied or "return 404;" in body, path
        found.append((modifier, path, target))
    return found


def nginx_route(locations: list[tuple[str, str, str]], path: str) -> str:
    exact = [t for m, p, t in locations if m == "=" and p == path]
    if exact:
        return exact[0]
    prefixes = [(p, t) for m, p, t in locations if m == "" and path.startswith(p)]
    return max(prefixes, key=lambda pt: len(pt[0]))[1]


def ingress_route(ingresses: list[kz.Doc], path: str) -> str:
    """Which Service an ingress-nginx host sends ``path`` to: Exact first, then the longest Prefix
    matching whole path elements; closed where only 127.0.0.1 may ask."""
    matches = []
    for ingress in ingresses:
        annotations = ingress["metadata"].get("annotations", {})
        closed = annotations.get("nginx.ingress.kubernetes.io/allowlist-source-range") == "127.0.0.1/32"
        for rule in ingress["spec"]["rules"]:
            for entry in rule["http"]["paths"]:
                p, kind = entry["path"], entry["pathType"]
                hit = (
                    path == p
                    if kind == "Exact"
                    else p == "/" or path == p or path.startswith(p.rstrip("/") + "/")
                )
                if hit:
                    target = "closed" if closed else entry["backend"]["service"]["name"]
                    matches.append((kind == "Exact", len(p), target))
    return max(matches)[2]


def _size(value: str) -> int:
    match = re.fullmatch(r"(\d+)([kmg]?)", value.lower())
    assert match, value
    return int(match[1]) * _UNITS[match[2]]


@pytest.fixture(scope="module")
def expected() -> dict[str, str]:
    return _expected(declared_paths())


def test_apps_declare_the_prefixes_the_proxies_route(expected: dict[str, str]) -> None:
    # The routing below is by prefix: each service's own paths live under these.
    assert {p for p, s in expected.items() if s == "review"} and all(
        p.startswith(("/review/", "/api/review/")) for p, s in expected.items() if s == "review"
    )
    assert all(
        p.startswith(("/showcase/", "/api/publisher/")) for p, s in expected.items() if s == "publisher"
    )
    assert all(p.startswith("/api/transcoder/") for p, s in expected.items() if s == "transcoder")
    notifier = ("/api/notifier/", "/notifications", "/static/notifier")
    assert all(p.startswith(notifier) for p, s in expected.items() if s == "notifier")
    assert "/api/tus/x" in expected and "/blobs/x" in expected  # intake's uploads and files
    assert "validator" not in expected.values()  # no public routes of its own


def test_nginx_routes_every_declared_path_to_its_service(expected: dict[str, str]) -> None:
    locations = nginx_locations(NGINX_CONF.read_text(encoding="utf-8"))
    routed = {path: nginx_route(locations, path) for path in expected}
    assert routed == expected


def test_ingress_routes_every_declared_path_to_its_service(expected: dict[str, str]) -> None:
    for renderer in sorted(kz.RENDERERS):
        ingresses = [d for d in kz.rendered(renderer, "overlays/production") if d["kind"] == "Ingress"]
        assert {r["host"] for i in ingresses for r in i["spec"]["rules"]} == {
            "zhengji.example.cn"
        }  # one host
        routed = {path: ingress_route(ingresses, path) for path in expected}
        assert routed == expected, renderer


def test_proxies_take_tus_and_whole_file_uploads() -> None:
    settings = Settings()
    largest = max(settings.upload_chunk_bytes, settings.tus_max_size)
    text = NGINX_CONF.read_text(encoding="utf-8")
    directives = dict(re.findall(r"^\s{4}(\w+) ([^;]+);", text, re.M))  # the server block's own
    assert _size(directives["client_max_body_size"]) >= largest
    assert directives["proxy_request_buffering"] == "off"  # a 4 GiB body is not spooled to disk first
    assert directives["proxy_read_timeout"] == directives["proxy_send_timeout"] == "3600s"

    ingress = kz.find_doc(kz.rendered("pyyaml", "overlays/production"), "Ingress", "zhengji")
    annotations = {
        k.removeprefix("nginx.ingress.kubernetes.io/"): v
        for k, v in ingress["metadata"]["annotations"].items()
    }
    assert _size(annotations["proxy-body-size"]) >= largest
    assert annotations["proxy-request-buffering"] == "off"
    assert annotations["proxy-read-timeout"] == annotations["proxy-send-timeout"] == "3600"


def test_nginx_accepts_the_config(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is missing: make test installs nginx-light (scripts/system-deps.sh)"
    main = tmp_path / "nginx.conf"
    main.write_text(f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{\n    include {NGINX_CONF};\n}}\n")
    proc = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-e", "stderr", "-c", str(main)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_compose_serves_everything_on_one_port_through_nginx() -> None:
    compose = yaml.safe_load((kz.ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    nginx = compose["services"]["nginx"]
    assert nginx["image"].startswith("nginx:")
    (port,) = nginx["ports"]
    host_port, container_port = port.split(":")
    assert container_port == re.search(r"listen (\d+);", NGINX_CONF.read_text(encoding="utf-8"))[1]  # type: ignore[index]
    assert f"./{NGINX_CONF.relative_to(kz.ROOT)}:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]
    for svc in SERVICES:
        env = compose["services"][svc]["environment"]
        assert env["ZHENGJI_PUBLIC_BASE_URL"] == f"http://localhost:{host_port}", svc
