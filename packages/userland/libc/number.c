/*
 * is_number, an xv6ts addition declared in xv6ts.h. It has a file of its own so that
 * the archive member holding it is linked only into programs that call it.
 */
#include "xv6ts.h"

int
is_number(const char *s)
{
  if(*s == 0)
    return 0;
  for(; *s != 0; s++){
    if(*s < '0' || *s > '9')
      return 0;
  }
  return 1;
}
