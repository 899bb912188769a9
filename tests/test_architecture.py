"""The house (docs/architecture.md): imports go downwards only, nothing imports back up, no
import cycle, no function-local import of project code, no app reads another's private names.
Read from the source with `ast`, so a forbidden import fails here before it fails anywhere."""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("ctg", "territories", "diagnostics", "actions", "governance", "demo")

# ctg holds three layers: the project and its small library (lowest), the Convention aggregate,
# and the pages and jobs that gather every app (highest).
CTG_LIBRARY = ("ctg.lib", "ctg.templatetags", "ctg.context_processors", "ctg.settings", "ctg.celery", "ctg.apps")
CTG_LIBRARY += ("ctg.wsgi", "ctg.asgi", "ctg.migrations")
CTG_TOP = ("ctg.views", "ctg.views_public", "ctg.dashboards", "ctg.notifications", "ctg.tasks", "ctg.urls")
CTG_TOP += ("ctg.management", "ctg.history", "ctg.comments", "ctg.admin", "ctg.readiness")

BELOW = {
    "ctg.lib": set(),
    "territories": {"ctg.lib"},
    "ctg.convention": {"ctg.lib", "territories"},
    "diagnostics": {"ctg.lib", "territories", "ctg.convention"},
    "actions": {"ctg.lib", "territories", "ctg.convention", "diagnostics"},
    "governance": {"ctg.lib", "territories", "ctg.convention", "diagnostics", "actions"},
    "ctg.top": {"ctg.lib", "territories", "ctg.convention", "diagnostics", "actions", "governance"},
    "demo": {"ctg.lib", "territories", "ctg.convention", "diagnostics", "actions", "governance"},
}
# Where a function-local import is the framework's way (signal receivers wired in ready()).
LOCAL_IMPORTS_WITH_A_REASON = {("territories.apps", "territories.signals")}


def layer(module: str) -> str:
    if module == "ctg" or module.startswith(CTG_LIBRARY):
        return "ctg.lib"
    if module.startswith(CTG_TOP):
        return "ctg.top"
    app = module.split(".")[0]
    return "ctg.convention" if app == "ctg" else app


def project_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


MODULES = project_modules()


def imports_of(path: Path):
    """(imported module, imported name or None, line, inside a function or class)."""
    tree = ast.parse(path.read_text())
    nested = {
        id(node)
        for scope in ast.walk(tree)
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for node in ast.walk(scope)
        if node is not scope
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno, id(node) in nested
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield node.module, alias.name, node.lineno, id(node) in nested


def resolve(target: str, name: str | None) -> str | None:
    """The project module an import reads: `from governance import exchange` reads
    governance.exchange; `from ctg.models import Convention` reads ctg.models."""
    for candidate in ([f"{target}.{name}"] if name else []) + [target]:
        parts = candidate.split(".")
        while parts:
            if ".".join(parts) in MODULES:
                return ".".join(parts)
            parts.pop()
    return None


def edges():
    for module, path in MODULES.items():
        for target, name, line, local in imports_of(path):
            if target.split(".")[0] in APPS:
                yield module, resolve(target, name) or target, name, line, local


def test_imports_go_downwards_only():
    wrong = [
        f"{module}:{line} ({layer(module)}) imports {imported} ({layer(imported)})"
        for module, imported, _name, line, _local in edges()
        if layer(imported) != layer(module) and layer(imported) not in BELOW[layer(module)]
    ]
    assert not wrong, "\n".join(wrong)


def test_no_app_reads_another_app_s_private_names():
    wrong = [
        f"{module}:{line} imports {imported}.{name}"
        for module, imported, name, line, _local in edges()
        if name and name.startswith("_") and imported.split(".")[0] != module.split(".")[0]
    ]
    assert not wrong, "\n".join(wrong)


def test_no_function_local_import_of_project_code():
    wrong = [
        f"{module}:{line} imports {imported} inside a function"
        for module, imported, _name, line, local in edges()
        if local and (module, imported) not in LOCAL_IMPORTS_WITH_A_REASON
    ]
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle():
    graph = defaultdict(set)
    for module, imported, _name, _line, _local in edges():
        if imported in MODULES and imported != module:
            graph[module].add(imported)
    cycles, index, low, stack, on_stack = [], {}, {}, [], set()

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for following in graph[node]:
            if following not in index:
                visit(following)
                low[node] = min(low[node], low[following])
            elif following in on_stack:
                low[node] = min(low[node], index[following])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(MODULES):
        if module not in index:
            visit(module)
    assert not cycles, cycles


def test_the_layer_test_sees_a_forbidden_import(tmp_path):
    """The rules above read real imports: a territories module importing the Convention is caught."""
    source = tmp_path / "probe.py"
    source.write_text("def f():\n    from ctg.models import Convention\n")
    (found,) = imports_of(source)
    imported = resolve(found[0], found[1])
    assert (imported, found[3]) == ("ctg.models", True)
    assert layer(imported) not in BELOW[layer("territories.probe")]
