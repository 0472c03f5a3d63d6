#!/usr/bin/env python3
"""Checks that every test docs/SECURITY.md cites exists, so the security map cannot go stale.

usage: check_security_test_names.py --doc docs/SECURITY.md --build-dir BUILD [--source-dir SRC]

The doc cites, in backticks:
  GoogleTest names   `Suite.Name`, `Prefix/Suite.Name` (value-parameterised; the parameter
                     suffix may be left out), wildcards `Suite.*`, `Hardening.M2_*`, and brace
                     lists `Suite.Name/{SQLite,MariaDB}`;
  test executables   `store_tests` (a file in BUILD/bin);
  CTest names        `protocol_vectors_independent_check`;
  test sources       `password_test` (tests/**/password_test.cpp).
Every *_tests executable in BUILD/bin is asked for its tests (--gtest_list_tests), and ctest -N
for the CTest names. Prints the cited names that match nothing and exits 1 if there are any.
"""
import argparse
import fnmatch
import os
import re
import subprocess
import sys
from pathlib import Path

GTEST_NAME = re.compile(
    r"^(?:[A-Z][A-Za-z0-9_]*/)?[A-Z][A-Za-z0-9_]*\.[A-Za-z0-9_*]+(?:/[A-Za-z0-9_*{},]+)?$")
EXECUTABLE = re.compile(r"^[a-z][a-z0-9_]*_tests$")
SOURCE = re.compile(r"^[a-z][a-z0-9_]*_test$")
CTEST_NAME = re.compile(r"^[a-z][a-z0-9_]*_check$")


def expand_braces(name):
    m = re.search(r"\{([^{}]*)\}", name)
    if not m:
        return [name]
    out = []
    for choice in m.group(1).split(","):
        out += expand_braces(name[:m.start()] + choice + name[m.end():])
    return out


def cited_names(doc_text):
    """The backticked names that cite tests, in order of first appearance."""
    cited = []
    for token in re.findall(r"`([^`\n]+)`", doc_text):
        if GTEST_NAME.match(token) or EXECUTABLE.match(token) or SOURCE.match(token) \
                or CTEST_NAME.match(token):
            if token not in cited:
                cited.append(token)
    return cited


def gtest_names(binary):
    out = subprocess.run([str(binary), "--gtest_list_tests"], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    names, suite = [], ""
    for line in out.splitlines():
        if not line.strip() or line.startswith("Running main()"):
            continue
        entry = line.split("#", 1)[0].rstrip()
        if not line.startswith(" "):
            suite = entry
        else:
            names.append(suite + entry.strip())
    return names


def ctest_names(build_dir):
    out = subprocess.run(["ctest", "--test-dir", str(build_dir), "-N"], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    return re.findall(r"^\s*Test\s+#\d+: (\S+)", out, re.MULTILINE)


def matches(cited, tests):
    if "*" in cited:
        return any(fnmatch.fnmatchcase(t, cited) for t in tests)
    return any(t == cited or t.startswith(cited + "/") for t in tests)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doc", required=True, type=Path)
    parser.add_argument("--build-dir", required=True, type=Path)
    parser.add_argument("--source-dir", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()

    bin_dir = args.build_dir / "bin"
    executables = sorted(p for p in bin_dir.glob("*_tests") if os.access(p, os.X_OK))
    if not executables:
        print(f"no *_tests executables in {bin_dir}; build first", file=sys.stderr)
        return 1
    tests = []
    for exe in executables:
        tests += gtest_names(exe)
    ctests = ctest_names(args.build_dir)
    sources = {p.stem for p in (args.source_dir / "tests").rglob("*_test.cpp")}
    exe_names = {p.name for p in executables}

    cited = cited_names(args.doc.read_text(encoding="utf-8"))
    missing = []
    for name in cited:
        if EXECUTABLE.match(name):
            found = name in exe_names
        elif SOURCE.match(name):
            found = name in sources
        elif CTEST_NAME.match(name):
            found = name in ctests
        else:
            found = all(matches(n, tests + ctests) for n in expand_braces(name))
        if not found:
            missing.append(name)
    if missing:
        print(f"{args.doc}: {len(missing)} of {len(cited)} cited tests do not exist:")
        for name in missing:
            print(f"  {name}")
        return 1
    print(f"{args.doc}: all {len(cited)} cited tests exist "
          f"({len(tests)} GoogleTest cases in {len(executables)} executables)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
