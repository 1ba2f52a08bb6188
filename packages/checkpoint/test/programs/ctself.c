/*
 * ctself path: a process that checkpoints itself half way through a computation. Prints
 * "ctself: checkpoint returned R" (0 at first; 1 when running again from the image),
 * then finishes the computation, printing two more lines. Its heap, data and stack
 * values show in the lines, so a restart that lost any of them would print others.
 */
#include "types.h"
#include "user.h"

static uint global = 7;

static uint
mix(uint x, int rounds)
{
  for(int i = 0; i < rounds; i++)
    x = x * 1103515245u + 12345u;
  return x;
}

int
main(int argc, char *argv[])
{
  uint *heap = malloc(sizeof(uint));
  uint local;
  int r;

  if(argc != 2){
    printf(2, "usage: ctself path\n");
    exit();
  }
  *heap = mix(3, 1000);
  local = mix(*heap, 1000);
  global = mix(local, 1000);
  printf(1, "ctself: before heap 0x%x local 0x%x global 0x%x\n", *heap, local, global);
  r = checkpoint(getpid(), argv[1]);
  printf(1, "ctself: checkpoint returned %d\n", r);
  global = mix(global ^ *heap ^ local, 5000);
  printf(1, "ctself: after global 0x%x\n", global);
  exit();
}
