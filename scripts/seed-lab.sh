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
# (its locator: the app's log lines, app-to-app calls) at the node's lab address through the root
# namespace's leg on the switch (<p>-h). The lab's hosts have no route to the containers' subnet, so
# the lab's own nftables table (ip <p>_lab: masquerade out of <p>-h for sources outside NET.0/24)
# makes such traffic come from NET.254, on their own subnet. dockerd's MASQUERADE rule did this only
# when it runs with iptables on (scripts/docker.sh runs it with --iptables=false): without it a
# worker's connection to its node's locator never got an answer. On real machines the node and the
# daemon share one network stack and need nothing of the kind. Images come from the registry the
# daemon pulls from (scripts/registry.sh, 127.0.0.1:5000 in the root namespace).
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
    # containers (root namespace, other subnets) -> lab hosts: answered through NET.254 (see above)
    sysctl -q -w net.ipv4.ip_forward=1
    nft delete table ip "${2}_lab" 2>/dev/null || true
    nft -f - <<NFT
table ip ${2}_lab {
  chain out {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "$2-h" ip saddr != $3.0/24 masquerade
  }
}
NFT
    for i in "${!hosts[@]}"; do echo "${hosts[$i]} $3.$((i + 1))"; done
    ;;
  down)
    "$lab" down "$2"
    nft delete table ip "${2}_lab" 2>/dev/null || true
    ;;
  *)
    echo "usage: $0 up PREFIX NET | down PREFIX" >&2
    exit 2
    ;;
esac
