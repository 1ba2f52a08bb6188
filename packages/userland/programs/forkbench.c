/*
 * forkbench [n]: n times (default 100) fork a child that execs "true", and wait for
 * it. Prints "forkbench: <n> fork+exec+wait in <t> ticks".
 */
#include "types.h"
#include "user.h"

static char *true_argv[] = { "true", 0 };

int
main(int argc, char *argv[])
{
  int n = argc > 1 ? atoi(argv[1]) : 100;
  int start, pid;

  if(n < 1){
    printf(2, "usage: forkbench [count]\n");
    exit();
  }
  start = uptime();
  for(int i = 0; i < n; i++){
    pid = fork();
    if(pid < 0){
      printf(1, "forkbench: fork %d failed\n", i);
      exit();
    }
    if(pid == 0){
      exec("true", true_argv);
      exec("/true", true_argv);
      printf(1, "forkbench: exec true failed\n");
      exit();
    }
    wait();
  }
  printf(1, "forkbench: %d fork+exec+wait in %d ticks\n", n, uptime() - start);
  exit();
}
