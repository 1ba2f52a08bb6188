/*
 * sh: the xv6ts shell.
 *
 * It prints the prompt "$ " on fd 2, reads a line with gets and parses it (parse.c).
 * A line's top-level sequence has items ("a; b & c" has three). For each item the
 * shell forks a child that runs it (run.c) and waits for that child, as xv6's shell
 * does for a whole line. The child of a background item exits at once and leaves
 * the job to init. A cd item runs in the shell itself, so it changes the shell's
 * directory for the items after it and for later lines. A cd inside parentheses or
 * a pipeline changes only its own subshell. The shell exits at end
 * of input: ctrl-D at an empty prompt on the console, or the end of a file given as
 * input. A line that does not parse gets a one-line message and no command runs.
 */
#include "types.h"
#include "stat.h"
#include "fcntl.h"
#include "user.h"
#include "sh.h"

#define LINE_MAX 512

static char line[LINE_MAX];

// Make sure fds 0, 1 and 2 are open, using the console for any that is not.
static void
open_standard_fds(void)
{
  struct stat st;

  for(int fd = 0; fd < 3; fd++){
    if(fstat(fd, &st) < 0 && open("/console", O_RDWR) < 0)
      return;
  }
}

// Read one line into line[]. Returns 0 at end of input, 1 for a line, and -1 for a
// line that did not fit, whose rest is read and dropped.
static int
read_line(void)
{
  int len;

  gets(line, sizeof(line));
  if(line[0] == 0)
    return 0;

  len = strlen(line);
  if(len < LINE_MAX - 1 || line[len - 1] == '\n' || line[len - 1] == '\r')
    return 1;

  for(;;){
    gets(line, sizeof(line));
    len = strlen(line);
    if(len == 0 || line[len - 1] == '\n' || line[len - 1] == '\r')
      return -1;
  }
}

// Run one item of a line in a child process and wait for it, or run cd here.
static void
run_item(struct node *item)
{
  int pid, reaped;

  if(is_cd(item)){
    change_directory(item->command.argc, item->command.argv);
    return;
  }

  pid = fork();
  if(pid < 0){
    printf(2, "sh: fork failed\n");
    return;
  }
  if(pid == 0)
    run_tree(item);

  do {
    reaped = wait();
  } while(reaped >= 0 && reaped != pid);
}

// Run the items of the line's top-level sequence in order.
static void
run_line(struct node *tree)
{
  while(tree->kind == NODE_SEQUENCE){
    run_item(tree->pair.left);
    tree = tree->pair.right;
  }
  run_item(tree);
}

int
main(void)
{
  struct node *tree;
  const char *error;
  int status;

  open_standard_fds();
  for(;;){
    write(2, "$ ", 2);
    status = read_line();
    if(status == 0)
      exit();
    if(status < 0){
      printf(2, "sh: line too long (at most %d characters)\n", LINE_MAX - 2);
      continue;
    }

    tree = parse_line(line, &error);
    if(error != 0)
      printf(2, "sh: %s\n", error);
    else if(tree != 0)
      run_line(tree);
  }
}
