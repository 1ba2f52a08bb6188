/*
 * ctread path: reading a file half way with open descriptors. Opens path, dups the
 * descriptor (the two share one offset) and reads 256-byte chunks alternately through
 * each until the end, printing "ctread: chunk C fd F sum S" per chunk and sleeping 2 ticks
 * between chunks. Ends with "ctread: N bytes".
 */
#include "types.h"
#include "user.h"

static uchar chunk[256];

int
main(int argc, char *argv[])
{
  int fds[2], n, total = 0;

  if(argc != 2 || (fds[0] = open(argv[1], 0)) < 0){
    printf(2, "usage: ctread path (of a readable file)\n");
    exit();
  }
  fds[1] = dup(fds[0]);
  for(int c = 0; (n = read(fds[c & 1], chunk, sizeof(chunk))) > 0; c++){
    uint sum = 0;

    for(int i = 0; i < n; i++)
      sum = sum * 33 + chunk[i];
    total += n;
    printf(1, "ctread: chunk %d fd %d sum 0x%x\n", c, c & 1, sum);
    sleep(2);
  }
  printf(1, "ctread: %d bytes\n", total);
  exit();
}
