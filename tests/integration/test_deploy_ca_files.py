"""The production overlay mounts the private CAs of Kafka and MongoDB (Secret zhengji-ca) read-only
in every pod, at the paths production.env and the secrets example name; a pod without the Secret
still starts (a public CA needs none)."""

import pytest

from tests.integration import kustomize_render as kz

CA_DIR = "/etc/zhengji/ca"
PRODUCTION = kz.K8S / "overlays" / "production"


@pytest.mark.parametrize("svc", kz.SERVICES)
def test_every_pod_mounts_the_ca_files_read_only(svc: str) -> None:
    docs = kz.rendered("pyyaml", "overlays/production")
    pod = kz.find_doc(docs, "Deployment", svc)["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == CA_DIR]
    (volume,) = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert mount["readOnly"] is True
    assert volume["secret"]["secretName"] == "zhengji-ca" and volume["secret"]["optional"] is True


def test_the_settings_examples_name_files_in_the_mounted_folder() -> None:
    named = (PRODUCTION / "production.env").read_text(encoding="utf-8")
    named += (PRODUCTION / "secrets" / "common.env.example").read_text(encoding="utf-8")
    assert f"ZHENGJI_KAFKA_SSL_CAFILE={CA_DIR}/kafka-ca.pem" in named
    assert f"tlsCAFile={CA_DIR}/mongo-ca.pem" in named
    ca_files = (PRODUCTION / "ca-files.yaml").read_text(encoding="utf-8")
    assert "kafka-ca.pem=" in ca_files and "mongo-ca.pem=" in ca_files  # the keys the Secret is made with
