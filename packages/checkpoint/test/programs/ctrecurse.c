/*
 * ctrecurse depth: deep recursion on a large stack. The program's own stack is one page,
 * so it moves esp to the top of 256 KiB taken with sbrk and recurses there to the given
 * depth (default 4000). Every 500 levels on the way down and up it prints
 * "ctrecurse: down|up <level> value 0x..." and sleeps one tick, so a checkpoint can find
 * thousands of frames on the stack.
 */
#include "types.h"
#include "user.h"

#define STACK_BYTES (256 * 1024)

static int depth;

static uint
descend(int level, uint value)
{
  uint local[4];
  uint result;

  local[0] = value * 31 + level;
  local[1] = local[0] ^ (local[0] >> 3);
  local[2] = local[1] + level * 7;
  local[3] = local[2] << 1 | local[2] >> 31;
  if(level % 500 == 0){
    printf(1, "ctrecurse: down %d value 0x%x\n", level, local[3]);
    sleep(1);
  }
  if(level == depth)
    return local[3];
  result = descend(level + 1, local[3]) ^ local[1];
  if(level % 500 == 0){
    printf(1, "ctrecurse: up %d value 0x%x\n", level, result);
    sleep(1);
  }
  return result + local[0];
}

static uint answer;

static void
run(void)
{
  answer = descend(0, 1);
}

int
main(int argc, char *argv[])
{
  char *stack;

  depth = argc > 1 ? atoi(argv[1]) : 4000;
  stack = sbrk(STACK_BYTES);
  if(depth < 1 || stack == (char*)-1){
    printf(2, "usage: ctrecurse [depth >= 1]\n");
    exit();
  }
  // Call run() with esp at the top of the new stack, and come back to the old one.
  asm volatile("movl %%esp, %%ebx\n\t"
               "movl %0, %%esp\n\t"
               "call *%1\n\t"
               "movl %%ebx, %%esp"
               : : "r"(stack + STACK_BYTES), "r"(run) : "ebx", "eax", "ecx", "edx", "memory");
  printf(1, "ctrecurse: result 0x%x\n", answer);
  exit();
}
