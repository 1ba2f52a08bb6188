/*
 * true: exit at once. forkbench execs it to time fork, exec and wait.
 */
#include "types.h"
#include "user.h"

int
main(void)
{
  exit();
}
