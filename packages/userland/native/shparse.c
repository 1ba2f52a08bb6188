/*
 * shparse: a native test driver for the shell's parser. It reads lines from fd 0 and
 * prints one line per input line: the tree, "empty" for a line without a command, or
 * "error: <message>". Trees print as
 *
 *   cmd('w1' 'w2')  <('file' body)  >('file' body)  >>('file' body)
 *   pipe(left, right)  seq(left, right)  bg(body)  group(body)
 */
#include "types.h"
#include "user.h"
#include "../programs/sh/sh.h"

static char line[512];
static char out[4096];
static int used;

static void
emit(const char *text)
{
  int n = strlen(text);

  if(used + n < (int)sizeof(out)){
    memmove(out + used, text, n);
    used += n;
  }
}

static void
emit_quoted(const char *word)
{
  emit("'");
  emit(word);
  emit("'");
}

static const char*
redirect_operator(enum redirect_kind type)
{
  if(type == REDIRECT_IN)
    return "<(";
  if(type == REDIRECT_OUT)
    return ">(";
  return ">>(";
}

static void
emit_tree(struct node *n)
{
  switch(n->kind){
  case NODE_COMMAND:
    emit("cmd(");
    for(int i = 0; i < n->command.argc; i++){
      if(i > 0)
        emit(" ");
      emit_quoted(n->command.argv[i]);
    }
    emit(")");
    break;
  case NODE_REDIRECT:
    emit(redirect_operator(n->redirect.type));
    emit_quoted(n->redirect.path);
    emit(" ");
    emit_tree(n->redirect.body);
    emit(")");
    break;
  case NODE_PIPE:
  case NODE_SEQUENCE:
    emit(n->kind == NODE_PIPE ? "pipe(" : "seq(");
    emit_tree(n->pair.left);
    emit(", ");
    emit_tree(n->pair.right);
    emit(")");
    break;
  case NODE_GROUP:
  case NODE_BACKGROUND:
    emit(n->kind == NODE_GROUP ? "group(" : "bg(");
    emit_tree(n->background.body);
    emit(")");
    break;
  }
}

int
main(void)
{
  const char *error;
  struct node *tree;

  for(;;){
    gets(line, sizeof(line));
    if(line[0] == 0)
      exit();

    tree = parse_line(line, &error);
    used = 0;
    if(error != 0){
      emit("error: ");
      emit(error);
    } else if(tree == 0){
      emit("empty");
    } else {
      emit_tree(tree);
    }
    emit("\n");
    write(1, out, used);
  }
}
