/*
 * The shell's parser: a tokenizer and a recursive-descent parser for
 *
 *   line      := { ';'  |  pipeline ( ';' | '&' ) } [ pipeline ]
 *   pipeline  := command { '|' command }
 *   command   := '(' line ')' { redirect }  |  ( word | redirect ) { word | redirect }
 *   redirect  := ( '<' | '>' | '>>' ) word
 *
 * '&' puts the pipeline before it in the background. A ';' with no command before it
 * ends an empty command, which does nothing, as in xv6's shell: "a & ; b", "a ; ; b"
 * and "; b" all run a and then b. A missing command before '|' or '&', and an empty
 * group "()", are syntax errors.
 *
 * A word is a run of characters other than blanks and | ; & ( ) < > and may contain
 * '...' or "..." quotes, inside which every character is literal; "" is an empty
 * word. A '#' where a token would start begins a comment that runs to the end of
 * the line.
 *
 * Nodes, argument arrays and word texts come from one static arena that each call of
 * parse_line reuses, so a tree needs no freeing. Only parentheses recurse, and their
 * nesting is limited, because a process has a single 4 KiB stack page.
 */
#include "types.h"
#include "stdarg.h"
#include "user.h"
#include "sh.h"

#define ARENA_SIZE 16384

enum token_kind {
  TOKEN_END = 1,
  TOKEN_WORD,
  TOKEN_PIPE,       // |
  TOKEN_SEMICOLON,  // ;
  TOKEN_AMPERSAND,  // &
  TOKEN_OPEN,       // (
  TOKEN_CLOSE,      // )
  TOKEN_LESS,       // <
  TOKEN_GREATER,    // >
  TOKEN_APPEND,     // >>
};

struct parser {
  const char *next;       // first character not yet tokenized
  enum token_kind token;  // current token
  char *word;             // text of the current TOKEN_WORD
  int depth;              // open parentheses around the current position
  int failed;
};

static char arena[ARENA_SIZE];
static uint arena_used;
static char error_text[96];
static char quoted_word[24];

#define TOO_LONG "the line is too complex (the parser ran out of space)"

// Allocate n bytes from the arena, 4-byte aligned. Returns 0 when it is full.
static void*
arena_alloc(uint n)
{
  char *mem;

  n = (n + 3) & ~3;
  if(n > ARENA_SIZE - arena_used)
    return 0;
  mem = arena + arena_used;
  arena_used += n;
  return mem;
}

static void fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// Record the first error of a parse; later ones are consequences of it.
static void
fail(struct parser *p, const char *fmt, ...)
{
  va_list ap;

  if(p->failed)
    return;
  p->failed = 1;
  va_start(ap, fmt);
  vsnprintf(error_text, sizeof(error_text), fmt, ap);
  va_end(ap);
}

// Describe the current token for a message: the operator in quotes, the word in
// quotes (shortened if long), or "end of line".
static const char*
token_text(struct parser *p, enum token_kind token)
{
  if(token == TOKEN_WORD){
    snprintf(quoted_word, sizeof(quoted_word), "'%.16s'", p->word);
    return quoted_word;
  }
  switch(token){
  case TOKEN_PIPE: return "'|'";
  case TOKEN_SEMICOLON: return "';'";
  case TOKEN_AMPERSAND: return "'&'";
  case TOKEN_OPEN: return "'('";
  case TOKEN_CLOSE: return "')'";
  case TOKEN_LESS: return "'<'";
  case TOKEN_GREATER: return "'>'";
  case TOKEN_APPEND: return "'>>'";
  default: return "end of line";
  }
}

static int
is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v';
}

static int
is_operator(char c)
{
  return c != 0 && strchr("|;&()<>", c) != 0;
}

// Scan a word starting at p->next into the arena, removing its quotes.
static void
scan_word(struct parser *p)
{
  const char *s = p->next;
  char *out = arena + arena_used;  // the text is at most as long as the input
  char *start = out;
  char quote;

  while(*s != 0 && !is_blank(*s) && !is_operator(*s)){
    if(*s != '\'' && *s != '"'){
      *out++ = *s++;
      continue;
    }
    quote = *s++;
    while(*s != 0 && *s != quote)
      *out++ = *s++;
    if(*s == 0){
      fail(p, "syntax error: missing closing quote (%c)", quote);
      break;
    }
    s++;
  }
  *out++ = 0;

  p->next = s;
  p->word = arena_alloc(out - start);  // claims the bytes just written
  if(p->word == 0)
    fail(p, TOO_LONG);
}

