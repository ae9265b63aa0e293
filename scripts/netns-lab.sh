#!/usr/bin/env bash
# A small routed network of network namespaces for gateway tests (needs root, iproute2):
#
#   <p>-cl  client  10.77.1.2 --- 10.77.1.1  <p>-lb  balancer (forwards; the virtual address is 10.77.1.1)
#   <p>-na  node A  10.77.2.2 --- 10.77.2.1  <p>-lb
#   <p>-nb  node B  10.77.3.2 --- 10.77.3.1  <p>-lb
#
#   scripts/netns-lab.sh up PREFIX      create (replacing leftovers of the same PREFIX)
#   scripts/netns-lab.sh down PREFIX    remove (veths go with their namespaces)
# Traffic stays inside these namespaces: none of them has a route to the host's networks.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 up|down PREFIX" >&2; exit 2; }
cmd=$1
p=$2

down() {
  for ns in cl lb na nb; do
    ip netns del "$p-$ns" 2>/dev/null || true
  done
}

case "$cmd" in
  up)
    down
    for ns in cl lb na nb; do
      ip netns add "$p-$ns"
      ip -n "$p-$ns" link set lo up
    done
    link() { # link <peer-ns> <subnet-octet>
      ip link add "$p-${1}0" netns "$p-lb" type veth peer name "$p-${1}1" netns "$p-$1"
      ip -n "$p-lb" addr add "10.77.$2.1/24" dev "$p-${1}0"
      ip -n "$p-$1" addr add "10.77.$2.2/24" dev "$p-${1}1"
      ip -n "$p-lb" link set "$p-${1}0" up
      ip -n "$p-$1" link set "$p-${1}1" up
      ip -n "$p-$1" route add default via "10.77.$2.1"
    }
    link cl 1
    link na 2
    link nb 3
    ip netns exec "$p-lb" sysctl -q -w net.ipv4.ip_forward=1
    ;;
  down)
    down
    ;;
  *)
    echo "usage: $0 up|down PREFIX" >&2
    exit 2
    ;;
esac
