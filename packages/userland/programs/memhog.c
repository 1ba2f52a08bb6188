/*
 * memhog MiB [seed]: grow this process by MiB mebibytes with sbrk, fill every 32-bit
 * word with a value derived from its address and the seed (default 1), then obey
 * commands read line by line from fd 0:
 *
 *   v  verify every word; prints "memhog: <MiB> MiB verified", or
 *      "memhog: mismatch at 0x<address>: expected 0x<value>, found 0x<value>" for the
 *      first word that differs
 *   q  exit (so does the end of input)
 *
 * After filling it prints "memhog: filled <MiB> MiB at 0x<address>, seed <seed>".
 * A word's value is (address ^ seed) * 2654435761 (mod 2^32). The multiplier is odd,
 * so no two words have the same value. A page mapped at the wrong address or swapped
 * with another is therefore detected.
 */
#include "types.h"
#include "user.h"

#define MAX_MIB 2047  // MiB << 20 must stay a positive int for sbrk
#define MULTIPLIER 2654435761u

static uint *start;
static uint words;
static uint seed;
static char line[64];

static uint
pattern(uint address)
{
  return (address ^ seed) * MULTIPLIER;
}

static void
fill(void)
{
  for(uint i = 0; i < words; i++)
    start[i] = pattern((uint)&start[i]);
}

// Check every word. Prints the result line.
static void
verify(int mib)
{
  for(uint i = 0; i < words; i++){
    uint expected = pattern((uint)&start[i]);

    if(start[i] != expected){
      printf(1, "memhog: mismatch at %p: expected 0x%x, found 0x%x\n",
             &start[i], expected, start[i]);
      return;
    }
  }
  printf(1, "memhog: %d MiB verified\n", mib);
}

int
main(int argc, char *argv[])
{
  int mib = argc > 1 ? atoi(argv[1]) : 0;
  char *memory;

  if(argc < 2 || argc > 3 || mib < 1 || mib > MAX_MIB){
    printf(2, "usage: memhog MiB [seed], with 1 <= MiB <= %d\n", MAX_MIB);
    exit();
  }
  seed = argc > 2 ? atoi(argv[2]) : 1;

  memory = sbrk(mib << 20);
  if(memory == (char*)-1){
    printf(2, "memhog: cannot get %d MiB (sbrk failed)\n", mib);
    exit();
  }
  start = (uint*)(((uint)memory + 3) & ~3);
  words = ((mib << 20) - ((uint)start - (uint)memory)) / 4;
  fill();
  printf(1, "memhog: filled %d MiB at %p, seed %u\n", mib, start, seed);

  for(;;){
    gets(line, sizeof(line));
    if(line[0] == 0 || line[0] == 'q')
      exit();
    if(line[0] == 'v')
      verify(mib);
    else if(line[0] != '\n' && line[0] != '\r')
      printf(1, "memhog: unknown command; type v to verify or q to quit\n");
  }
}
