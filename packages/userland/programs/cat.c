/*
 * cat [file ...]: copy each file, or fd 0 when none is named, to fd 1.
 */
#include "types.h"
#include "fcntl.h"
#include "user.h"

static char buf[512];

// Copy fd to fd 1. Returns 0, or -1 after printing a message on a read or write error.
static int
copy(int fd, const char *name)
{
  int n;

  while((n = read(fd, buf, sizeof(buf))) > 0){
    if(write(1, buf, n) != n){
      printf(2, "cat: write error\n");
      return -1;
    }
  }
  if(n < 0){
    printf(2, "cat: read error on %s\n", name);
    return -1;
  }
  return 0;
}

int
main(int argc, char *argv[])
{
  int fd;

  if(argc < 2){
    copy(0, "standard input");
    exit();
  }

  for(int i = 1; i < argc; i++){
    fd = open(argv[i], O_RDONLY);
    if(fd < 0){
      printf(2, "cat: cannot open %s\n", argv[i]);
      exit();
    }
    if(copy(fd, argv[i]) < 0)
      exit();
    close(fd);
  }
  exit();
}
