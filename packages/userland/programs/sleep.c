/*
 * sleep ticks: sleep for that many clock ticks (xv6ts ticks at 100 Hz).
 */
#include "types.h"
#include "user.h"
#include "xv6ts.h"

int
main(int argc, char *argv[])
{
  if(argc != 2 || !is_number(argv[1])){
    printf(2, "usage: sleep ticks\n");
    exit();
  }
  if(sleep(atoi(argv[1])) < 0)
    printf(2, "sleep: interrupted\n");
  exit();
}
