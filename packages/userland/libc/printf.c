/*
 * Formatted output: printf, vprintf, snprintf and vsnprintf.
 *
 * Conversions: %d %i (signed decimal), %u (unsigned decimal), %x %X (unsigned hex),
 * %p ("0x" and lowercase hex), %s (a NULL pointer prints "(null)"), %c and %%.
 * Each may carry the flags '-' (pad on the right) and '0' (pad with zeros), a width
 * and a precision (digits or '*'). A length 'l' or 'h' is accepted and ignored,
 * because int and long are both 32 bits here. An unknown conversion prints '%' and
 * the character, as xv6 does.
 *
 * printf writes each call's output with one write(), so lines that several
 * processes print at once do not mix within a line. The formatter writes into a
 * "window" sink that counts every byte and stores only those inside the window.
 * Short output fits a stack buffer. Longer output is formatted again into a
 * malloc'd buffer of the exact size. Only if malloc fails is the output written in
 * window-sized pieces, each made by formatting the whole output again.
 */
#include "types.h"
#include "stdarg.h"
#include "user.h"

#define STACK_BUFFER 256

// Stores the output bytes at positions [start, start + capacity) into buf.
struct sink {
  char *buf;
  int start;
  int capacity;
  int position;  // bytes produced so far, stored or not
};

// Format of one conversion: %[flags][width][.precision][length]conversion.
struct spec {
  int left;       // '-' flag
  int zero;       // '0' flag
  int width;
  int precision;  // -1 when absent
};

static void
put(struct sink *s, char c)
{
  int offset = s->position - s->start;

  if(offset >= 0 && offset < s->capacity)
    s->buf[offset] = c;
  s->position++;
}

static void
put_repeat(struct sink *s, char c, int count)
{
  for(; count > 0; count--)
    put(s, c);
}

// Put a string of len bytes padded to the width of spec.
static void
put_padded(struct sink *s, const char *str, int len, const struct spec *spec)
{
  int pad = spec->width - len;

  if(!spec->left)
    put_repeat(s, ' ', pad);
  for(int i = 0; i < len; i++)
    put(s, str[i]);
  if(spec->left)
    put_repeat(s, ' ', pad);
}

// Put an unsigned number in base 10 or 16, with a prefix ("-" or "0x") and the
// zero padding that the precision and the '0' flag ask for.
static void
put_number(struct sink *s, uint value, int base, int upper, const char *prefix,
           const struct spec *spec)
{
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char text[12];
  int ndigits = 0;
  int prefix_len = strlen(prefix);
  int zeros, pad;

  do {
    text[ndigits++] = digits[value % base];
    value /= base;
  } while(value != 0);
  if(spec->precision == 0 && ndigits == 1 && text[0] == '0')
    ndigits = 0;  // as in C, "%.0d" of 0 prints no digits

  zeros = spec->precision > ndigits ? spec->precision - ndigits : 0;
  pad = spec->width - prefix_len - zeros - ndigits;
  if(spec->zero && !spec->left && spec->precision < 0 && pad > 0){
    zeros += pad;
    pad = 0;
  }

  if(!spec->left)
    put_repeat(s, ' ', pad);
  while(*prefix != 0)
    put(s, *prefix++);
  put_repeat(s, '0', zeros);
  while(ndigits > 0)
    put(s, text[--ndigits]);
  if(spec->left)
    put_repeat(s, ' ', pad);
}

// Parse the flags, width, precision and length of a conversion; fmt points just past
// the '%'. Returns a pointer to the conversion character.
static const char*
parse_spec(const char *fmt, struct spec *spec, va_list *ap)
{
  spec->left = spec->zero = spec->width = 0;
  spec->precision = -1;

  for(;; fmt++){
    if(*fmt == '-')
      spec->left = 1;
    else if(*fmt == '0')
      spec->zero = 1;
    else
      break;
  }
  if(*fmt == '*'){
    spec->width = va_arg(*ap, int);
    if(spec->width < 0){
      spec->left = 1;
      spec->width = -spec->width;
    }
    fmt++;
  }
  for(; *fmt >= '0' && *fmt <= '9'; fmt++)
    spec->width = spec->width * 10 + (*fmt - '0');
  if(*fmt == '.'){
    fmt++;
    spec->precision = 0;
    if(*fmt == '*'){
      spec->precision = va_arg(*ap, int);
      fmt++;
    }
    for(; *fmt >= '0' && *fmt <= '9'; fmt++)
      spec->precision = spec->precision * 10 + (*fmt - '0');
  }
  while(*fmt == 'l' || *fmt == 'h')
    fmt++;
  return fmt;
}

