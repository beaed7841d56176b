#!/usr/bin/env python3
"""Lists every test that skipped in the CTest runs of the given build
directories, with its reason, as a table (scripts/test.sh ends with it).

Reads <build>/ctest-junit.xml (ctest --output-junit) for the C++ tests, whose
skip reason is the GoogleTest message, and <build>/node-junit/<file>.xml
(node --test's JUnit reporter) for the Node.js tests, whose skips are per
test.

A reason that starts with "needs <tool>" (after an optional "skipped: ")
names what was missing: a command on PATH, a path (with a '/', relative to
the working directory), or python3:<module> (importable by python3 on PATH
or /usr/bin/python3). With CI=true, a skip whose tool is present after all
is a failure: the test should have run, and its check for the tool is
wrong.

Usage: skip-report.py BUILD_DIR...  (exit 1 on such a failure, else 0)
"""
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

NEEDS = re.compile(r"^(?:skipped: )?needs (\S+)")


def tool_present(tool):
    if tool.startswith("python3:"):
        module = tool.split(":", 1)[1]
        return any(
            subprocess.run([python, "-c", "import " + module],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
            for python in ("python3", "/usr/bin/python3") if shutil.which(python))
    if "/" in tool:
        return os.path.exists(tool)
    return shutil.which(tool) is not None


def gtest_reason(output):
    """The message of GTEST_SKIP: the lines between "<file>:<line>: Skipped"
    and "[  SKIPPED ]"."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if line.endswith(": Skipped"):
            message = []
            for rest in lines[i + 1:]:
                if rest.startswith("[  SKIPPED ]"):
                    break
                if rest.strip():
                    message.append(rest.strip())
            return " ".join(message) or "(no reason given)"
    return "(no reason given)"


def node_skips(path):
    """(test name, reason) for each skipped test or suite of a node JUnit file."""
    if not os.path.exists(path):
        return []
    skips = []
    for case in ET.parse(path).iter("testcase"):
        skipped = case.find("skipped")
        if skipped is not None:
            skips.append((case.get("name"), skipped.get("message") or "(no reason given)"))
    return skips


def build_skips(build, counts):
    """(run, test, reason) for each skip of one build directory's last run;
    adds its CTest tests to counts (passed, failed, skipped)."""
    run = os.path.basename(os.path.normpath(build))
    path = os.path.join(build, "ctest-junit.xml")
    if not os.path.exists(path):
        return [(run, "(no ctest-junit.xml)", "the run did not write its report")]
    skips = []
    for case in ET.parse(path).iter("testcase"):
        status = case.get("status")
        counts["passed" if status == "run" else "skipped" if status in ("notrun", "disabled") else "failed"] += 1
        name = case.get("name").split("  # ")[0]  # without gtest's "# GetParam() = ..."
        if name.startswith("node."):
            file_skips = node_skips(os.path.join(build, "node-junit", name[len("node."):] + ".xml"))
            skips += [(run, name + " > " + test, reason) for test, reason in file_skips]
            if status == "notrun" and not file_skips:
                skips.append((run, name, "no test ran"))
        elif status in ("notrun", "disabled"):
            skips.append((run, name, gtest_reason(case.findtext("system-out") or "")))
    return skips


def print_table(skips):
    if not skips:
        print("skipped tests: none")
        return
    width_run = max(len(s[0]) for s in skips)
    width_test = max(len(s[1]) for s in skips)
    print(f"skipped tests ({len(skips)}):")
    print(f"{'run':<{width_run}} | {'test':<{width_test}} | reason")
    for run, test, reason in skips:
        print(f"{run:<{width_run}} | {test:<{width_test}} | {reason}")


def main(builds):
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    skips = [skip for build in builds for skip in build_skips(build, counts)]
    print_table(skips)
    wrong = []
    if os.environ.get("CI") == "true":
        wrong = [(run, test, match.group(1)) for run, test, reason in skips
                 if (match := NEEDS.match(reason)) and tool_present(match.group(1))]
    for run, test, tool in wrong:
        print(f"error: {run} {test} skipped for want of {tool}, but {tool} is here", file=sys.stderr)
    # CTest tests of all the runs together (a Node.js file is one test).
    print(f"ctest: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
