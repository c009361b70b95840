"""CPU counts come from the container's quota (fake cgroup trees in tmp_path), not the node's cores."""

from pathlib import Path

import pytest

from services.common import cpu_quota
from services.common.cpu_quota import available_cpus, cpu_limit, whole_cpus
from services.common.settings import Settings


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="ascii")


@pytest.fixture
def node_of_64(monkeypatch: pytest.MonkeyPatch) -> None:
    """A big node: every core schedulable, as in a pod without a cpuset."""
    monkeypatch.setattr(cpu_quota, "schedulable_cpus", lambda: 64)


def _v2(tmp_path: Path, cpu_max: str, own: str = "/") -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    _write(root / own.strip("/") / "cpu.max", cpu_max)
    proc = tmp_path / "self_cgroup"
    _write(proc, f"0::{own}\n")
    return root, proc


@pytest.mark.usefixtures("node_of_64")
def test_v2_quota_of_a_pod_with_a_two_cpu_limit(tmp_path: Path) -> None:
    root, proc = _v2(tmp_path, "200000 100000\n")
    assert cpu_limit(root, proc) == 2.0
    assert whole_cpus(root, proc) == 2


@pytest.mark.usefixtures("node_of_64")
def test_v2_fractional_quota_rounds_down_but_never_to_zero(tmp_path: Path) -> None:
    root, proc = _v2(tmp_path, "150000 100000")
    assert available_cpus(root, proc) == 1.5
    assert whole_cpus(root, proc) == 1
    root, proc = _v2(tmp_path / "small", "50000 100000")
    assert whole_cpus(root, proc) == 1


@pytest.mark.usefixtures("node_of_64")
def test_v2_without_quota_falls_back_to_the_schedulable_cores(tmp_path: Path) -> None:
    root, proc = _v2(tmp_path, "max 100000")
    assert cpu_limit(root, proc) is None
    assert whole_cpus(root, proc) == 64


@pytest.mark.usefixtures("node_of_64")
def test_v2_parent_quota_limits_a_child_without_one(tmp_path: Path) -> None:
    # A systemd slice (or a pod's cgroup) caps the container's cgroup below it.
    root, proc = _v2(tmp_path, "max 100000", own="/kubepods.slice/pod1/ctr")
    _write(root / "kubepods.slice" / "pod1" / "cpu.max", "300000 100000")
    _write(root / "kubepods.slice" / "cpu.max", "max 100000")
    assert cpu_limit(root, proc) == 3.0


@pytest.mark.usefixtures("node_of_64")
@pytest.mark.parametrize(
    ("mount", "quota", "self_cgroup", "limit", "cpus"),
    [
        # Inside a container /proc/self/cgroup names the host's path; the mount is the container's own.
        ("cpu,cpuacct", "400000\n", "12:cpu,cpuacct:/kubepods/burstable/pod1/abc\n0::/\n", 4.0, 4),
        ("cpu", "-1", "3:cpu:/\n", None, 64),  # -1: no quota
    ],
)
def test_v1_cfs_quota_and_period(
    tmp_path: Path, mount: str, quota: str, self_cgroup: str, limit: float | None, cpus: int
) -> None:
    root = tmp_path / "cgroup"
    _write(root / mount / "cpu.cfs_quota_us", quota)
    _write(root / mount / "cpu.cfs_period_us", "100000\n")
    proc = tmp_path / "self_cgroup"
    _write(proc, self_cgroup)
    assert cpu_limit(root, proc) == limit
    assert whole_cpus(root, proc) == cpus


def test_a_cpuset_smaller_than_the_quota_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cpu_quota, "schedulable_cpus", lambda: 2)
    root, proc = _v2(tmp_path, "800000 100000")
    assert whole_cpus(root, proc) == 2


@pytest.mark.usefixtures("node_of_64")
def test_no_cgroup_files_at_all_falls_back(tmp_path: Path) -> None:
    assert cpu_limit(tmp_path / "none", tmp_path / "missing") is None
    assert whole_cpus(tmp_path / "none", tmp_path / "missing") == 64


@pytest.mark.usefixtures("node_of_64")
def test_garbage_in_cpu_max_is_no_quota(tmp_path: Path) -> None:
    root, proc = _v2(tmp_path, "lots 100000")
    assert cpu_limit(root, proc) is None


def test_worker_concurrency_defaults_follow_the_quota(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ZHENGJI_TRANSCODER_CONCURRENCY", raising=False)
    monkeypatch.delenv("ZHENGJI_VALIDATOR_CONCURRENCY", raising=False)
    for cpus, transcodes, quality_checks in ((1, 1, 1), (2, 1, 1), (4, 1, 2), (8, 2, 4), (16, 4, 8)):
        monkeypatch.setattr(cpu_quota, "whole_cpus", lambda n=cpus: n)
        settings = Settings()
        assert (settings.transcoder_concurrency, settings.validator_concurrency) == (
            transcodes,
            quality_checks,
        )
    monkeypatch.setenv("ZHENGJI_TRANSCODER_CONCURRENCY", "3")
    assert Settings().transcoder_concurrency == 3, "an operator's setting beats the default"
