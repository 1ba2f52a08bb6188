/*
 * echo [word ...]: print the words separated by spaces and ended by a newline, with
 * one write, so that the line cannot mix with another process's output.
 */
#include "types.h"
#include "user.h"

// exec limits the arguments to one 4 KiB stack page, so they always fit.
static char line[4096 + 2];

int
main(int argc, char *argv[])
{
  int len = 0;

  for(int i = 1; i < argc; i++){
    int n = strlen(argv[i]);

    if(len + n + 2 > (int)sizeof(line))
      break;
    memmove(line + len, argv[i], n);
    len += n;
    if(i + 1 < argc)
      line[len++] = ' ';
  }
  line[len++] = '\n';
  write(1, line, len);
  exit();
}
