#!/usr/bin/env bash
# The seed's machines as network namespaces on one switch (scripts/cluster-lab.sh; needs root,
# iproute2), one per host of the installation README "Running a real cluster" describes:
#
#   <p>-lb     NET.1   balancer (kernel gateway) + proxy
#   <p>-zk1..3 NET.2-4 the ZooKeeper ensemble (scripts/zookeeper.sh member)
#   <p>-build  NET.5   builder role (git over ssh)
#   <p>-node1..4 NET.6-9  nodes (docker isolate); node4 is the one that joins later
#   <p>-logs   NET.10  the log store
#   <p>-client NET.11  git, ssh, curl, the CLI
#   <p>-h      NET.254 in the root namespace: the control leg, and the way in for containers
#
#   scripts/seed-lab.sh up PREFIX NET     e.g. up seed 10.79.16; prints "HOST ADDRESS" per host
#   scripts/seed-lab.sh down PREFIX
#
# Docker: every node talks to the host's one dockerd through its unix socket (a path, the same in
# every namespace). A worker's container sits on docker0 in the root namespace and reaches its node
# at the node's lab address through the root namespace's leg on the switch: dockerd's own FORWARD
# rule lets docker0 out, and its MASQUERADE rule makes the node answer NET.254, on its own subnet,
# so the lab needs no route back. Images come from the registry the daemon pulls from
# (scripts/registry.sh, 127.0.0.1:5000 in the root namespace).
set -euo pipefail
hosts=(lb zk1 zk2 zk3 build node1 node2 node3 node4 logs client)
[ $# -ge 2 ] || { echo "usage: $0 up PREFIX NET | down PREFIX" >&2; exit 2; }
lab="$(dirname "$0")/cluster-lab.sh"
case "$1" in
  up)
    [ $# -eq 3 ] || { echo "usage: $0 up PREFIX NET | down PREFIX" >&2; exit 2; }
    "$lab" up "$2" "$3" "${hosts[@]}"
    # dockerd's policy drops forwarded traffic that its own rules do not name (docs/operations.md)
    iptables -P FORWARD ACCEPT 2>/dev/null || true
    for i in "${!hosts[@]}"; do echo "${hosts[$i]} $3.$((i + 1))"; done
    ;;
  down)
    "$lab" down "$2"
    ;;
  *)
    echo "usage: $0 up PREFIX NET | down PREFIX" >&2
    exit 2
    ;;
esac
