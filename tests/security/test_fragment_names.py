"""SECURITY.md #12: template and fragment names never come from the client.

Read from the code: every ``renderer.render(request, TEMPLATE, …, block=BLOCK)`` in app/ names its
template with a literal (or a module constant of literals), and its block with a literal, None, or a
local name that the function sets only from literals (``"stage" if is_htmx(request) else None``) or
receives as a parameter from such a call. The pages themselves are tried in test_route_matrix.py
(test_fragment_names_never_come_from_the_client): ``?block=`` and htmx headers change nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from app.settings import PROJECT_ROOT

APP = PROJECT_ROOT / "app"


def literal(node: ast.AST | None) -> bool:
    """A string literal, None, or a conditional choosing between such."""
    if node is None:
        return True
    if isinstance(node, ast.Constant):
        return node.value is None or isinstance(node.value, str)
    if isinstance(node, ast.IfExp):
        return literal(node.body) and literal(node.orelse)
    return False


def module_constants(tree: ast.Module) -> set[str]:
    """Module-level names bound to literals or to dicts of literals (TEMPLATES = {...})."""
    names = set()
    for statement in tree.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        value = statement.value if isinstance(statement, ast.Assign) else None
        if isinstance(value, ast.Dict) and all(literal(v) for v in value.values) or literal(value):
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def set_only_from_literals(function: ast.AST, name: str) -> bool:
    """Every assignment to ``name`` inside ``function`` is a literal; a parameter counts as passed on."""
    parameters = {a.arg for a in ast.walk(function) if isinstance(a, ast.arg)}
    assignments = [
        node.value
        for node in ast.walk(function)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    ]
    return all(literal(value) for value in assignments) and (bool(assignments) or name in parameters)


def render_calls(tree: ast.Module) -> Iterator[tuple[ast.AST, ast.Call]]:
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "render"
                and "renderer" in ast.unparse(node.func.value)
            ):
                yield function, node


def problems_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    constants = module_constants(tree)
    found = []
    for function, call in render_calls(tree):
        where = f"{path}:{call.lineno}"
        template = call.args[1] if len(call.args) > 1 else None
        chosen = isinstance(template, ast.Subscript) and isinstance(template.value, ast.Name)
        named = isinstance(template, ast.Name) and (
            template.id in constants or set_only_from_literals(function, template.id)
        )
        if not (literal(template) and template is not None or chosen and template.value.id in constants or named):  # type: ignore[union-attr]
            found.append(f"{where}: template {ast.unparse(template) if template else '?'}")
        for keyword in call.keywords:
            if keyword.arg != "block":
                continue
            value = keyword.value
            if literal(value) or isinstance(value, ast.Name) and set_only_from_literals(function, value.id):
                continue
            found.append(f"{where}: block={ast.unparse(value)}")
    return found


def test_template_and_block_names_are_chosen_in_code() -> None:
    files = sorted(APP.rglob("*.py"))
    calls = sum(len(list(render_calls(ast.parse(f.read_text())))) for f in files)
    assert calls > 40, "the check finds the render calls"
    problems = [problem for path in files for problem in problems_in(path)]
    assert problems == [], "template or block names that may come from the request:\n" + "\n".join(problems)


def test_the_check_catches_a_name_from_the_request(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def page(request, lupe):\n"
        "    block = request.query_params.get('block')\n"
        "    return lupe.renderer.render(request, request.headers['x-template'], {}, block=block)\n"
    )
    assert len(problems_in(bad)) == 2