// Put one conversion c, taking its argument from ap.
static void
put_conversion(struct sink *s, char c, const struct spec *spec, va_list *ap)
{
  int value;
  const char *str;
  char ch;

  switch(c){
  case 'd':
  case 'i':
    value = va_arg(*ap, int);
    if(value < 0)
      put_number(s, -(uint)value, 10, 0, "-", spec);
    else
      put_number(s, value, 10, 0, "", spec);
    break;
  case 'u':
    put_number(s, va_arg(*ap, uint), 10, 0, "", spec);
    break;
  case 'x':
  case 'X':
    put_number(s, va_arg(*ap, uint), 16, c == 'X', "", spec);
    break;
  case 'p':
    put_number(s, (uint)va_arg(*ap, void*), 16, 0, "0x", spec);
    break;
  case 's':
    str = va_arg(*ap, const char*);
    if(str == 0)
      str = "(null)";
    value = 0;
    while(str[value] != 0 && (spec->precision < 0 || value < spec->precision))
      value++;
    put_padded(s, str, value, spec);
    break;
  case 'c':
    ch = va_arg(*ap, int);
    put_padded(s, &ch, 1, spec);
    break;
  case '%':
    put(s, '%');
    break;
  default:
    put(s, '%');
    put(s, c);
    break;
  }
}

// Run the whole format into the sink.
static void
format(struct sink *s, const char *fmt, va_list ap)
{
  struct spec spec;

  for(; *fmt != 0; fmt++){
    if(*fmt != '%'){
      put(s, *fmt);
      continue;
    }
    fmt = parse_spec(fmt + 1, &spec, &ap);
    if(*fmt == 0)
      break;  // a lone '%' at the end prints nothing
    put_conversion(s, *fmt, &spec, &ap);
  }
}

// Format into the window [start, start + capacity) of buf and return the whole
// output length.
static int
format_window(char *buf, int start, int capacity, const char *fmt, va_list ap)
{
  struct sink s = { buf, start, capacity, 0 };
  va_list copy;

  va_copy(copy, ap);
  format(&s, fmt, copy);
  va_end(copy);
  return s.position;
}

// Write the formatted output to fd with one write(), falling back to several only
// when the output is longer than STACK_BUFFER and malloc fails.
void
vprintf(int fd, const char *fmt, va_list ap)
{
  char small[STACK_BUFFER];
  int len = format_window(small, 0, sizeof(small), fmt, ap);
  char *big;

  if(len <= (int)sizeof(small)){
    write(fd, small, len);
    return;
  }

  big = malloc(len);
  if(big != 0){
    format_window(big, 0, len, fmt, ap);
    write(fd, big, len);
    free(big);
    return;
  }

  for(int start = 0; start < len; start += sizeof(small)){
    int piece = len - start < (int)sizeof(small) ? len - start : (int)sizeof(small);

    format_window(small, start, sizeof(small), fmt, ap);
    write(fd, small, piece);
  }
}

// Print to fd: the xv6 printf.
void
printf(int fd, const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vprintf(fd, fmt, ap);
  va_end(ap);
}

// Format into buf, storing at most size - 1 bytes and a NUL (nothing when size <= 0).
// Returns the length the whole output would have, as C's vsnprintf does.
int
vsnprintf(char *buf, int size, const char *fmt, va_list ap)
{
  int len;

  if(size <= 0)
    return format_window(buf, 0, 0, fmt, ap);

  len = format_window(buf, 0, size - 1, fmt, ap);
  buf[len < size - 1 ? len : size - 1] = 0;
  return len;
}

// Format into buf like vsnprintf.
int
snprintf(char *buf, int size, const char *fmt, ...)
{
  va_list ap;
  int len;

  va_start(ap, fmt);
  len = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return len;
}
