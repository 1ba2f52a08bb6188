/*
 * The shell's runner: executes a command tree in the calling process, which is a
 * child of the shell. It forks the way xv6's shell does, so programs get the same
 * pids as under xv6: the first command typed is pid 3, and "counter &" typed first
 * runs counter as pid 4. Each node kind runs as follows.
 *
 *   COMMAND     exec the program (cd is built in)
 *   REDIRECT    reopen fd 0 or 1 on the file, then run the body
 *   PIPE        fork one child per side joined by a pipe, wait for both
 *   SEQUENCE    fork a child for the left side and wait, then run the right side;
 *               a cd on the left runs here and so changes the directory of the rest
 *   BACKGROUND  fork a child for the body and exit without waiting; the job is then
 *               an orphan, and init reaps it
 *   GROUP       run the body; this process is already a child of the shell
 *
 * The runner loops instead of recursing, and a forked child continues the loop with
 * its subtree, so deep trees cost no stack.
 */
#include "types.h"
#include "fcntl.h"
#include "user.h"
#include "sh.h"

#define PATH_MAX 128

int
is_cd(struct node *tree)
{
  return tree->kind == NODE_COMMAND && tree->command.argc > 0 &&
         strcmp(tree->command.argv[0], "cd") == 0;
}

int
change_directory(int argc, char **argv)
{
  char *dir = argc > 1 ? argv[1] : "/";

  if(argc > 2){
    printf(2, "cd: too many arguments\n");
    return -1;
  }
  if(chdir(dir) < 0){
    printf(2, "cd: cannot change directory to %s\n", dir);
    return -1;
  }
  return 0;
}

// Exec the program if the file exists. Opening it first keeps the kernel from
// printing its "exec: fail" line for every name that is not in the directory.
static void
try_exec(char *path, char **argv)
{
  int fd = open(path, O_RDONLY);

  if(fd < 0)
    return;
  close(fd);
  exec(path, argv);
}

// Exec a command. A program name without '/' that is not found in the current
// directory is tried again in /, where the programs live.
static void
run_command(int argc, char **argv)
{
  char path[PATH_MAX];

  if(argc == 0)
    exit();
  if(strcmp(argv[0], "cd") == 0){
    change_directory(argc, argv);
    exit();
  }

  try_exec(argv[0], argv);
  if(strchr(argv[0], '/') == 0 && strlen(argv[0]) + 2 <= sizeof(path)){
    path[0] = '/';
    strcpy(path + 1, argv[0]);
    try_exec(path, argv);
  }
  printf(2, "exec %s failed\n", argv[0]);
  exit();
}

// Move the offset of fd to the end of its file by reading it, because xv6 has no
// lseek. Returns 0, or -1 on a read error.
static int
seek_to_end(int fd)
{
  static char buf[512];
  int n;

  while((n = read(fd, buf, sizeof(buf))) > 0)
    ;
  return n;
}

// Make fd 0 or 1 refer to the redirection's file. Exits with a message on failure.
static void
apply_redirect(struct node *n)
{
  int fd = n->redirect.type == REDIRECT_IN ? 0 : 1;
  int mode = O_RDONLY;
  int opened;

  if(n->redirect.type == REDIRECT_OUT)
    mode = O_WRONLY | O_CREATE;
  else if(n->redirect.type == REDIRECT_APPEND)
    mode = O_RDWR | O_CREATE;

  // open() returns the lowest free descriptor, which is fd once it is closed.
  close(fd);
  opened = open(n->redirect.path, mode);
  if(opened < 0){
    printf(2, "open %s failed\n", n->redirect.path);
    exit();
  }
  if(opened != fd){
    printf(2, "sh: cannot redirect fd %d, because a lower descriptor is closed\n", fd);
    exit();
  }
  if(n->redirect.type == REDIRECT_APPEND && seek_to_end(fd) < 0){
    printf(2, "sh: cannot read %s to append to it\n", n->redirect.path);
    exit();
  }
}

static int
fork_or_exit(void)
{
  int pid = fork();

  if(pid < 0){
    printf(2, "sh: fork failed\n");
    exit();
  }
  return pid;
}

// Make fd (0 or 1) refer to one end of the pipe p and close both originals.
static void
connect_pipe(int fd, int *p)
{
  close(fd);
  dup(p[fd == 0 ? 0 : 1]);
  close(p[0]);
  close(p[1]);
}

void
run_tree(struct node *n)
{
  int p[2];

  for(;;){
    switch(n->kind){
    case NODE_COMMAND:
      run_command(n->command.argc, n->command.argv);
      break;
    case NODE_REDIRECT:
      apply_redirect(n);
      n = n->redirect.body;
      break;
    case NODE_PIPE:
      if(pipe(p) < 0){
        printf(2, "sh: pipe failed\n");
        exit();
      }
      if(fork_or_exit() == 0){
        connect_pipe(1, p);
        n = n->pair.left;
        break;
      }
      if(fork_or_exit() == 0){
        connect_pipe(0, p);
        n = n->pair.right;
        break;
      }
      close(p[0]);
      close(p[1]);
      wait();
      wait();
      exit();
    case NODE_SEQUENCE:
      if(is_cd(n->pair.left)){
        change_directory(n->pair.left->command.argc, n->pair.left->command.argv);
      } else if(fork_or_exit() == 0){
        n = n->pair.left;
        break;
      } else {
        wait();
      }
      n = n->pair.right;
      break;
    case NODE_GROUP:
      n = n->background.body;
      break;
    case NODE_BACKGROUND:
      if(fork_or_exit() == 0){
        n = n->background.body;
        break;
      }
      exit();
    default:
      printf(2, "sh: unknown node kind %d\n", n->kind);
      exit();
    }
  }
}
