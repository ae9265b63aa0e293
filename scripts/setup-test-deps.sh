#!/usr/bin/env bash
# Installs what the tests use besides the JDK (Debian packages), on top of setup-debian.sh:
#   zookeeper                     ZooKeeper storage tests (a real server started by scripts/zookeeper.sh)
#   nftables iproute2 python3     nftables gateway in network namespaces (scripts/netns-lab.sh)
#   curl                          HTTP client of the cluster ITs (scripts/cluster-lab.sh namespaces)
#   gcc libc6-dev                 the IPVS gateway's netlink shim (built by ipvs-native; the C headers are only a Recommends of gcc)
#   qemu-system-x86 busybox-static ipvsadm   IPVS in a booted Debian cloud kernel (scripts/ipvs-qemu.sh)
#   util-linux (setpriv)          process workers run as another user (isolate.args.user; python3 connects)
#   docker.io docker-registry     docker isolate against a real daemon and registry (scripts/docker.sh, registry.sh)
#   chromium chromium-driver      the tracing dashboard in a real headless browser (DashboardBrowserIT, Selenium)
#   git openssh-client curl       git-push deploys to the builder role with the real clients (GitPushDeployIT)
#   openssl                       test certificates for HTTPS (scripts/test-ca.sh; TlsIT, cocaine.tls tests)
# Safe to run again; `apt-get update` also lets the IPVS test `apt-get download` the kernel.
set -euo pipefail
packages=(zookeeper nftables iproute2 python3 util-linux curl gcc libc6-dev qemu-system-x86 busybox-static ipvsadm docker.io docker-registry chromium chromium-driver git openssh-client openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
$sudo_cmd apt-get update -q >/dev/null
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
