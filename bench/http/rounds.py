"""The table of wrk.sh's and ab.sh's rounds: per side the medians of the rounds (req/s, p50, p99,
server CPU per request), the ratio to side `nginx` when there is one, and the req/s of each round;
then, for the pairs proxy/nginx and proxy-nolog/nginx-nolog when present, the ratios against the
targets; the secondary line of wrk.sh when WORK/nginx-jdk-1.wrk exists. Usage: rounds.py WORK CLK_TCK ROUNDS SIDE... (files WORK/SIDE-N.wrk and .ticks)"""
import os
import re
import statistics
import sys


def parse(work, hz, name):
    text = open(f"{work}/{name}.wrk").read()
    n = int(re.search(r"(\d+) requests in", text).group(1))

    def pct(q):
        m = re.search(rf"^\s*{q}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]

    errs = re.search(r"Socket errors:\s*(.*)", text)
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    return dict(rps=float(re.search(r"Requests/sec:\s*([\d.]+)", text).group(1)), p50=pct(50), p99=pct(99),
                us=int(open(f"{work}/{name}.ticks").read()) / hz * 1e6 / max(n, 1),
                errors=(errs.group(1) if errs else "") + (f" non-2xx {bad.group(1)}" if bad else ""))


def main(work, hz, rounds, sides):
    runs = {s: [parse(work, hz, f"{s}-{r}") for r in range(1, rounds + 1)] for s in sides}
    med = {s: {k: statistics.median(x[k] for x in runs[s]) for k in ("rps", "p50", "p99", "us")} for s in sides}
    base = med.get("nginx")
    print(f"{'side':14} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>10} {'vs nginx':>9}  runs (req/s)  errors")
    for s in sides:
        m = med[s]
        ratio = f"{m['rps'] / base['rps']:8.3f}x" if base else f"{'':9}"
        print(f"{s:14} {m['rps']:9.0f} {m['p50']:8.2f} {m['p99']:8.2f} {m['us']:10.0f} {ratio}  "
              + " ".join(f"{x['rps']:.0f}" for x in runs[s]) + "  "
              + ("; ".join(x["errors"] for x in runs[s] if x["errors"]) or "none"))
    for p, n, label in (("proxy", "nginx", "access log on"), ("proxy-nolog", "nginx-nolog", "access log off")):
        if p in med and n in med:
            a, b = med[p], med[n]
            print(f"ratio ({label}): req/s proxy/nginx = {a['rps'] / b['rps']:.2f}x (target >= 0.50x)   "
                  f"p99 proxy/nginx = {a['p99'] / b['p99']:.2f}x   CPU/req proxy/nginx = {a['us'] / b['us']:.1f}x")
    if os.path.exists(f"{work}/nginx-jdk-1.wrk"):
        x = parse(work, hz, "nginx-jdk-1")
        proxy = med.get("proxy", med.get("proxy-nolog"))
        print(f"secondary, not the limit: nginx -> JDK httpserver (Echo.java), one run: {x['rps']:.0f} req/s, "
              f"p99 {x['p99']:.2f} ms" + (f"; proxy/that = {proxy['rps'] / x['rps']:.2f}x" if proxy else ""))
    return med


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:])
