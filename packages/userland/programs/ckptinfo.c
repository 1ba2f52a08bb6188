/*
 * ckptinfo path: print the text summary of a checkpoint image that system call 24
 * returns, so that the image format is decoded in one place, the kernel's checkpoint
 * extension. Prints "ckptinfo: <path>: not a readable checkpoint image" on failure.
 */
#include "types.h"
#include "user.h"

static char summary[8192];

int
main(int argc, char *argv[])
{
  int n;

  if(argc != 2){
    printf(2, "usage: ckptinfo path\n");
    exit();
  }

  n = ckptinfo(argv[1], summary, sizeof(summary));
  if(n < 0){
    printf(2, "ckptinfo: %s: not a readable checkpoint image\n", argv[1]);
    exit();
  }
  if(n > (int)sizeof(summary))
    n = sizeof(summary);
  write(1, summary, n);
  if(n > 0 && summary[n - 1] != '\n')
    write(1, "\n", 1);
  exit();
}
