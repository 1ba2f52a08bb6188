/*
 * wc [file ...]: print "lines words bytes name" for each file, or for fd 0 (with an
 * empty name) when none is named. A word is a run of bytes other than space, tab,
 * carriage return, newline and vertical tab.
 */
#include "types.h"
#include "fcntl.h"
#include "user.h"

static char buf[512];

static int
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v';
}

// Count fd to its end and print the counts. Returns -1 on a read error.
static int
count(int fd, const char *name)
{
  int lines = 0, words = 0, bytes = 0;
  int in_word = 0;
  int n;

  while((n = read(fd, buf, sizeof(buf))) > 0){
    bytes += n;
    for(int i = 0; i < n; i++){
      if(buf[i] == '\n')
        lines++;
      if(is_space(buf[i])){
        in_word = 0;
      } else if(!in_word){
        in_word = 1;
        words++;
      }
    }
  }
  if(n < 0){
    printf(2, "wc: read error on %s\n", name);
    return -1;
  }
  printf(1, "%d %d %d %s\n", lines, words, bytes, name);
  return 0;
}

int
main(int argc, char *argv[])
{
  int fd;

  if(argc < 2){
    count(0, "");
    exit();
  }
  for(int i = 1; i < argc; i++){
    fd = open(argv[i], O_RDONLY);
    if(fd < 0){
      printf(2, "wc: cannot open %s\n", argv[i]);
      exit();
    }
    if(count(fd, argv[i]) < 0)
      exit();
    close(fd);
  }
  exit();
}
