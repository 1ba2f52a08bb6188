#!/usr/bin/env bash
# Rebuilds the userland programs, the C library and the native test programs from
# their sources in a temporary folder, and compares the results byte for byte with
# the built files in bin/, lib/ and native/bin/. Prints one line per file that is
# missing, extra or different, and exits 1 if there is any.
#
# Installs gcc-multilib (and make) with apt-get when gcc -m32 is missing and this
# runs as root on a system with apt-get, as CI does. When the installed gcc or
# binutils differs from the versions recorded in bin/TOOLCHAIN, the output cannot be
# expected to match, so it prints a note and exits 0 without comparing.
set -euo pipefail

package_dir="$(cd "$(dirname "$0")/.." && pwd)"
cd "$package_dir"

can_compile_m32() {
  command -v gcc >/dev/null && command -v make >/dev/null &&
    echo 'int main(void) { return 0; }' | gcc -m32 -x c -c -o /dev/null - 2>/dev/null
}

install_toolchain() {
  echo "check-reproducible: gcc -m32 or make is missing; installing gcc-multilib and make"
  apt-get install -y gcc-multilib make || { apt-get update && apt-get install -y gcc-multilib make; }
}

if ! can_compile_m32; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    install_toolchain
  fi
  if ! can_compile_m32; then
    echo "check-reproducible: cannot build: gcc with -m32 support (Debian: gcc-multilib) and make are needed"
    exit 1
  fi
fi

recorded_gcc="$(sed -n 's/^gcc: //p' bin/TOOLCHAIN)"
recorded_binutils="$(sed -n 's/^binutils: //p' bin/TOOLCHAIN)"
current_gcc="$(gcc --version | head -n 1)"
current_binutils="$(ld --version | head -n 1)"
if [ "$recorded_gcc" != "$current_gcc" ] || [ "$recorded_binutils" != "$current_binutils" ]; then
  echo "check-reproducible: note: bin/ was built with \"$recorded_gcc\" and \"$recorded_binutils\"," \
    "but this machine has \"$current_gcc\" and \"$current_binutils\"; skipping the comparison"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -R Makefile include libc programs native "$work/"
rm -rf "$work/native/bin"
if ! make -C "$work" -j2 all >"$work/build.log" 2>&1; then
  cat "$work/build.log"
  echo "check-reproducible: the rebuild in $work failed"
  exit 1
fi

# Every built file, committed or rebuilt, as a path relative to the package.
built_files() {
  (cd "$1" && find bin lib native/bin -type f 2>/dev/null) | sort -u
}

checked=0
differing=0
while read -r file; do
  checked=$((checked + 1))
  if [ ! -e "$work/$file" ]; then
    echo "check-reproducible: $file is in the package, but the build does not make it"
  elif [ ! -e "$file" ]; then
    echo "check-reproducible: the build makes $file, which is missing from the package"
  elif ! cmp -s "$file" "$work/$file"; then
    echo "check-reproducible: $file differs from its rebuild" \
      "($(wc -c <"$file") bytes in the package, $(wc -c <"$work/$file") rebuilt)"
  else
    continue
  fi
  differing=$((differing + 1))
done < <({ built_files .; built_files "$work"; } | sort -u)

if [ "$differing" -gt 0 ]; then
  echo "check-reproducible: $differing of $checked built files do not match;" \
    "run make in packages/userland and commit bin/, lib/ and native/bin/"
  exit 1
fi
echo "check-reproducible: all $checked built files match their rebuild with $current_gcc"
