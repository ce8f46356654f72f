#!/usr/bin/env python3
"""Size limits of the source tree: no Swift file in Sources over FILE_LIMIT lines and no
function, initializer or closure-free body (func, init, subscript, computed property
accessor) over FUNCTION_LIMIT lines. Prints every offender and exits 1 when there is one.

Usage: python3 scripts/shape.py [--files-only] [ROOT]   (ROOT defaults to Sources)

Bodies are found by matching braces from a declaration line to its closing brace, ignoring
braces inside string literals and comments (good enough for this code base's style)."""
import os
import re
import sys

FILE_LIMIT = 500
FUNCTION_LIMIT = 80
DECLARATION = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|static|mutating|"
                         r"nonisolated|override|final|@inlinable|@usableFromInline|@discardableResult)\s+)*"
                         r"(func\s+[^\s(<]+|init[?!]?\s*[(<]|subscript\s*[(<])")


def strip(line, in_block):
    """The line without string literals and comments; whether a block comment stays open."""
    out = []
    i = 0
    in_string = False
    while i < len(line):
        c = line[i]
        if in_block:
            if line.startswith("*/", i):
                in_block = False
                i += 2
                continue
            i += 1
            continue
        if in_string:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_string = False
            i += 1
            continue
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            in_block = True
            i += 2
            continue
        if c == '"':
            in_string = True
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out), in_block


def functions(path):
    """(name, first line, line count) of every declaration body in the file."""
    lines = open(path, encoding="utf-8").read().split("\n")
    clean = []
    in_block = False
    for line in lines:
        text, in_block = strip(line, in_block)
        clean.append(text)
    found = []
    for start, text in enumerate(clean):
        match = DECLARATION.match(text)
        if not match:
            continue
        depth = 0
        opened = False
        for end in range(start, len(clean)):
            for c in clean[end]:
                if c == "{":
                    depth += 1
                    opened = True
                elif c == "}":
                    depth -= 1
            if opened and depth <= 0:
                found.append((match.group(1).strip(), start + 1, end - start + 1))
                break
            if not opened and end > start and clean[end].strip() == "":
                break  # a protocol requirement: no body
    return found


def main(argv):
    files_only = "--files-only" in argv
    args = [a for a in argv if not a.startswith("--")]
    root = args[0] if args else "Sources"
    offenders = []
    for folder, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            if not name.endswith(".swift"):
                continue
            path = os.path.join(folder, name)
            count = sum(1 for _ in open(path, encoding="utf-8"))
            if count > FILE_LIMIT:
                offenders.append("%s: %d lines (limit %d)" % (path, count, FILE_LIMIT))
            if files_only:
                continue
            for function, line, length in functions(path):
                if length > FUNCTION_LIMIT:
                    offenders.append("%s:%d: %s is %d lines (limit %d)" % (path, line, function, length, FUNCTION_LIMIT))
    for offender in offenders:
        print(offender)
    print("%d over the limits" % len(offenders))
    return 1 if offenders else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
