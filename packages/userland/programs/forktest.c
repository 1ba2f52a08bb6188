/*
 * forktest: fork until fork fails, with every child exiting at once, then wait for
 * all of them. The zombies keep their process slots until they are waited for, so
 * fork must fail at the process limit. Prints "fork test OK" when fork failed before
 * MAX_FORKS, wait returned once per child, and one more wait returned -1.
 */
#include "types.h"
#include "user.h"

#define MAX_FORKS 1000

int
main(void)
{
  int n, pid;

  printf(1, "fork test\n");

  for(n = 0; n < MAX_FORKS; n++){
    pid = fork();
    if(pid < 0)
      break;
    if(pid == 0)
      exit();
  }
  if(n == MAX_FORKS){
    printf(1, "forktest: fork succeeded %d times; the process limit is not enforced\n", n);
    exit();
  }

  for(int i = 0; i < n; i++){
    if(wait() < 0){
      printf(1, "forktest: wait returned -1 after %d of %d children\n", i, n);
      exit();
    }
  }
  if(wait() != -1){
    printf(1, "forktest: wait returned a child after all %d were reaped\n", n);
    exit();
  }

  printf(1, "fork test OK\n");
  exit();
}
