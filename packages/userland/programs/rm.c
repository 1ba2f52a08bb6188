/*
 * rm file ...: remove each name. Empty directories can be removed too, as in xv6,
 * because unlink removes them.
 */
#include "types.h"
#include "user.h"

int
main(int argc, char *argv[])
{
  if(argc < 2){
    printf(2, "usage: rm file...\n");
    exit();
  }
  for(int i = 1; i < argc; i++){
    if(unlink(argv[i]) < 0)
      printf(2, "rm: cannot remove %s\n", argv[i]);
  }
  exit();
}
