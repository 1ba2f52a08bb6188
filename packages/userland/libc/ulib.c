/*
 * The rest of the xv6 user library: gets, atoi and stat.
 */
#include "types.h"
#include "stat.h"
#include "fcntl.h"
#include "user.h"

// Read a line from fd 0 into buf, one byte per read() as xv6 does, so that nothing
// past the line is consumed. Stops after a '\n' or '\r' (which is kept), at end of
// input, or when max - 1 bytes are stored, and ends buf with a NUL. So buf[0] == 0
// means end of input. Returns buf.
char*
gets(char *buf, int max)
{
  int len = 0;
  char c;

  while(len + 1 < max){
    if(read(0, &c, 1) != 1)
      break;
    buf[len++] = c;
    if(c == '\n' || c == '\r')
      break;
  }
  if(max > 0)
    buf[len] = 0;
  return buf;
}

// Convert leading decimal digits to an int, after an optional '-' or '+'.
// Stops at the first other character; "" and "x1" give 0.
int
atoi(const char *s)
{
  int negative = 0;
  uint value = 0;

  if(*s == '-' || *s == '+')
    negative = *s++ == '-';
  for(; *s >= '0' && *s <= '9'; s++)
    value = value * 10 + (*s - '0');
  return negative ? -(int)value : (int)value;
}

// Fill st for the file at path. Returns 0, or -1 when the file cannot be opened.
int
stat(const char *path, struct stat *st)
{
  int fd = open(path, O_RDONLY);
  int r;

  if(fd < 0)
    return -1;
  r = fstat(fd, st);
  close(fd);
  return r;
}
