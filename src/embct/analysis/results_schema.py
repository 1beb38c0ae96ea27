"""The JSON Schema of ``results.json``, generated from :mod:`embct.analysis.results`, and a
small validator for it.

The schema ships with the package as ``embct/analysis/results.schema.json`` (JSON Schema
2020-12): :func:`json_schema` builds it from the typed dictionaries, :func:`write_schema`
(``python -m embct.analysis.results_schema``) rewrites the shipped file, and a test checks
that the two agree. :func:`schema_errors` checks a document against it with the subset of
JSON Schema the generator writes (``type``, ``properties``, ``required``,
``additionalProperties``, ``items``, ``anyOf``, local ``$ref``), so no validation library is
needed; any JSON Schema validator reads the shipped file as well.

Examples
--------
>>> schema = load_schema()
>>> schema["$ref"], schema["$defs"]["Skipped"]["required"]
('#/$defs/Results', ['skipped'])
>>> schema_errors({"n": "245"}, schema)[:2]
["$: missing key 'flow'", "$: missing key 'reliability'"]
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
import sys
import types
import typing
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, NotRequired, Required, Union

from . import results

__all__ = [
    "SCHEMA_FILE",
    "ResultsSchemaError",
    "check_results",
    "json_schema",
    "load_schema",
    "schema_errors",
    "write_schema",
]

#: The schema's file name inside the ``embct.analysis`` package.
SCHEMA_FILE = "results.schema.json"
_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_PRIMITIVES: dict[Any, str] = {
    int: "integer",
    float: "number",
    str: "string",
    bool: "boolean",
    type(None): "null",
}


class ResultsSchemaError(ValueError):
    """A results document does not have the declared shape; the message lists where."""


# ---------------------------------------------------------------------------------------
# Generating the schema


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the results document, from :class:`embct.analysis.results.Results`.

    Each typed dictionary becomes a definition in ``$defs`` (an object with exactly its
    keys, the ``NotRequired`` ones optional); ``int`` is ``integer``, ``float``
    ``number``, ``X | None`` also allows ``null``, ``list[X]`` an array and
    ``dict[str, X]`` an object of any keys.

    Returns
    -------
    dict
        The schema, ready for :func:`json.dumps`.

    Examples
    --------
    >>> schema = json_schema()
    >>> schema["$defs"]["FlowArm"]["properties"]["arm"]
    {'type': 'integer'}
    >>> schema["$defs"]["Results"]["properties"]["baseline"]
    {'anyOf': [{'$ref': '#/$defs/Baseline'}, {'$ref': '#/$defs/Skipped'}]}
    """
    defs: dict[str, Any] = {}
    root = _schema_of(results.Results, defs)
    return {
        "$schema": _DIALECT,
        "$id": "https://embct.invalid/schemas/results.schema.json",
        "title": "embct results document (results.json)",
        "description": (
            "What embct.analysis.analyze returns and `embct analyze` writes; generated from "
            "embct.analysis.results by embct.analysis.results_schema. Do not edit by hand."
        ),
        **root,
        "$defs": dict(sorted(defs.items())),
    }


