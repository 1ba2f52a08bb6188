/*
 * grep pattern [file ...]: print the lines of each file, or of fd 0 when no file is
 * named, that contain a match of pattern.
 *
 * Patterns: c matches itself, . any byte, [abc] [a-z] [^0-9] a byte in (or not in)
 * the set, and \c the byte c literally. A following * repeats the item zero or more
 * times, + one or more times and ? zero times or once. ^ at the start and $ at the
 * end anchor the match to the line's start and end. This includes the ^ $ . * of
 * xv6's grep.
 *
 * The pattern is compiled to a list of atoms, and matching tries each start position
 * with a backtracking walk over the atoms that takes the longest run of a repeated
 * atom first.
 *
 * NOTE: a line longer than LINE_MAX - 1 bytes is matched and printed in pieces.
 */
#include "types.h"
#include "fcntl.h"
#include "user.h"

#define MAX_ATOMS 32  // bounds the recursion depth on the 4 KiB stack
#define LINE_MAX 1024

enum atom_kind { ATOM_BYTE, ATOM_ANY, ATOM_SET };
enum repeat { ONCE, STAR, PLUS, OPTIONAL };

struct atom {
  uchar kind;
  uchar repeat;
  uchar byte;      // ATOM_BYTE
  uchar set[32];   // ATOM_SET: bit b % 8 of set[b / 8] for byte b
};

struct pattern {
  int anchor_start;
  int anchor_end;
  int count;
  struct atom atoms[MAX_ATOMS];
};

static struct pattern pattern;
static char buf[LINE_MAX];

static void
set_add(struct atom *a, uint b)
{
  a->set[b / 8] |= 1 << (b % 8);
}

// Compile a bracket expression; s points just past '['. Returns the pointer just past
// ']', or 0 if there is none.
static const char*
compile_set(struct atom *a, const char *s)
{
  int negate = 0;

  a->kind = ATOM_SET;
  if(*s == '^'){
    negate = 1;
    s++;
  }
  if(*s == ']')
    set_add(a, *s++);  // a ']' first in the set is literal
  for(; *s != 0 && *s != ']'; s++){
    if(s[1] == '-' && s[2] != ']' && s[2] != 0){
      for(uint b = (uchar)s[0]; b <= (uchar)s[2]; b++)
        set_add(a, b);
      s += 2;
    } else {
      set_add(a, (uchar)*s);
    }
  }
  if(*s != ']')
    return 0;
  if(negate){
    for(int i = 0; i < 32; i++)
      a->set[i] = ~a->set[i];
  }
  return s + 1;
}

// Compile text into pattern. Returns 0, or a message for an invalid pattern.
static const char*
compile(const char *text)
{
  const char *s = text;

  memset(&pattern, 0, sizeof(pattern));
  if(*s == '^'){
    pattern.anchor_start = 1;
    s++;
  }
  while(*s != 0){
    struct atom *a = &pattern.atoms[pattern.count];

    if(s[0] == '$' && s[1] == 0){
      pattern.anchor_end = 1;
      break;
    }
    if(pattern.count == MAX_ATOMS)
      return "pattern too long";
    if(*s == '.'){
      a->kind = ATOM_ANY;
      s++;
    } else if(*s == '['){
      s = compile_set(a, s + 1);
      if(s == 0)
        return "missing ] in pattern";
    } else {
      if(*s == '\\' && s[1] != 0)
        s++;
      a->kind = ATOM_BYTE;
      a->byte = *s++;
    }
    if(*s == '*')
      a->repeat = STAR;
    else if(*s == '+')
      a->repeat = PLUS;
    else if(*s == '?')
      a->repeat = OPTIONAL;
    if(a->repeat != ONCE)
      s++;
    pattern.count++;
  }
  return 0;
}

static int
atom_matches(const struct atom *a, uchar b)
{
  if(a->kind == ATOM_ANY)
    return 1;
  if(a->kind == ATOM_BYTE)
    return a->byte == b;
  return (a->set[b / 8] >> (b % 8)) & 1;
}

// Does the pattern from atom i on match text starting at s (text ends at end)?
static int
match_here(int i, const char *s, const char *end)
{
  for(; i < pattern.count; i++){
    const struct atom *a = &pattern.atoms[i];
    int min, max, run;

    if(a->repeat == ONCE){
      if(s == end || !atom_matches(a, *s))
        return 0;
      s++;
      continue;
    }

    min = a->repeat == PLUS ? 1 : 0;
    max = a->repeat == OPTIONAL ? 1 : end - s;
    for(run = 0; run < max && atom_matches(a, s[run]); run++)
      ;
    for(; run >= min; run--){
      if(match_here(i + 1, s + run, end))
        return 1;
    }
    return 0;
  }
  return !pattern.anchor_end || s == end;
}

static int
line_matches(const char *line, int len)
{
  const char *end = line + len;

  if(pattern.anchor_start)
    return match_here(0, line, end);
  for(const char *s = line; s <= end; s++){
    if(match_here(0, s, end))
      return 1;
  }
  return 0;
}

// Print the line (without its newline) followed by a newline, if it matches.
static void
consider(char *line, int len)
{
  if(!line_matches(line, len))
    return;
  line[len] = '\n';  // the caller leaves room for it
  write(1, line, len + 1);
}

static void
grep(int fd)
{
  int have = 0, n;

  while((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0){
    int start = 0;

    have += n;
    for(int i = 0; i < have; i++){
      if(buf[i] == '\n'){
        consider(buf + start, i - start);
        start = i + 1;
      }
    }
    if(start == 0 && have == sizeof(buf) - 1){
      consider(buf, have);  // a line that does not fit is matched in pieces
      start = have;
    }
    have -= start;
    memmove(buf, buf + start, have);
  }
  if(have > 0)
    consider(buf, have);
}

int
main(int argc, char *argv[])
{
  const char *error;
  int fd;

  if(argc < 2){
    printf(2, "usage: grep pattern [file ...]\n");
    exit();
  }
  error = compile(argv[1]);
  if(error != 0){
    printf(2, "grep: %s: %s\n", error, argv[1]);
    exit();
  }

  if(argc == 2){
    grep(0);
    exit();
  }
  for(int i = 2; i < argc; i++){
    fd = open(argv[i], O_RDONLY);
    if(fd < 0){
      printf(2, "grep: cannot open %s\n", argv[i]);
      exit();
    }
    grep(fd);
    close(fd);
  }
  exit();
}
