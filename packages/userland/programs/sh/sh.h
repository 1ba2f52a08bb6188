/*
 * The shell's command tree, shared by the parser (parse.c) and the runner (run.c).
 *
 * A line such as "(cat a; echo b) | wc > out &" parses to
 *
 *   BACKGROUND(PIPE(GROUP(SEQUENCE(COMMAND[cat a], COMMAND[echo b])),
 *                   REDIRECT(>, out, COMMAND[wc])))
 *
 * Pipelines nest to the left, so "a | b | c" is PIPE(PIPE(a, b), c), and sequences to
 * the right, so "a; b; c" is SEQUENCE(a, SEQUENCE(b, c)) and runs as a chain.
 * A command's redirections wrap it in text order: the first one is the outermost node
 * and is applied first. Parentheses make a GROUP node, which the shell runs in a
 * child, so that a cd inside them does not change the shell's directory.
 */
#ifndef SH_H
#define SH_H

#define MAXWORDS 31      // exec takes at most 31 arguments
#define MAXNESTING 16    // parentheses inside parentheses

enum node_kind {
  NODE_COMMAND = 1,
  NODE_REDIRECT,
  NODE_PIPE,
  NODE_SEQUENCE,
  NODE_BACKGROUND,
  NODE_GROUP,
};

enum redirect_kind {
  REDIRECT_IN = 1,  // < path: fd 0 from the file
  REDIRECT_OUT,     // > path: fd 1 to the file, created if missing, not truncated
  REDIRECT_APPEND,  // >> path: fd 1 to the end of the file, created if missing
};

struct node {
  enum node_kind kind;
  union {
    struct {
      int argc;
      char **argv;  // argc words and a terminating 0
    } command;
    struct {
      enum redirect_kind type;
      char *path;
      struct node *body;
    } redirect;
    struct {
      struct node *left;
      struct node *right;
    } pair;  // NODE_PIPE and NODE_SEQUENCE
    struct {
      struct node *body;
    } background;  // NODE_BACKGROUND and NODE_GROUP
  };
};

// Parse one command line. Returns the tree, or 0 for a line with no command, or 0 and
// a one-line message in *error (without "sh: ") for a line that does not parse. The
// tree and the message stay valid until the next call.
struct node *parse_line(const char *line, const char **error);

// Run a tree in the calling process, forking where pipes, sequences and background
// jobs need more processes. Never returns.
void run_tree(struct node *tree) __attribute__((noreturn));

// The cd built-in: change to argv[1], or to / without an argument. Prints a message on
// fd 2 and returns -1 on failure.
int change_directory(int argc, char **argv);

// Is the tree a cd command, which runs in the shell process rather than a child?
int is_cd(struct node *tree);

#endif
