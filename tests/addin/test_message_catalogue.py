"""Every message in the code, not a sample: read from the source, checked for Python speak.

The tests in test_messages.py drive each front end with a few bad inputs; these read
every ``SegmentationError(...)`` and ``warnings.warn(...)`` in the engine and the Excel
side, so a message added anywhere is held to the same rules:

- no Python parameter syntax, class or function name in what users read;
- every setting a fix suggests is known to every front end, which either says how to
  set it or leaves the fix out on purpose (``None``), never by accident.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import addin
import segmentation
from addin import messages

from .test_messages import PYTHON_SPEAK

ROOTS = [Path(segmentation.__file__).parent, Path(addin.__file__).parent]
# Python keyword-argument syntax (``date_format=``) and the engine's Python names.
PYTHON_SYNTAX = re.compile(
    r"\b[a-z]+_[a-z_]+=|\b[a-z_]+=[\[{'\"]|RFMSegmenter|ClusterSegmenter|SegmentMap\b"
    r"|CustomerData|read_customers|SegmentationError"
)
# Fixes whose setting is chosen at run time, and the settings each can suggest.
DYNAMIC_SUGGESTIONS = {
    "segmentation/campaigns/readout.py": ("response_column", "revenue_column"),
}
VOCABULARIES = {
    "command line": messages.COMMAND_LINE,
    "Excel": messages.EXCEL,
    "worksheet functions": messages.FUNCTIONS,
}


def _calls() -> list[tuple[str, ast.Call]]:
    found = []
    for root in ROOTS:
        for path in sorted(root.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            where = f"{path.relative_to(root.parent)}"
            found += [(f"{where}:{n.lineno}", n) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    return found


def _name(call: ast.Call) -> str:
    return ast.unparse(call.func)


def _text(node: ast.AST | None) -> str:
    """The literal text of a message expression; formatted values become ``{}``."""
    if node is None:
        return ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(v) if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text(node.left) + _text(node.right)
    return "{}"


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


CALLS = _calls()
ERRORS = [(w, c) for w, c in CALLS if _name(c).endswith("SegmentationError")]
WARNINGS = [(w, c) for w, c in CALLS if _name(c) == "warnings.warn"]
BAD_PARAMETERS = [(w, c) for w, c in CALLS if _name(c).endswith("SegmentationError.bad_parameter")]


def test_the_catalogue_finds_the_messages():
    # A reader that found nothing would let every check below pass.
    assert len(ERRORS) > 40 and len(WARNINGS) > 8 and len(BAD_PARAMETERS) > 5


def test_no_message_speaks_python():
    """What a user reads; a fix's ``{placeholders}`` are filled by each front end."""
    offenders = []
    for where, call in ERRORS + WARNINGS:
        what = _text(call.args[0] if call.args else _keyword(call, "what"))
        fix = re.sub(r"\{\w+\}", "", _text(_keyword(call, "fix")))
        # The Python text of a parameter error is reworded by every front end (below).
        if where.startswith("segmentation/errors.py"):
            continue
        if (_keyword(call, "allowed") is not None) and (_keyword(call, "label") is not None):
            what = ""
        for text in (what, fix):
            if PYTHON_SPEAK.search(text) or PYTHON_SYNTAX.search(text):
                offenders.append(f"{where}: {text!r}")
    assert not offenders, "\n".join(offenders)


def test_every_parameter_error_has_plain_words():
    for where, call in BAD_PARAMETERS:
        label = _keyword(call, "label")
        assert label is not None, f"{where}: bad_parameter without a label"
        assert not PYTHON_SYNTAX.search(_text(label)), where


def _suggested_settings() -> dict[str, str]:
    settings = {}
    for where, call in ERRORS:
        suggest = _keyword(call, "suggest")
        if isinstance(suggest, ast.Dict):
            for key in suggest.keys:
                if isinstance(key, ast.Constant):
                    settings[key.value] = where
                    continue
                module = where.rsplit(":", 1)[0]
                assert module in DYNAMIC_SUGGESTIONS, f"{where}: name the settings it suggests"
                settings.update(dict.fromkeys(DYNAMIC_SUGGESTIONS[module], where))
    return settings


@pytest.mark.parametrize("front_end", VOCABULARIES)
def test_every_suggested_fix_is_known_to_every_front_end(front_end):
    vocabulary = VOCABULARIES[front_end]
    settings = _suggested_settings()
    assert settings, "no fix suggests a setting: the reader is broken"
    unknown = {p: where for p, where in settings.items() if p not in vocabulary}
    assert not unknown, f"{front_end} has no words for {unknown}"


@pytest.mark.parametrize("front_end", VOCABULARIES)
def test_a_parameter_error_reads_plainly_in_every_front_end(front_end):
    vocabulary = VOCABULARIES[front_end]
    for where, call in BAD_PARAMETERS:
        parameter = call.args[1] if len(call.args) > 1 else None
        if not isinstance(parameter, ast.Constant):
            continue
        error = segmentation.SegmentationError.bad_parameter(
            "Owner", parameter.value, 99, "a whole number", label=_text(_keyword(call, "label"))
        )
        text = messages.worded(error, vocabulary)
        assert text.endswith("must be a whole number; it is 99."), (where, text)
        assert not PYTHON_SPEAK.search(text) and "Owner" not in text, (where, text)
