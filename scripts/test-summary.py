#!/usr/bin/env python3
"""The closing summary of scripts/test.sh, read from the Open Test Reporting events that every
module's surefire/failsafe run writes to MODULE/target/test-events (see the parent pom).

    scripts/test-summary.py [--allow-skips] [--no-component-check] [ROOT]

Prints the tests per module (run, passed, failed, skipped) and, for each real component, how many
tests that use it passed (a test says it uses one with JUnit's @Tag, e.g. @Tag("zookeeper")).
Exit status 1 when a test was skipped or aborted (an assumption that failed, @Disabled, a class
whose setup aborted), unless --allow-skips, which lists them instead; also 1 when a real component
was used by no passing test, unless --no-component-check (for runs of a subset of the tests).
"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET


# tag -> what it stands for; the order is the summary's
COMPONENTS = [
    ("zookeeper", "ZooKeeper (scripts/zookeeper.sh)"),
    ("netns", "network namespaces (netns-lab.sh, cluster-lab.sh)"),
    ("nftables", "nftables in network namespaces"),
    ("ipvs", "IPVS in a booted kernel (qemu)"),
    ("docker", "dockerd + registry"),
    ("git-ssh", "git over ssh"),
    ("opensearch", "OpenSearch"),
    ("elasticsearch", "Elasticsearch"),
    ("chromium", "Chromium"),
]


def local(tag):
    return tag.split("}", 1)[-1]


def child(element, name):
    """The first child called name, whatever its namespace."""
    for c in element:
        if local(c.tag) == name:
            return c
    return None


def text(element, name):
    c = child(element, name) if element is not None else None
    return c.text if c is not None else None


def read(path):
    """Yields (descriptor, status, reason) for every finished descriptor in one events file."""
    started = {}
    with open(path, "rb") as f:
        raw = f.read()
    # JUnit writes display names as they are, so a parameter with a control character (a NUL byte
    # in a name) makes the file invalid XML 1.0: such characters are dropped before parsing.
    raw = re.sub(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", b"", raw)
    try:
        events = list(ET.fromstring(raw))
    except ET.ParseError as e:
        # A fork that was killed leaves a cut file: what it finished still counts, the rest is failed.
        yield ({"name": os.path.basename(path), "type": "CONTAINER", "tags": [], "parent": None,
                "uid": path}, "FAILED", "unreadable events file (was the fork killed?): %s" % e)
        return
    for ev in events:
        kind = local(ev.tag)
        if kind == "started":
            meta = child(ev, "metadata")
            tags = [t.text for t in meta.iter() if local(t.tag) == "tag"] if meta is not None else []
            started[ev.get("id")] = {
                "name": ev.get("name"),
                "parent": ev.get("parentId"),
                "type": text(meta, "type") or "TEST",
                "uid": text(meta, "uniqueId") or ev.get("name"),
                "tags": tags,
            }
        elif kind == "finished":
            d = started.get(ev.get("id"))
            if d is None:
                continue
            result = child(ev, "result")
            status = result.get("status") if result is not None else "UNKNOWN"
            reason = ""
            if result is not None:
                reason = (text(result, "reason") or "").strip()
                if not reason:
                    for t in result.iter():
                        if local(t.tag) == "throwable":
                            lines = (t.text or "").strip().splitlines()
                            reason = lines[0] if lines else t.get("type", "")
                            break
            d["finished"] = True
            yield d, status, reason
    for d in started.values():
        if not d.get("finished") and d["type"] == "TEST":
            yield d, "FAILED", "started but never finished (was the fork killed?)"


def short(uid):
    """[engine:junit-jupiter]/[class:a.B]/[method:c()] -> a.B#c()"""
    parts = [p.split(":", 1)[-1].rstrip("]") for p in uid.split("/") if not p.startswith("[engine:")]
    return "#".join(parts) if parts else uid


def main(argv):
    allow_skips = "--allow-skips" in argv
    check_components = "--no-component-check" not in argv
    rest = [a for a in argv if not a.startswith("--")]
    root = rest[0] if rest else os.getcwd()
    files = sorted(glob.glob(os.path.join(root, "*", "target", "test-events", "*.xml")))
    if not files:
        print("test summary: no test events under %s/*/target/test-events" % root)
        return 1
    modules = {}
    used = {tag: 0 for tag, _ in COMPONENTS}
    skipped = []
    for path in files:
        module = os.path.relpath(path, root).split(os.sep)[0]
        m = modules.setdefault(module, {"run": 0, "passed": 0, "failed": 0, "skipped": 0})
        for d, status, reason in read(path):
            test = d["type"] == "TEST"
            if status in ("SKIPPED", "ABORTED"):
                m["skipped"] += 1
                skipped.append((module, short(d["uid"]), status.lower(), reason))
                continue
            if not test:
                if status != "SUCCESSFUL":
                    m["failed"] += 1
                continue
            m["run"] += 1
            if status == "SUCCESSFUL":
                m["passed"] += 1
                for tag in d["tags"]:
                    if tag in used:
                        used[tag] += 1
            else:
                m["failed"] += 1

    print()
    print("=== test summary")
    print("%-14s %7s %7s %7s %8s" % ("module", "run", "passed", "failed", "skipped"))
    total = {"run": 0, "passed": 0, "failed": 0, "skipped": 0}
    for module in sorted(modules):
        m = modules[module]
        print("%-14s %7d %7d %7d %8d" % (module, m["run"], m["passed"], m["failed"], m["skipped"]))
        for k in total:
            total[k] += m[k]
    print("%-14s %7d %7d %7d %8d" % ("all", total["run"], total["passed"], total["failed"], total["skipped"]))
    print()
    print("%-62s %s" % ("real component", "passing tests that used it"))
    for tag, label in COMPONENTS:
        print("%-62s %d" % ("%s [@Tag %s]" % (label, tag), used[tag]))
    status = 0
    if skipped:
        print()
        print("skipped or aborted (%d):" % len(skipped))
        for module, uid, how, reason in skipped:
            print("  %s %s %s: %s" % (module, how, uid, reason or "(no reason given)"))
        if not allow_skips:
            print("a skipped test fails the run (scripts/test.sh --allow-skips to accept them)")
            status = 1
    unused = [label for tag, label in COMPONENTS if used[tag] == 0]
    if unused and check_components:
        print("no passing test used: " + ", ".join(unused))
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