// Advance to the next token.
static void
advance(struct parser *p)
{
  const char *s = p->next;

  while(is_blank(*s))
    s++;
  if(*s == '#')
    s += strlen(s);
  p->next = s + 1;

  switch(*s){
  case 0: p->token = TOKEN_END; p->next = s; return;
  case '|': p->token = TOKEN_PIPE; return;
  case ';': p->token = TOKEN_SEMICOLON; return;
  case '&': p->token = TOKEN_AMPERSAND; return;
  case '(': p->token = TOKEN_OPEN; return;
  case ')': p->token = TOKEN_CLOSE; return;
  case '<': p->token = TOKEN_LESS; return;
  case '>':
    p->token = TOKEN_GREATER;
    if(s[1] == '>'){
      p->token = TOKEN_APPEND;
      p->next = s + 2;
    }
    return;
  }

  p->token = TOKEN_WORD;
  p->next = s;
  if(ARENA_SIZE - arena_used < strlen(s) + 1){
    fail(p, TOO_LONG);
    p->token = TOKEN_END;
    return;
  }
  scan_word(p);
}

static struct node*
new_node(struct parser *p, enum node_kind kind)
{
  struct node *n = arena_alloc(sizeof(struct node));

  if(n == 0){
    fail(p, TOO_LONG);
    return 0;
  }
  memset(n, 0, sizeof(*n));
  n->kind = kind;
  return n;
}

static struct node *parse_sequence(struct parser *p);

// Parse one redirection; the current token is <, > or >>. Returns a REDIRECT node
// whose body the caller fills in.
static struct node*
parse_redirect(struct parser *p)
{
  enum token_kind op = p->token;
  struct node *n;

  advance(p);
  if(p->token != TOKEN_WORD){
    fail(p, "syntax error: missing file name after %s", token_text(p, op));
    return 0;
  }
  n = new_node(p, NODE_REDIRECT);
  if(n == 0)
    return 0;
  n->redirect.type = REDIRECT_APPEND;
  if(op == TOKEN_LESS)
    n->redirect.type = REDIRECT_IN;
  else if(op == TOKEN_GREATER)
    n->redirect.type = REDIRECT_OUT;
  n->redirect.path = p->word;
  advance(p);
  return n;
}

static int
is_redirect(enum token_kind token)
{
  return token == TOKEN_LESS || token == TOKEN_GREATER || token == TOKEN_APPEND;
}

// Parse the redirections that follow a command and wrap body in them, the first one
// outermost. *last is the innermost REDIRECT so far (0 if none); returns the new top.
static struct node*
wrap_redirects(struct parser *p, struct node *top, struct node **last)
{
  while(!p->failed && is_redirect(p->token)){
    struct node *r = parse_redirect(p);

    if(r == 0)
      return 0;
    if(*last == 0)
      top = r;
    else
      (*last)->redirect.body = r;
    *last = r;
  }
  return top;
}

// Parse words and redirections of a simple command into a COMMAND node wrapped in
// its REDIRECT nodes.
static struct node*
parse_simple(struct parser *p)
{
  static char *words[MAXWORDS];
  struct node *command, *top = 0, *last = 0;
  int argc = 0;

  while(!p->failed && (p->token == TOKEN_WORD || is_redirect(p->token))){
    if(p->token != TOKEN_WORD){
      top = wrap_redirects(p, top, &last);
      continue;
    }
    if(argc == MAXWORDS){
      fail(p, "too many arguments (at most %d words)", MAXWORDS);
      return 0;
    }
    words[argc++] = p->word;
    advance(p);
  }
  if(p->failed)
    return 0;

  command = new_node(p, NODE_COMMAND);
  if(command == 0)
    return 0;
  command->command.argc = argc;
  command->command.argv = arena_alloc((argc + 1) * sizeof(char*));
  if(command->command.argv == 0){
    fail(p, TOO_LONG);
    return 0;
  }
  memmove(command->command.argv, words, argc * sizeof(char*));
  command->command.argv[argc] = 0;

  if(last == 0)
    return command;
  last->redirect.body = command;
  return top;
}