def _schema_of(annotation: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(annotation)
    if origin in (NotRequired, Required):
        return _schema_of(typing.get_args(annotation)[0], defs)
    if annotation in _PRIMITIVES:
        return {"type": _PRIMITIVES[annotation]}
    if typing.is_typeddict(annotation):
        name = annotation.__name__
        if name not in defs:
            defs[name] = {}  # placeholder: a type may refer to itself
            defs[name] = _object_schema(annotation, defs)
        return {"$ref": f"#/$defs/{name}"}
    if origin in (Union, types.UnionType):
        members = [_schema_of(arg, defs) for arg in typing.get_args(annotation)]
        if all(set(member) == {"type"} for member in members):
            return {"type": [member["type"] for member in members]}
        return {"anyOf": members}
    if origin is list:
        (item,) = typing.get_args(annotation)
        return {"type": "array", "items": _schema_of(item, defs)}
    if origin is dict:
        key, value = typing.get_args(annotation)
        if key is not str:
            raise TypeError(f"{annotation}: JSON object keys are strings")
        return {"type": "object", "additionalProperties": _schema_of(value, defs)}
    raise TypeError(f"{annotation!r}: no JSON Schema for this type")


def _object_schema(typed_dict: Any, defs: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(typed_dict, include_extras=True)
    out: dict[str, Any] = {"type": "object"}
    doc = typed_dict.__doc__
    if doc and not doc.startswith(f"{typed_dict.__name__}("):  # not the generated signature
        out["description"] = " ".join(inspect.cleandoc(doc).split())
    out["properties"] = {key: _schema_of(value, defs) for key, value in hints.items()}
    out["required"] = [key for key in hints if key in typed_dict.__required_keys__]
    out["additionalProperties"] = False
    return out


def schema_text() -> str:
    """:func:`json_schema` as the shipped file's text (2-space indent, final newline)."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: str | Path | None = None) -> Path:
    """Write the schema to ``path`` (default: the shipped file beside this module).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    target = Path(path) if path is not None else Path(__file__).with_name(SCHEMA_FILE)
    target.write_text(schema_text(), encoding="utf-8")
    return target


def load_schema() -> dict[str, Any]:
    """The schema shipped with the package (``embct/analysis/results.schema.json``)."""
    text = resources.files("embct.analysis").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


# ---------------------------------------------------------------------------------------
# Validating a document


def schema_errors(
    document: Any, schema: Mapping[str, Any] | None = None, *, partial: bool = False
) -> list[str]:
    """Where ``document`` breaks ``schema`` (default: the shipped one); empty when valid.

    Each error reads ``<path>: <what>``, the path in JSONPath style from ``$`` (the
    document) as in ``$.flow.arms[0].randomized``.

    With ``partial=True`` (what :mod:`embct.report` accepts) any top-level section may be
    absent or ``{"skipped": reason}``; a section that is there has its declared shape.

    Examples
    --------
    >>> schema_errors({"skipped": 3}, {"$ref": "#/$defs/Skipped", "$defs": {"Skipped": {
    ...     "type": "object", "properties": {"skipped": {"type": "string"}},
    ...     "required": ["skipped"], "additionalProperties": False}}})
    ['$.skipped: expected string, got integer 3']
    """
    if schema is None:
        root: Mapping[str, Any] = _shipped(partial)
    else:
        root = _partial(schema) if partial else schema
    errors: list[str] = []
    _check(document, root, root, "$", errors)
    return errors


def check_results(
    document: Any, schema: Mapping[str, Any] | None = None, *, partial: bool = False
) -> None:
    """Raise :class:`ResultsSchemaError` listing every error of :func:`schema_errors`."""
    errors = schema_errors(document, schema, partial=partial)
    if errors:
        raise ResultsSchemaError(
            f"the results document breaks the schema in {len(errors)} place(s):\n"
            + "\n".join(errors)
        )


@functools.lru_cache(maxsize=2)
def _shipped(partial: bool) -> dict[str, Any]:
    """The shipped schema, read once per process (callers must not change it)."""
    return _partial(load_schema()) if partial else load_schema()


def _partial(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` with every section of the document optional and allowed to be skipped."""
    out = copy.deepcopy(dict(schema))
    document = out["$defs"]["Results"]
    skipped = {"$ref": "#/$defs/Skipped"}
    document["required"] = []
    document["properties"] = {
        key: value if skipped in value.get("anyOf", []) else {"anyOf": [value, skipped]}
        for key, value in document["properties"].items()
    }
    return out


#: Python types and their JSON names, in the order they are tested (bool before int).
_JSON_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (type(None), "null"),
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (Mapping, "object"),
    ((list, tuple), "array"),
)


def _json_type(value: Any) -> str:
    for kind, name in _JSON_TYPES:
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _is_type(value: Any, name: str) -> bool:
    actual = _json_type(value)
    if name == "number":
        return actual in ("integer", "number")
    if name == "integer":
        return actual == "integer" or (actual == "number" and float(value).is_integer())
    return actual == name


def _resolve(ref: str, root: Mapping[str, Any]) -> Mapping[str, Any]:
    if not ref.startswith("#/"):
        raise ValueError(f"$ref {ref!r}: only references inside the schema are supported")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return typing.cast(Mapping[str, Any], node)


def _check(
    value: Any, schema: Mapping[str, Any], root: Mapping[str, Any], path: str, errors: list[str]
) -> None:
    if "$ref" in schema:
        _check(value, _resolve(schema["$ref"], root), root, path, errors)
    if "anyOf" in schema:
        attempts: list[list[str]] = []
        for option in schema["anyOf"]:
            found: list[str] = []
            _check(value, option, root, path, found)
            if not found:
                break
            attempts.append(found)
        else:
            # The option the value is closest to: fewest errors at this level, then in all.
            closest: list[str] = min(attempts, key=lambda f: (_here(f, path), len(f)))
            errors.extend(closest)
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, name) for name in names):
            errors.append(
                f"{path}: expected {' or '.join(names)}, got {_json_type(value)} {value!r:.60}"
            )
            return
    if isinstance(value, Mapping):
        _check_object(value, schema, root, path, errors)
    elif isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            _check(item, schema["items"], root, f"{path}[{index}]", errors)


def _here(errors: list[str], path: str) -> int:
    return sum(1 for error in errors if error.startswith(f"{path}: "))


def _check_object(
    value: Mapping[str, Any],
    schema: Mapping[str, Any],
    root: Mapping[str, Any],
    path: str,
    errors: list[str],
) -> None:
    properties = schema.get("properties", {})
    for key in schema.get("required", []):
        if key not in value:
            errors.append(f"{path}: missing key {key!r}")
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        where = f"{path}.{key}" if str(key).isidentifier() else f"{path}[{str(key)!r}]"
        if key in properties:
            _check(item, properties[key], root, where, errors)
        elif extra is False:
            errors.append(f"{path}: unexpected key {key!r}")
        elif isinstance(extra, Mapping):
            _check(item, extra, root, where, errors)


if __name__ == "__main__":  # pragma: no cover - python -m embct.analysis.results_schema
    print(write_schema(sys.argv[1] if len(sys.argv) > 1 else None))
