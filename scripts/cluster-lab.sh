#!/usr/bin/env bash
# A switched network of network namespaces for cluster tests (needs root, iproute2): one subnet
# on a Linux bridge, as hosts on one LAN, so multicast announces reach every host.
#
#   <p>-sw  the switch: bridge `sw0` (multicast snooping off), one port per host below
#   <p>-lb  balancer + proxy  NET.1   (ip_forward on: the nftables gateway DNATs through it)
#   <p>-na  node A            NET.2
#   <p>-nb  node B            NET.3
#   <p>-cl  client            NET.4
#   <p>-h   (in the root namespace) NET.254: the test's control leg to upload apps and read app info
#
#   scripts/cluster-lab.sh up PREFIX NET [HOST...]   e.g. up cluster 10.79.5 (replaces leftovers of PREFIX);
#                                                    HOSTs (default lb na nb cl) get NET.1, NET.2, ... in order
#   scripts/cluster-lab.sh down PREFIX               kills every process left in the namespaces, removes them
# Each host namespace has a route for 224.0.0.0/4 on its port, so announces leave by it. The switch
# sits in a namespace of its own: the root namespace's firewall (e.g. dockerd's FORWARD DROP)
# never sees the bridged traffic. Nothing routes to the host's other networks.
set -euo pipefail
usage() { echo "usage: $0 up PREFIX NET [HOST...] | down PREFIX" >&2; exit 2; }
[ $# -ge 2 ] || usage
cmd=$1
p=$2
hosts=(lb na nb cl)
[ $# -gt 3 ] && hosts=("${@:4}")

down() {
  # every namespace PREFIX-HOST, whichever hosts it was made with (not those of a PREFIX-other lab)
  for ns in $(ip netns list | awk -v p="$p-" 'index($1, p) == 1 && substr($1, length(p) + 1) !~ /-/ {
      print substr($1, length(p) + 1) }'); do
    # processes do not die with their namespace: end what a test left behind (workers too)
    for pid in $(ip netns pids "$p-$ns"); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$p-$ns" 2>/dev/null || true
  done
  ip link del "$p-h" 2>/dev/null || true
}

case "$cmd" in
  up)
    [ $# -ge 3 ] || usage
    net=$3
    down
    ip netns add "$p-sw"
    ip -n "$p-sw" link set lo up
    ip -n "$p-sw" link add name sw0 type bridge mcast_snooping 0
    ip -n "$p-sw" link set sw0 up
    octet=1
    for ns in "${hosts[@]}"; do
      ip netns add "$p-$ns"
      ip -n "$p-$ns" link set lo up
      ip link add eth0 netns "$p-$ns" type veth peer name "$ns" netns "$p-sw"
      ip -n "$p-sw" link set "$ns" master sw0 up
      ip -n "$p-$ns" addr add "$net.$octet/24" dev eth0
      ip -n "$p-$ns" link set eth0 up
      ip -n "$p-$ns" route add 224.0.0.0/4 dev eth0
      octet=$((octet + 1))
    done
    ip link add "$p-h" type veth peer name host netns "$p-sw"
    ip -n "$p-sw" link set host master sw0 up
    ip addr add "$net.254/24" dev "$p-h"
    ip link set "$p-h" up
    if ip netns list | grep -qw "$p-lb"; then
      ip netns exec "$p-lb" sysctl -q -w net.ipv4.ip_forward=1
    fi
    ;;
  down)
    down
    ;;
  *)
    usage
    ;;
esac
