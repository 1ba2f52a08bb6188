/*
 * checkpoint pid path: save process pid into a new image file at path.
 *
 * Prints nothing on success. When pid is this process itself, the image resumes at
 * the same call, which then returns 1, and the restarted program prints
 * "checkpoint: restarted". On failure it prints "checkpoint: failed".
 */
#include "types.h"
#include "user.h"
#include "xv6ts.h"

int
main(int argc, char *argv[])
{
  int r;

  if(argc != 3 || !is_number(argv[1])){
    printf(2, "usage: checkpoint pid path\n");
    exit();
  }

  r = checkpoint(atoi(argv[1]), argv[2]);
  if(r < 0)
    printf(2, "checkpoint: failed\n");
  else if(r == 1)
    printf(1, "checkpoint: restarted\n");
  exit();
}
