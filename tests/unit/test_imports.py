"""No service imports another: each service package, imported alone with all its modules in a fresh
interpreter, brings in only itself, ``services.common``, ``services.media``, ``contracts`` and
third-party packages. What two services share belongs in common or media, or travels as an event."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["intake", "validator", "transcoder", "review", "publisher", "notifier"]
SHARED = ("services.common", "services.media")
# Our own top-level packages; anything else in sys.modules is the standard library or third party.
OURS = ("services", "contracts", "zhengji", "tests", "bench")

IMPORT_ALL = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for module in pkgutil.walk_packages(package.__path__, sys.argv[1] + "."):
    importlib.import_module(module.name)
print(json.dumps(sorted(sys.modules)))
"""


def modules_loaded_by(package: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL, package], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def foreign(package: str, loaded: list[str]) -> list[str]:
    """Modules of ours that ``package`` may not depend on."""

    def allowed(name: str) -> bool:
        top = name.split(".", 1)[0]
        return (
            top not in OURS
            or name == "services"
            or top == "contracts"
            or any(name == p or name.startswith(f"{p}.") for p in (package, *SHARED))
        )

    return [name for name in loaded if not allowed(name)]


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service: str) -> None:
    package = f"services.{service}"
    loaded = modules_loaded_by(package)
    assert f"{package}.app" in loaded  # every module was imported, not just the empty package
    assert foreign(package, loaded) == []
