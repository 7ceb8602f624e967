"""The engine stays vectorised: no per-row Python in segmentation/."""

from __future__ import annotations

import ast
from pathlib import Path

import segmentation

ENGINE = Path(segmentation.__file__).parent
ROW_METHODS = {"iterrows", "itertuples", "apply", "applymap", "agg", "aggregate", "transform"}


def _row_loops(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if (
                name in ROW_METHODS
                and name != "transform"
                or (
                    name in {"map", "transform"}
                    and any(isinstance(a, ast.Lambda) for a in node.args)
                )
            ):
                found.append(f"line {node.lineno}: .{name}(...)")
        if isinstance(node, ast.For):
            loop = ast.unparse(node.iter)
            if "range(len(" in loop or ".index" in loop or "zip(*" in loop:
                found.append(f"line {node.lineno}: for ... in {loop}")
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "vectorize":
            found.append(f"line {node.lineno}: np.vectorize")
    return found


def test_engine_has_no_python_loops_over_rows():
    problems = {
        path.name: loops
        for path in sorted(ENGINE.glob("*.py"))
        if (loops := _row_loops(ast.parse(path.read_text(encoding="utf-8"))))
    }
    assert problems == {}


def test_the_check_catches_row_loops():
    source = "for i in range(len(df)):\n    pass\ndf.apply(f, axis=1)\ns.map(lambda v: v)\n"
    assert len(_row_loops(ast.parse(source))) == 3
