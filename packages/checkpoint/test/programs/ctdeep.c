/*
 * ctdeep name count path: changes into the directory `name` `count` times (the tree exists
 * already), then checkpoints itself into the image file `path`. It prints
 * "ctdeep: checkpoint returned R", where R is 0 at first, 1 when running again from the
 * image and -1 when the checkpoint failed. Its working directory path is then
 * count * (length of name + 1) bytes long, so a test can reach the path limit of an image.
 */
#include "types.h"
#include "user.h"

int
main(int argc, char *argv[])
{
  int count, i;

  if(argc != 4 || (count = atoi(argv[2])) < 0){
    printf(2, "usage: ctdeep name count path\n");
    exit();
  }
  for(i = 0; i < count; i++){
    if(chdir(argv[1]) < 0){
      printf(2, "ctdeep: chdir %s failed at depth %d\n", argv[1], i);
      exit();
    }
  }
  printf(1, "ctdeep: checkpoint returned %d\n", checkpoint(getpid(), argv[3]));
  exit();
}
