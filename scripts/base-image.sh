#!/usr/bin/env bash
# Builds the small base image the example apps' Dockerfiles start FROM, without Docker Hub: a root
# file system of BusyBox (`busybox-static`: /bin/sh and the usual tools) and a jlink'd Java 17 runtime
# with the shared libraries `ldd` names for it, `docker import`ed and pushed to a registry.
#
#   scripts/base-image.sh [IMAGE]   default IMAGE 127.0.0.1:5000/cocaine/jre:17; needs a running daemon
#                                   (scripts/docker.sh start) and, to push, the registry in IMAGE
#                                   (scripts/registry.sh start). PUSH=false only builds it locally.
#
# The runtime's modules: JRE_MODULES (default below). Rebuilding replaces the tag. To build apps on
# your usual base image instead (eclipse-temurin:17-jre, debian:bookworm + openjdk-17-jre-headless, ...),
# change the app's Dockerfile FROM line; the runtime only needs /bin/sh and java on PATH in the image.
# Exit codes: 0 ok, 1 failed, 2 usage, 3 no Docker daemon.
set -euo pipefail
source "$(dirname "$(readlink -f "$0")")/lib/rootfs.sh"

[ $# -le 1 ] || { echo "usage: $0 [IMAGE]" >&2; exit 2; }
image=${1:-127.0.0.1:5000/cocaine/jre:17}
modules=${JRE_MODULES:-java.base,java.logging,java.management,java.naming,java.net.http,jdk.net,jdk.unsupported,jdk.crypto.ec,jdk.zipfs}

if ! docker info >/dev/null 2>&1; then
  echo "no Docker daemon answers (start one with scripts/docker.sh start)" >&2
  exit 3
fi
busybox=$(static_busybox)
[ -n "$busybox" ] || { echo "no static BusyBox: apt-get install -y busybox-static" >&2; exit 1; }

work=$(mktemp -d /tmp/cocaine-base-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
jre=/usr/lib/jvm/jre
mkdir -p "$root"/{bin,sbin,etc,tmp,root,usr/bin,usr/lib/jvm,var/run/cocaine,lib64,app}
chmod 1777 "$root/tmp"

cp "$busybox" "$root/bin/busybox"
for tool in $("$busybox" --list); do
  [ -e "$root/bin/$tool" ] || ln -s busybox "$root/bin/$tool"
done

echo "jlink: $modules" >&2
jlink_jre "$modules" "$root$jre" --compress=2 --generate-cds-archive
ln -s "$jre/bin/java" "$root/usr/bin/java"
# every shared library the runtime's binaries and libraries need
mapfile -d '' binaries < <(find "$root$jre" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0)
copy_libs "$root" "${binaries[@]}"

cat > "$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat > "$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
echo 'hosts: files dns' > "$root/etc/nsswitch.conf"

size=$(du -sh "$root" | cut -f1)
tar -C "$root" -c . | docker import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$jre/bin" \
  --change "ENV JAVA_HOME=$jre" \
  --change "WORKDIR /app" \
  --change 'CMD ["/bin/sh"]' \
  - "$image" >/dev/null
echo "built $image ($size); checking: java -version in a container" >&2
docker run --rm --network none "$image" java -version >&2
if [ "${PUSH:-true}" = true ]; then
  docker push "$image" >&2
  echo "pushed $image" >&2
fi
echo "$image"
