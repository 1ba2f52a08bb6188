#!/bin/sh
# Builds the test programs of the checkpoint package into bin/, against the headers and C
# library of @xv6ts/userland, with the flags its README gives for users' own programs.
# The built files are committed, so the tests need no C compiler; rerun this after changing
# a source and commit both. With source names as arguments (ctdeep.c), only those are built.
set -eu
cd "$(dirname "$0")"
U=../../node_modules/@xv6ts/userland
CFLAGS="-m32 -march=i686 -O2 -fno-pie -fno-pic -nostdinc -ffreestanding -fno-builtin
  -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-ident
  -fcf-protection=none -Wall -Werror -I $U/include"
LIBGCC=$(gcc -m32 -print-libgcc-file-name)
mkdir -p bin
if [ "$#" -eq 0 ]; then set -- *.c; fi
for source in "$@"; do
  name=${source%.c}
  gcc $CFLAGS -c -o "/tmp/xv6ts-ckpt-$name.o" "$source"
  ld -m elf_i386 -N -e main -Ttext 0 --build-id=none --gc-sections -s -z noexecstack \
    --no-warn-rwx-segments -o "bin/$name" "/tmp/xv6ts-ckpt-$name.o" "$U/lib/libxv6.a" "$LIBGCC"
  rm -f "/tmp/xv6ts-ckpt-$name.o"
done
