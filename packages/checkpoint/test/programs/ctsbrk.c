/*
 * ctsbrk: memory that grows and shrinks. It grows by 64 KiB steps to 512 KiB and fills
 * each step with a pattern of its address. Then it shrinks by 320 KiB and grows again by
 * 128 KiB, and it checks the whole pattern after each phase. It sleeps 3 ticks between
 * steps, so a checkpoint can land in any phase. Prints "ctsbrk: <phase> size 0x... sum 0x..." per phase, or
 * "ctsbrk: mismatch at 0x..." if a word is wrong.
 */
#include "types.h"
#include "user.h"

#define STEP (64 * 1024)

static uint *base;

static uint
pattern(uint *word)
{
  return ((uint)word * 2654435761u) ^ 0x5a5a5a5a;
}

static void
fill(char *from, int bytes)
{
  for(uint *w = (uint*)from; (char*)w < from + bytes; w++)
    *w = pattern(w);
}

static void
check(const char *phase)
{
  uint *end = (uint*)sbrk(0);
  uint sum = 0;

  for(uint *w = base; w < end; w++){
    if(*w != pattern(w)){
      printf(1, "ctsbrk: mismatch at %p in %s\n", w, phase);
      exit();
    }
    sum += *w;
  }
  printf(1, "ctsbrk: %s size 0x%x sum 0x%x\n", phase, (uint)end, sum);
}

int
main(void)
{
  base = (uint*)sbrk(0);
  for(int i = 0; i < 8; i++){
    fill(sbrk(STEP), STEP);
    sleep(3);
  }
  check("grown");
  sbrk(-5 * STEP);
  sleep(3);
  check("shrunk");
  for(int i = 0; i < 2; i++){
    fill(sbrk(STEP), STEP);
    sleep(3);
  }
  check("regrown");
  exit();
}
