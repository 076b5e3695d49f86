"""The architecture holds: every import runs downward, and no modules import each other in a circle.

The layers, bottom to top (README, "Architecture"): a module may import from its own layer
and the layers below, never from a layer above. Imports inside functions count as well: a
lazy import is still a dependency. A module that belongs to no layer fails the test, so a
new app must be placed before it lands.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Bottom to top. A name stands for the module and everything below it, except ``jiuye``
# itself: the package's ``__init__`` only, so that a new app is not silently at the bottom.
LAYERS: tuple[tuple[str, ...], ...] = (
    # the project's own plumbing: settings, database routing, middleware, the console script
    ("jiuye.settings", "jiuye.dbrouters", "jiuye.middleware", "jiuye.checks", "jiuye.logs", "jiuye.celery", "jiuye.cli",
     "jiuye.wsgi", "jiuye.__main__", "jiuye.serving", "jiuye",
     # one language of a bilingual message, the error pages
     "jiuye.bilingual", "jiuye.errors"),
    ("jiuye.divisions", "jiuye.accounts", "jiuye.audit"),
    ("jiuye.registry",),  # people, households, dated episodes and the register's rules (registry.rules)
    ("jiuye.standards",),
    ("jiuye.casework", "jiuye.jobs"),
    ("jiuye.exchange",),
    ("jiuye.ledgers", "jiuye.tasks", "jiuye.oversight"),
    ("jiuye.api", "jiuye.demo", "jiuye.urls", "jiuye.navigation"),  # navigation: which pages a user may open
    ("bench",),
)


def _modules() -> dict[str, Path]:
    """Every module of the project (migrations excluded: Django generates them)."""
    found = {}
    for top in ("jiuye", "bench"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _layer_of(module: str) -> int | None:
    best, rank = -1, None
    for index, names in enumerate(LAYERS):
        for name in names:
            below = name != "jiuye" and module.startswith(name + ".")
            if (module == name or below) and len(name) > best:
                best, rank = len(name), index
    return rank


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``module`` imports, at the top or inside a function."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            names = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source
                     for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:  # ``import a.b.c`` of a module; a name inside a module
                name = name.rpartition(".")[0]
            if name and name != module:
                targets.add(name)
    return targets


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {module: _imports(module, path, known) for module, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, result = {}, {}, set(), [], []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    result.append(sorted(component))
    return result


def test_every_module_has_a_layer():
    homeless = sorted(m for m in _modules() if _layer_of(m) is None)
    assert not homeless, f"modules in no layer (add them to LAYERS and the README): {homeless}"


def test_imports_run_downward():
    upward = []
    for module, targets in sorted(_graph().items()):
        rank = _layer_of(module)
        for target in sorted(targets):
            target_rank = _layer_of(target)
            if rank is not None and target_rank is not None and target_rank > rank:
                upward.append(f"{module} -> {target}")
    assert not upward, "imports from a lower layer to a higher one:\n" + "\n".join(upward)


def test_no_import_cycles():
    cycles = _cycles(_graph())
    assert not cycles, "modules importing each other in a circle:\n" + "\n".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # The checker itself must see what it is meant to see.
        ("from jiuye.tasks.models import Job\n", {"jiuye.tasks.models"}),
        ("def f():\n    from jiuye.tasks import services\n", {"jiuye.tasks.services"}),
        ("import jiuye.standards.rules.s4\n", {"jiuye.standards.rules.s4"}),
        ("from .models import Person\n", {"jiuye.registry.models"}),
    ],
)
def test_the_walk_finds_every_kind_of_import(tmp_path, source, expected):
    path = tmp_path / "probe.py"
    path.write_text(source, encoding="utf-8")
    known = set(_modules())
    assert _imports("jiuye.registry.probe", path, known) == expected


def test_the_checks_catch_an_upward_import_and_a_cycle():
    graph = {"jiuye.registry.services": {"jiuye.casework.services"},
             "jiuye.casework.services": {"jiuye.registry.services"}}
    assert _cycles(graph) == [["jiuye.casework.services", "jiuye.registry.services"]]
    assert _layer_of("jiuye.casework.services") > _layer_of("jiuye.registry.services")
    assert _layer_of("jiuye.registry.rules.idnumber") == _layer_of("jiuye.registry")
    assert _layer_of("jiuye.newapp.models") is None  # a new app must be placed in a layer
