/*
 * syscallbench [n]: make n getpid calls (default 100000) and print
 * "syscallbench: <n> getpid calls in <t> ticks".
 */
#include "types.h"
#include "user.h"

int
main(int argc, char *argv[])
{
  int n = argc > 1 ? atoi(argv[1]) : 100000;
  int start;

  if(n < 1){
    printf(2, "usage: syscallbench [calls]\n");
    exit();
  }
  start = uptime();
  for(int i = 0; i < n; i++)
    getpid();
  printf(1, "syscallbench: %d getpid calls in %d ticks\n", n, uptime() - start);
  exit();
}
