/*
 * ctcompute rounds: pure computation whose whole state lives in registers. An inline
 * assembly loop keeps six words in eax, ebx, ecx, edx, esi and edi, and passes the carry
 * flag from one instruction to the next (adc, sbb). So a checkpoint that lost or changed
 * a general register or CF would change the result. After every tenth of the rounds
 * (default 2000000) it prints "ctcompute: 10% a... b... c... d... e... f...". The output
 * depends only on the argument.
 */
#include "types.h"
#include "user.h"

static uint words[6] = { 0x12345678, 0x9abcdef0, 0x0f1e2d3c, 0x4b5a6978, 0x87a5c3e1, 0x1f2e3d4c };

// Run n rounds of the mixing loop on words[].
static void
mix(int n)
{
  uint a = words[0], b = words[1], c = words[2], d = words[3], s = words[4], t = words[5];

  asm volatile("1:\n\t"
               "addl %%ebx, %%eax\n\t"
               "adcl %%ecx, %%edx\n\t"
               "roll $5, %%esi\n\t"
               "xorl %%eax, %%esi\n\t"
               "leal 0x9e3779b9(%%edi,%%esi), %%edi\n\t"
               "rorl $3, %%ebx\n\t"
               "xorl %%edx, %%ebx\n\t"
               "subl %%edi, %%ecx\n\t"
               "sbbl %%esi, %%eax\n\t"
               "decl %6\n\t"
               "jnz 1b"
               : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(s), "+D"(t), "+m"(n)
               :
               : "cc");
  words[0] = a; words[1] = b; words[2] = c; words[3] = d; words[4] = s; words[5] = t;
}

int
main(int argc, char *argv[])
{
  int rounds = argc > 1 ? atoi(argv[1]) : 2000000;

  if(rounds < 10){
    printf(2, "usage: ctcompute [rounds >= 10]\n");
    exit();
  }
  for(int tenth = 1; tenth <= 10; tenth++){
    mix(rounds / 10);
    printf(1, "ctcompute: %d%% a %x b %x c %x d %x e %x f %x\n", tenth * 10,
           words[0], words[1], words[2], words[3], words[4], words[5]);
  }
  exit();
}
