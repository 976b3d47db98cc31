"""The shape of the code: arrows point down the layers, and no module imports itself back.

Every import counts, at the top of a module or inside a function (an import moved into a function
hides a cycle from Python, not from this test). The layers are the contract in pyproject.toml
(``[tool.importlinter]``), checked with import-linter; the cycles are checked here.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


def module_name(path: Path, src: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def import_graph(src: Path, package: str) -> nx.DiGraph:
    """Module → modules of ``package`` it imports (anywhere in the module)."""
    files = {module_name(p, src): p for p in (src / package).rglob("*.py")}
    modules = {name for name, _ in files}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for (name, is_package), path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    mod = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    mod = node.module or ""
                # `from a import b` imports module a.b when there is one, else a name of a
                targets = [
                    f"{mod}.{a.name}" if f"{mod}.{a.name}" in modules else mod for a in node.names
                ]
            for target in targets:
                # `import a.b.c` of a module outside the set: its nearest known package
                while target and target not in modules and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in modules and target != name:
                    graph.add_edge(name, target)
    return graph


def cycles(graph: nx.DiGraph) -> list[list[str]]:
    return sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)


def test_no_module_of_perron_imports_itself_back():
    graph = import_graph(SRC, "perron")
    assert graph.number_of_edges() > 500  # the whole package was read
    found = cycles(graph)
    assert found == [], "import cycles (including imports inside functions): " + "; ".join(
        " ↔ ".join(c) for c in found
    )


def test_the_cycle_check_sees_imports_inside_functions(tmp_path):
    pkg = tmp_path / "shop"
    (pkg / "orders").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "orders" / "__init__.py").write_text("from shop.orders.base import Order\n")
    (pkg / "orders" / "base.py").write_text("class Order: ...\n")
    (pkg / "orders" / "mail.py").write_text(
        "def send():\n    from shop.orders import cart\n    return cart\n"
    )
    (pkg / "orders" / "cart.py").write_text("from . import mail\nfrom .base import Order\n")
    found = cycles(import_graph(tmp_path, "shop"))
    assert found == [["shop.orders.cart", "shop.orders.mail"]]


def _lint_imports(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys\n"
        "from importlinter.cli import lint_imports\n"
        "sys.exit(lint_imports(config_filenames=(sys.argv[1],), no_cache=True, no_logo=True))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(cwd), str(SRC)])}
    return subprocess.run(
        [sys.executable, "-c", code, str(config)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_arrows_point_down_the_layers():
    result = _lint_imports(ROOT / "pyproject.toml", ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_layer_contract_refuses_an_upward_import(tmp_path):
    pkg = tmp_path / "shop"
    for sub in ("domain", "store", "api"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "store" / "db.py").write_text("def f():\n    from shop.api import routes\n")
    (pkg / "api" / "routes.py").write_text("from shop.store import db\n")
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_package = "shop"\n\n'
        '[[tool.importlinter.contracts]]\nname = "layers"\ntype = "layers"\n'
        'layers = ["shop.api", "shop.store", "shop.domain"]\n'
    )
    result = _lint_imports(config, tmp_path)
    assert result.returncode == 1
    assert "shop.store.db -> shop.api.routes" in result.stdout
