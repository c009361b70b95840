"""How many CPUs this process may really use: the container's CPU quota, not the node's cores.

In a Kubernetes pod with ``limits.cpu: 2`` on a 64-core node, ``os.cpu_count()`` says 64 and
so does ``os.sched_getaffinity`` (a quota limits time, not cores). Threads sized from that run
64-wide, the kernel throttles the cgroup every period, and every job gets slower. The quota is
in the cgroup: v2 ``cpu.max`` ("max 100000" or "200000 100000": quota and period in µs), v1
``cpu.cfs_quota_us``/``cpu.cfs_period_us`` (-1: none). A cgroup also obeys its ancestors' quotas,
so the whole path from this process's cgroup up to the mount is read and the smallest wins.
Without any quota (a laptop, a VM) the CPUs this process may run on are the answer.

Thread counts and worker concurrency use ``whole_cpus()``: the quota rounded down (at least 1),
as Go's automaxprocs does, since a thread more than the quota only adds throttling."""

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
SELF_CGROUP = Path("/proc/self/cgroup")
V1_CPU_MOUNTS = ("cpu,cpuacct", "cpu", "cpuacct,cpu")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _v2_quota(directory: Path) -> float | None:
    text = _read(directory / "cpu.max")
    if text is None:
        return None
    quota, _, period = text.partition(" ")
    if quota == "max" or not period:
        return None
    return _ratio(quota, period)


def _v1_quota(directory: Path) -> float | None:
    quota, period = _read(directory / "cpu.cfs_quota_us"), _read(directory / "cpu.cfs_period_us")
    if quota is None or period is None:
        return None
    return _ratio(quota, period)


def _ratio(quota: str, period: str) -> float | None:
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None  # v1 writes -1 for "no quota"


def _ancestry(mount: Path, relative: str) -> list[Path]:
    """The cgroup's directory and its parents up to the mount. Inside a container the mount is
    the container's own cgroup while /proc/self/cgroup may still name the host's path, so the
    mount itself is always read too."""
    parts = [p for p in relative.split("/") if p and p != ".."]
    dirs = [mount.joinpath(*parts[:n]) for n in range(len(parts), 0, -1)]
    return [d for d in dirs if d.is_dir()] + [mount]


def _memberships(self_cgroup: Path) -> dict[str, str]:
    """controller list -> cgroup path, from /proc/self/cgroup ("0::/path" is v2's line)."""
    found: dict[str, str] = {}
    for line in (_read(self_cgroup) or "").splitlines():
        _, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        found[controllers] = path or "/"
    return found


def cpu_limit(root: Path = CGROUP_ROOT, self_cgroup: Path = SELF_CGROUP) -> float | None:
    """The CPU quota in CPUs (1.5 = one and a half), or None when no cgroup sets one."""
    memberships = _memberships(self_cgroup)
    quotas: list[float] = []
    for directory in _ancestry(root, memberships.get("", "/")):  # v2 (unified)
        quotas += [q for q in [_v2_quota(directory)] if q is not None]
    v1_path = next((p for c, p in memberships.items() if "cpu" in c.split(",")), "/")
    v1_mount = next((root / m for m in V1_CPU_MOUNTS if (root / m).is_dir()), None)
    for directory in _ancestry(v1_mount, v1_path) if v1_mount else []:
        quotas += [q for q in [_v1_quota(directory)] if q is not None]
    return min(quotas) if quotas else None


def schedulable_cpus() -> int:
    """The cores this process may run on (cpusets, taskset), or the machine's where that is unknown."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def available_cpus(root: Path = CGROUP_ROOT, self_cgroup: Path = SELF_CGROUP) -> float:
    """What this process may use: the quota, or the schedulable cores if they are fewer."""
    cores = schedulable_cpus()
    limit = cpu_limit(root, self_cgroup)
    return float(cores) if limit is None else min(limit, float(cores))


def whole_cpus(root: Path = CGROUP_ROOT, self_cgroup: Path = SELF_CGROUP) -> int:
    """``available_cpus`` rounded down, at least 1: the count to size threads and workers by."""
    return max(1, math.floor(available_cpus(root, self_cgroup)))


def threads_per_job(concurrency: int) -> int:
    """Threads for one tool run when ``concurrency`` of them share this process's CPUs."""
    return max(1, whole_cpus() // max(1, concurrency))
