/*
 * ctfill KiB: a process of a chosen size for the benchmark. Grows by KiB kibibytes with
 * sbrk, writes a pattern into every word (so no page is left all zeros), prints
 * "ctfill: N KiB", then reads console lines until one starts with q, and exits.
 */
#include "types.h"
#include "user.h"

static char line[16];

int
main(int argc, char *argv[])
{
  int kib = argc > 1 ? atoi(argv[1]) : 0;
  uint *words;

  if(argc != 2 || kib < 1){
    printf(2, "usage: ctfill KiB\n");
    exit();
  }
  words = (uint*)sbrk(kib * 1024);
  if(words == (uint*)-1){
    printf(2, "ctfill: cannot grow by %d KiB\n", kib);
    exit();
  }
  for(int i = 0; i < kib * 256; i++)
    words[i] = (uint)&words[i] * 2654435761u + 1;
  printf(1, "ctfill: %d KiB\n", kib);
  do {
    gets(line, sizeof(line));
  } while(line[0] != 0 && line[0] != 'q');
  exit();
}
