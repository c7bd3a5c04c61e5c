"""make install takes exact versions: every dependency in pyproject.toml is pinned in constraints.txt."""

from __future__ import annotations

import re
import tomllib

from app.settings import PROJECT_ROOT

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins = {}
    for line in (PROJECT_ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not an exact pin (name==version)"
            pins[_normalised(name)] = version
    return pins


def test_every_dependency_is_pinned() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    pins = _pins()
    names = [_normalised(match.group(0)) for match in map(NAME.match, wanted) if match]
    assert len(names) == len(wanted)
    missing = [name for name in names if name not in pins]
    assert not missing, f"add these to constraints.txt (make lock): {missing}"


def test_make_install_uses_the_constraints() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "-c constraints.txt" in makefile
