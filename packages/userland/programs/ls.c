/*
 * ls [path ...]: list each directory, or describe each file; "." when no path is
 * given. Each line is "name type inode size", the name padded with spaces to DIRSIZ
 * (14) characters, type 1 for a directory, 2 for a file and 3 for a device.
 * ls reads directories directly as arrays of 16-byte entries (fs.h).
 */
#include "types.h"
#include "stat.h"
#include "fcntl.h"
#include "fs.h"
#include "user.h"

#define PATH_MAX 512

// Print one line for the file whose path is path; the name is path's last element.
static void
print_entry(const char *path, const struct stat *st)
{
  const char *name = path + strlen(path);

  while(name > path && name[-1] != '/')
    name--;
  printf(1, "%-*s %d %d %d\n", DIRSIZ, name, st->type, st->ino, st->size);
}

// List the entries of the open directory fd, whose path is path.
static void
list_directory(int fd, const char *path)
{
  static char child[PATH_MAX];
  struct dirent de;
  struct stat st;
  int len = strlen(path);

  if(len + 1 + DIRSIZ + 1 > PATH_MAX){
    printf(2, "ls: path too long: %s\n", path);
    return;
  }
  strcpy(child, path);
  child[len++] = '/';

  while(read(fd, &de, sizeof(de)) == sizeof(de)){
    if(de.inum == 0)
      continue;
    memmove(child + len, de.name, DIRSIZ);
    child[len + DIRSIZ] = 0;
    if(stat(child, &st) < 0){
      printf(2, "ls: cannot stat %s\n", child);
      continue;
    }
    print_entry(child, &st);
  }
}

static void
ls(const char *path)
{
  struct stat st;
  int fd = open(path, O_RDONLY);

  if(fd < 0){
    printf(2, "ls: cannot open %s\n", path);
    return;
  }
  if(fstat(fd, &st) < 0){
    printf(2, "ls: cannot stat %s\n", path);
    close(fd);
    return;
  }

  if(st.type == T_DIR)
    list_directory(fd, path);
  else
    print_entry(path, &st);
  close(fd);
}

int
main(int argc, char *argv[])
{
  if(argc < 2){
    ls(".");
    exit();
  }
  for(int i = 1; i < argc; i++)
    ls(argv[i]);
  exit();
}