// Parse "( line )" into a GROUP node, wrapped in the redirections after it.
static struct node*
parse_group(struct parser *p)
{
  struct node *body, *group, *top, *last = 0;

  if(p->depth == MAXNESTING){
    fail(p, "syntax error: more than %d nested parentheses", MAXNESTING);
    return 0;
  }
  p->depth++;
  advance(p);
  body = parse_sequence(p);
  p->depth--;
  if(p->failed)
    return 0;
  if(body == 0){
    fail(p, "syntax error: missing command before %s", token_text(p, p->token));
    return 0;
  }
  if(p->token != TOKEN_CLOSE){
    fail(p, "syntax error: missing ')'");
    return 0;
  }
  advance(p);
  group = new_node(p, NODE_GROUP);
  if(group == 0)
    return 0;
  group->background.body = body;

  top = wrap_redirects(p, group, &last);
  if(last != 0)
    last->redirect.body = group;
  return top;
}

// Parse one command. after is the operator before it, for the message when the command
// is missing (TOKEN_END when there is none).
static struct node*
parse_command(struct parser *p, enum token_kind after)
{
  if(p->token == TOKEN_OPEN)
    return parse_group(p);
  if(p->token == TOKEN_WORD || is_redirect(p->token))
    return parse_simple(p);

  if(p->token == TOKEN_END && after != TOKEN_END)
    fail(p, "syntax error: missing command after %s", token_text(p, after));
  else
    fail(p, "syntax error: missing command before %s", token_text(p, p->token));
  return 0;
}

static struct node*
new_pair(struct parser *p, enum node_kind kind, struct node *left, struct node *right)
{
  struct node *n = new_node(p, kind);

  if(n == 0)
    return 0;
  n->pair.left = left;
  n->pair.right = right;
  return n;
}

// Parse commands joined by '|'.
static struct node*
parse_pipeline(struct parser *p, enum token_kind after)
{
  struct node *tree = parse_command(p, after);

  while(tree != 0 && !p->failed && p->token == TOKEN_PIPE){
    struct node *right;

    advance(p);
    right = parse_command(p, TOKEN_PIPE);
    if(right == 0)
      return 0;
    tree = new_pair(p, NODE_PIPE, tree, right);
  }
  return p->failed ? 0 : tree;
}

static int
ends_sequence(enum token_kind token)
{
  return token == TOKEN_END || token == TOKEN_CLOSE;
}

// Parse pipelines separated by ';' and '&' up to the end of the line or a ')',
// skipping empty commands before a ';'. The sequence nests to the right: last points
// at the slot of the last pipeline, which a new SEQUENCE node takes over. Returns 0
// with p->failed clear when there is no pipeline at all.
static struct node*
parse_sequence(struct parser *p)
{
  struct node *tree = 0;
  struct node **last = &tree;
  enum token_kind after = TOKEN_END;

  while(!p->failed && !ends_sequence(p->token)){
    struct node *item;

    if(p->token == TOKEN_SEMICOLON){
      after = TOKEN_SEMICOLON;
      advance(p);
      continue;
    }
    item = parse_pipeline(p, after);

    if(item == 0)
      return 0;
    if(p->token == TOKEN_AMPERSAND){
      struct node *job = new_node(p, NODE_BACKGROUND);

      if(job == 0)
        return 0;
      job->background.body = item;
      item = job;
    }
    if(tree == 0){
      tree = item;
    } else {
      struct node *pair = new_pair(p, NODE_SEQUENCE, *last, item);

      if(pair == 0)
        return 0;
      *last = pair;
      last = &pair->pair.right;
    }

    if(p->token == TOKEN_SEMICOLON || p->token == TOKEN_AMPERSAND){
      after = p->token;
      advance(p);
    } else if(!ends_sequence(p->token)){
      fail(p, "syntax error: unexpected %s", token_text(p, p->token));
    }
  }
  return p->failed ? 0 : tree;
}

struct node*
parse_line(const char *line, const char **error)
{
  struct parser p;
  struct node *tree;

  arena_used = 0;
  memset(&p, 0, sizeof(p));
  p.next = line;
  *error = 0;

  advance(&p);
  tree = parse_sequence(&p);
  if(!p.failed && p.token == TOKEN_CLOSE)
    fail(&p, "syntax error: unexpected %s", token_text(&p, TOKEN_CLOSE));
  if(p.failed){
    *error = error_text;
    return 0;
  }
  return tree;
}
