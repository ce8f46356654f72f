#!/usr/bin/env python3
"""Validates JSON files against an OpenDRS JSON Schema with Python's jsonschema (draft 2020-12),
an implementation independent of OpenDRS. Used by the test suite (CLITests/SchemaTests).

usage: schema-check.py SCHEMA FILE... (or @LIST: a file with one path per line)

Checks the schema itself against the draft 2020-12 meta-schema (exit 1 when it fails), then
prints one line per file: `valid<TAB>FILE` or `invalid<TAB>FILE<TAB>PATH: MESSAGE` (a file that
is not JSON, or not UTF-8, is invalid with the parser's message). Exit 0 when every file was
judged, whatever the verdicts.
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("schema-check.py needs Python's jsonschema: python3 -m pip install jsonschema "
             "(bash scripts/ensure-deps.sh installs it)")


def paths(arguments):
    for argument in arguments:
        if argument.startswith("@"):
            with open(argument[1:], encoding="utf-8") as listing:
                yield from (line.rstrip("\n") for line in listing if line.strip())
        else:
            yield argument


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in paths(sys.argv[2:]):
        try:
            with open(path, "rb") as handle:
                instance = json.loads(handle.read().decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            print(f"invalid\t{path}\tnot JSON: {str(error)[:200]}")
            continue
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
        if error is None:
            print(f"valid\t{path}")
        else:
            where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
            message = error.message.replace("\n", " ").replace("\t", " ")[:200]
            print(f"invalid\t{path}\t{where.lstrip('.') or '(root)'}: {message}")


if __name__ == "__main__":
    main()
