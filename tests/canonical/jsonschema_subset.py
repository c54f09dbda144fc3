"""Checks for the committed JSON Schemas without a JSON Schema library (none is a dependency).

``check_schema`` is a structural check of a Draft 2020-12 document: known keywords only, each
with a value of the right kind, patterns that compile, ``$ref`` pointing into ``$defs``,
``required`` naming declared properties. ``validate`` checks an instance against the subset of
keywords the generated schemas use, so the tests can show that what the models write conforms
to what the schemas say.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"
TYPES = {"null", "boolean", "object", "array", "number", "string", "integer"}
SCHEMA_MAP = {"properties", "$defs", "patternProperties", "dependentSchemas"}
SCHEMA_LIST = {"anyOf", "allOf", "oneOf", "prefixItems"}
SCHEMA_ONE = {"items", "additionalProperties", "not", "if", "then", "else", "contains",
              "propertyNames", "unevaluatedItems", "unevaluatedProperties"}
NON_NEGATIVE = {"minLength", "maxLength", "minItems", "maxItems", "minProperties",
                "maxProperties", "minContains", "maxContains"}
NUMBERS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
OTHER = {"$schema", "$id", "$ref", "$comment", "$anchor", "title", "description", "default",
         "examples", "deprecated", "readOnly", "writeOnly", "type", "enum", "const", "required",
         "pattern", "format", "uniqueItems", "dependentRequired"}
KEYWORDS = SCHEMA_MAP | SCHEMA_LIST | SCHEMA_ONE | NON_NEGATIVE | NUMBERS | OTHER


def check_schema(doc: dict[str, Any]) -> list[str]:
    """Problems in ``doc`` as a Draft 2020-12 schema; empty when none."""
    problems: list[str] = []
    if doc.get("$schema") != DIALECT:
        problems.append(f"$schema is {doc.get('$schema')!r}, not {DIALECT}")
    defs = doc.get("$defs", {})

    def walk(s: Any, at: str) -> None:
        if isinstance(s, bool):
            return
        if not isinstance(s, dict):
            problems.append(f"{at}: a schema must be an object or a boolean")
            return
        for key, value in s.items():
            where = f"{at}/{key}"
            if key not in KEYWORDS:
                problems.append(f"{where}: unknown keyword")
            elif key in SCHEMA_MAP:
                if not isinstance(value, dict):
                    problems.append(f"{where}: must be an object")
                else:
                    for name, sub in value.items():
                        walk(sub, f"{where}/{name}")
            elif key in SCHEMA_LIST:
                if not isinstance(value, list) or not value:
                    problems.append(f"{where}: must be a non-empty array")
                else:
                    for n, sub in enumerate(value):
                        walk(sub, f"{where}/{n}")
            elif key in SCHEMA_ONE:
                walk(value, where)
            elif key in NON_NEGATIVE and not (isinstance(value, int) and value >= 0):
                problems.append(f"{where}: must be a non-negative integer")
            elif key in NUMBERS and not isinstance(value, int | float):
                problems.append(f"{where}: must be a number")
            elif key == "type":
                names = value if isinstance(value, list) else [value]
                if not names or any(t not in TYPES for t in names):
                    problems.append(f"{where}: {value!r} is not a JSON type")
            elif key == "required":
                if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                    problems.append(f"{where}: must be an array of strings")
                elif set(value) - set(s.get("properties", {})):
                    problems.append(f"{where}: names undeclared properties")
            elif key == "enum" and not (isinstance(value, list) and value):
                problems.append(f"{where}: must be a non-empty array")
            elif key == "pattern":
                try:
                    re.compile(value)
                except (re.error, TypeError) as exc:
                    problems.append(f"{where}: {exc}")
            elif key == "$ref":
                if not (isinstance(value, str) and value.startswith("#/$defs/")
                        and value.removeprefix("#/$defs/") in defs):
                    problems.append(f"{where}: {value!r} does not resolve")

    walk(doc, "#")
    return problems


def validate(instance: Any, schema: Any, root: dict[str, Any], at: str = "#") -> list[str]:
    """Where ``instance`` breaks ``schema`` (the keywords our schemas use); empty when valid."""
    if schema is True:
        return []
    if schema is False:
        return [f"{at}: no value is allowed"]
    errors: list[str] = []
    if "$ref" in schema:
        errors += validate(instance, root["$defs"][schema["$ref"].removeprefix("#/$defs/")],
                           root, at)
    if "anyOf" in schema and all(validate(instance, s, root, at) for s in schema["anyOf"]):
        errors.append(f"{at}: matches none of anyOf")
    if "type" in schema and not _is_type(instance, schema["type"]):
        return errors + [f"{at}: {instance!r} is not of type {schema['type']}"]
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{at}: {instance!r} not in {schema['enum']}")
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{at}: {instance!r} is not {schema['const']!r}")
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            errors.append(f"{at}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(instance) > schema["maxLength"]:
            errors.append(f"{at}: longer than {schema['maxLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            errors.append(f"{at}: {instance!r} does not match {schema['pattern']}")
        if schema.get("format") == "date":
            try:
                date.fromisoformat(instance)
            except ValueError:
                errors.append(f"{at}: {instance!r} is not a date")
    if isinstance(instance, int | float) and not isinstance(instance, bool):
        if "minimum" in schema and instance < schema["minimum"]:
            errors.append(f"{at}: below {schema['minimum']}")
        if "maximum" in schema and instance > schema["maximum"]:
            errors.append(f"{at}: above {schema['maximum']}")
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            errors.append(f"{at}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(instance) > schema["maxItems"]:
            errors.append(f"{at}: more than {schema['maxItems']} items")
        for n, item in enumerate(instance):
            errors += validate(item, schema.get("items", True), root, f"{at}/{n}")
    if isinstance(instance, dict):
        props = schema.get("properties", {})
        errors += [f"{at}: {name} is required" for name in schema.get("required", ())
                   if name not in instance]
        for name, value in instance.items():
            sub = props.get(name, schema.get("additionalProperties", True))
            errors += validate(value, sub, root, f"{at}/{name}")
    return errors


def _is_type(instance: Any, expected: str | list[str]) -> bool:
    names = expected if isinstance(expected, list) else [expected]
    checks = {
        "null": instance is None,
        "boolean": isinstance(instance, bool),
        "object": isinstance(instance, dict),
        "array": isinstance(instance, list),
        "string": isinstance(instance, str),
        "integer": isinstance(instance, int) and not isinstance(instance, bool),
        "number": isinstance(instance, int | float) and not isinstance(instance, bool),
    }
    return any(checks[n] for n in names)
