/*
 * restart path: replace this process with the one saved in the image at path. The
 * call returns only on failure, and then the program prints "restart: <path> failed".
 */
#include "types.h"
#include "user.h"

int
main(int argc, char *argv[])
{
  if(argc != 2){
    printf(2, "usage: restart path\n");
    exit();
  }
  restart(argv[1]);
  printf(2, "restart: %s failed\n", argv[1]);
  exit();
}
