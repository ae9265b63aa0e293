#!/usr/bin/env bash
# Runs a Java main class inside a throw-away VM whose kernel has IPVS (this host's may not), then
# prints `ipvsadm -Ln` and powers off. Used by the IPVS gateway test; everything it builds stays
# in WORKDIR.
#
#   scripts/ipvs-qemu.sh WORKDIR CLASSPATH MAIN-CLASS [ARGS...]
#
# Needs (Debian): qemu-system-x86 busybox-static ipvsadm, a JDK with jlink, and access to the
# Debian archive for `apt-get download linux-image-cloud-amd64` (the kernel is only unpacked, not
# installed). The VM: TCG (no KVM), 1 GiB, no network card; lo and dummy0 (10.99.0.1/24) only.
# Output: the VM's console; the main class's exit code as "PROBE-EXIT <n>", then ipvsadm's table.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib/rootfs.sh"
[ $# -ge 3 ] || { echo "usage: $0 WORKDIR CLASSPATH MAIN-CLASS [ARGS...]" >&2; exit 2; }
work=$(readlink -m "$1"); classpath=$2; main=$3; shift 3
mkdir -p "$work"
cd "$work"

for tool in qemu-system-x86_64 ipvsadm jlink jar; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y qemu-system-x86 ipvsadm openjdk-17-jdk-headless)" >&2; exit 3; }
done
busybox=$(static_busybox)
[ -n "$busybox" ] || { echo "missing a static busybox (apt-get install -y busybox-static)" >&2; exit 3; }

# 1. a kernel with IPVS modules, unpacked from Debian's cloud kernel package (cached in WORKDIR)
if [ ! -d kernel/boot ]; then
  rm -rf kernel debs && mkdir -p kernel debs
  image=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
  [ -n "$image" ] || { echo "cannot find the package behind linux-image-cloud-amd64 (apt-get update?)" >&2; exit 3; }
  (cd debs && apt-get download "$image" >/dev/null 2>&1) || { echo "apt-get download $image failed" >&2; exit 3; }
  dpkg-deb -x debs/*.deb kernel
fi
vmlinuz=$(ls kernel/boot/vmlinuz-* | head -1)
modules=$(ls -d kernel/lib/modules/* | head -1)

# 2. a small JRE and the libraries it and ipvsadm load
if [ ! -x jre/bin/java ]; then
  rm -rf jre
  jlink_jre java.base,java.logging,java.management,java.naming,java.xml,java.sql,jdk.unsupported jre
fi

rm -rf root && mkdir -p root/bin root/modules root/app root/proc root/sys root/dev root/tmp root/lib64
cp "$busybox" root/bin/busybox
cp "$(command -v ipvsadm)" root/bin/ipvsadm
cp -a jre root/jre
for m in crc32c-intel libcrc32c nf_defrag_ipv4 nf_defrag_ipv6 nf_conntrack ip_vs ip_vs_rr ip_vs_wlc dummy; do
  f=$(find "$modules" -name "$m.ko*" | head -1)
  [ -n "$f" ] && cp "$f" "root/modules/$m.ko${f##*.ko}"
done
copy_libs "$PWD/root" root/bin/ipvsadm root/jre/bin/java root/jre/lib/*.so root/jre/lib/server/*.so
IFS=: read -r -a entries <<< "$classpath"
for e in "${entries[@]}"; do
  [ -e "$e" ] || continue
  if [ -d "$e" ]; then # a folder of classes (target/classes): packed as a jar
    jar cf "root/app/dir-$(ls root/app | wc -l).jar" -C "$e" .
  else
    cp "$e" root/app/
  fi
done

args=""
for a in "$@"; do args="$args '$a'"; done
cat > root/init <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in crc32c-intel libcrc32c nf_defrag_ipv4 nf_defrag_ipv6 nf_conntrack ip_vs ip_vs_rr ip_vs_wlc dummy; do
  [ -f /modules/\$m.ko ] && insmod /modules/\$m.ko 2>/dev/null
done
ip link set lo up
ip link set dummy0 up
ip addr add 10.99.0.1/24 dev dummy0
echo PROBE-START
/jre/bin/java -Xmx256m -Djava.io.tmpdir=/tmp -cp "/app/*" $main $args
echo "PROBE-EXIT \$?"
echo IPVSADM-START
ipvsadm -Ln
echo IPVSADM-END
poweroff -f
INIT
chmod +x root/init
(cd root && find . | "$busybox" cpio -o -H newc 2>/dev/null) > initrd.cpio

timeout 600 qemu-system-x86_64 -accel tcg -m 1024 -nographic -no-reboot -nic none \
  -kernel "$vmlinuz" -initrd initrd.cpio -append "console=ttyS0 quiet panic=-1" </dev/null
