# Shared by scripts/base-image.sh and scripts/ipvs-qemu.sh (sourced, not run): the pieces of a tiny
# root file system with Java in it, a static BusyBox and a jlink'd JRE with the libraries it loads.

# Prints the path of a static BusyBox (busybox-static), or nothing: a static one needs no libraries
# in the root file system, and ldd refuses it ("not a dynamic executable").
static_busybox() {
  local b
  for b in /bin/busybox /usr/bin/busybox; do
    if [ -x "$b" ] && "$b" --list 2>/dev/null | grep -qx sh && ! ldd "$b" >/dev/null 2>&1; then
      echo "$b"
      return 0
    fi
  done
}

# jlink_jre MODULES DEST [JLINK_FLAGS...]: a Java runtime of those modules in DEST.
jlink_jre() {
  local modules=$1 dest=$2
  shift 2
  command -v jlink >/dev/null || { echo "jlink not found: install a JDK 17 (openjdk-17-jdk-headless)" >&2; return 1; }
  jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files "$@" --output "$dest" >/dev/null
}

# copy_libs ROOT FILE...: copies every shared library the files need (ldd), the dynamic loader
# included, into ROOT at the path the loader finds it on the host; libraries already under ROOT
# (a JRE's own) stay where they are.
copy_libs() {
  local root=$1 lib
  shift
  {
    for f in "$@"; do ldd "$f" 2>/dev/null || true; done \
      | awk '/=> \// { print $3 } /^[[:space:]]*\/[^ ]*ld-linux/ { print $1 }'
    echo /lib64/ld-linux-x86-64.so.2
  } | sort -u | while read -r lib; do
    case "$lib" in "$root"/*) continue ;; esac
    [ -e "$lib" ] || continue
    [ -e "$root$lib" ] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  # the loader is found through /lib64 -> the multiarch folder on Debian: keep both names working
  local loader
  loader=$(readlink -f /lib64/ld-linux-x86-64.so.2)
  mkdir -p "$root$(dirname "$loader")"
  [ -e "$root$loader" ] || cp "$loader" "$root$loader"
}
