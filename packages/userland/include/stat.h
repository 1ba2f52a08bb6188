/*
 * struct stat as fstat() and stat() fill it: 20 bytes, little-endian.
 *
 *   offset  0  short type    T_DIR, T_FILE or T_DEV
 *   offset  4  int   dev     device number of the file system
 *   offset  8  uint  ino     inode number
 *   offset 12  short nlink   number of directory entries naming the inode
 *   offset 16  uint  size    size in bytes
 */
#ifndef XV6_STAT_H
#define XV6_STAT_H

#define T_DIR 1   // directory
#define T_FILE 2  // regular file
#define T_DEV 3   // device

struct stat {
  short type;
  int dev;
  unsigned int ino;
  short nlink;
  unsigned int size;
};

#endif
