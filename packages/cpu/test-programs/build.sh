#!/bin/sh
# Builds every test program at each optimisation level, with and without a frame pointer, and
# records the output of a native run as the expected output. Run from any folder; needs
# gcc-multilib (gcc -m32) and an x86 Linux host that runs static i386 programs.
#
#   sh packages/cpu/test-programs/build.sh
set -eu
cd "$(dirname "$0")"

FLAGS="-m32 -march=i686 -ffreestanding -nostdlib -static -fno-pie -no-pie -fno-stack-protector -fno-ident -Wl,--build-id=none"
PROGRAMS="arith64 sorting strings control bench"
LEVELS="O0 O2 O3 Os"

mkdir -p elf expected
for program in $PROGRAMS; do
  for level in $LEVELS; do
    for frame in fp nofp; do
      if [ "$frame" = fp ]; then frame_flag=-fno-omit-frame-pointer; else frame_flag=-fomit-frame-pointer; fi
      out="elf/$program-$level-$frame.elf"
      # shellcheck disable=SC2086
      gcc $FLAGS "-$level" "$frame_flag" -o "$out" "$program.c" lib/rt.c -lgcc
      strip --strip-all "$out"
    done
  done
  # the expected output: a native run of the -O0 build (bench with 2 rounds)
  if [ "$program" = bench ]; then ./elf/bench-O0-fp.elf 2 > "expected/$program.txt"; else "./elf/$program-O0-fp.elf" > "expected/$program.txt"; fi
  # every other build must print the same natively
  for elf in elf/"$program"-*.elf; do
    if [ "$program" = bench ]; then "./$elf" 2 > /tmp/xv6ts-cpu-build.out; else "./$elf" > /tmp/xv6ts-cpu-build.out; fi
    cmp -s /tmp/xv6ts-cpu-build.out "expected/$program.txt" || { echo "build.sh: $elf prints something else natively" >&2; exit 1; }
  done
done
rm -f /tmp/xv6ts-cpu-build.out
echo "built $(ls elf | wc -l) programs"
