/*
 * String and memory functions of the xv6 user library.
 *
 * The build passes -fno-tree-loop-distribute-patterns, because gcc would otherwise
 * turn the byte loops below into calls to memset and memcpy, that is, into calls to
 * themselves. memset stores a word at a time, and memcpy and memmove copy a word at
 * a time when both pointers have the same alignment modulo 4, because every
 * instruction costs time on an interpreted CPU.
 */
#include "types.h"
#include "user.h"

// Copy src, including its NUL, to dst. Returns dst.
char*
strcpy(char *dst, const char *src)
{
  char *out = dst;

  while((*out++ = *src++) != 0)
    ;
  return dst;
}

// Compare two strings as unsigned bytes; negative, zero or positive as p sorts before,
// equal to or after q.
int
strcmp(const char *p, const char *q)
{
  while(*p != 0 && *p == *q){
    p++;
    q++;
  }
  return (uchar)*p - (uchar)*q;
}

// Compare at most n bytes of two strings, as strcmp does.
int
strncmp(const char *p, const char *q, uint n)
{
  for(; n > 0; n--, p++, q++){
    if(*p != *q || *p == 0)
      return (uchar)*p - (uchar)*q;
  }
  return 0;
}

// Returns the length of s, without its NUL.
uint
strlen(const char *s)
{
  uint n = 0;

  while(s[n] != 0)
    n++;
  return n;
}

// Returns a pointer to the first c in s, or 0 if there is none. As in xv6, the NUL
// that ends s is not found.
char*
strchr(const char *s, char c)
{
  for(; *s != 0; s++){
    if(*s == c)
      return (char*)s;
  }
  return 0;
}

// Fill n bytes at dst with the byte c. Returns dst.
void*
memset(void *dst, int c, uint n)
{
  uchar *d = dst;
  uint word = (uchar)c * 0x01010101u;

  while(n > 0 && ((uint)d & 3) != 0){
    *d++ = c;
    n--;
  }
  for(; n >= 4; n -= 4, d += 4)
    *(uint*)d = word;
  while(n-- > 0)
    *d++ = c;
  return dst;
}

// Compare n bytes as unsigned values; negative, zero or positive like strcmp.
int
memcmp(const void *a, const void *b, uint n)
{
  const uchar *p = a;
  const uchar *q = b;

  for(; n > 0; n--, p++, q++){
    if(*p != *q)
      return *p - *q;
  }
  return 0;
}

// Copy n bytes upwards from src to dst; correct when dst is below src or the ranges
// do not overlap.
static void
copy_forward(uchar *d, const uchar *s, uint n)
{
  if((((uint)d ^ (uint)s) & 3) == 0){
    while(n > 0 && ((uint)d & 3) != 0){
      *d++ = *s++;
      n--;
    }
    for(; n >= 4; n -= 4, d += 4, s += 4)
      *(uint*)d = *(const uint*)s;
  }
  while(n-- > 0)
    *d++ = *s++;
}

// Copy n bytes downwards, starting at the end; correct when dst is above src.
static void
copy_backward(uchar *d, const uchar *s, uint n)
{
  d += n;
  s += n;
  if((((uint)d ^ (uint)s) & 3) == 0){
    while(n > 0 && ((uint)d & 3) != 0){
      *--d = *--s;
      n--;
    }
    for(; n >= 4; n -= 4){
      d -= 4;
      s -= 4;
      *(uint*)d = *(const uint*)s;
    }
  }
  while(n-- > 0)
    *--d = *--s;
}

// Copy n bytes from src to dst; the ranges may overlap. A negative n copies nothing.
// Returns dst.
void*
memmove(void *dst, const void *src, int n)
{
  if(n <= 0 || dst == src)
    return dst;

  if((uint)dst < (uint)src || (uint)dst >= (uint)src + n)
    copy_forward(dst, src, n);
  else
    copy_backward(dst, src, n);
  return dst;
}

// Copy n bytes between ranges that do not overlap. Returns dst.
void*
memcpy(void *dst, const void *src, uint n)
{
  copy_forward(dst, src, n);
  return dst;
}
