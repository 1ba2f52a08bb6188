/*
 * The parts of the file-system format that user programs see.
 *
 * A directory is a file of 16-byte entries that a program reads with read():
 *
 *   offset 0  ushort inum       inode number, 0 marks a free entry
 *   offset 2  char   name[14]   NUL-padded, not NUL-terminated when all 14 bytes are used
 *
 * BSIZE, NDIRECT, NINDIRECT and MAXFILE describe the xv6 disk geometry (512-byte blocks).
 * xv6ts also reads an extended geometry with 4096-byte blocks and much larger files, which
 * a program cannot detect, so portable programs should not rely on these four.
 */
#ifndef XV6_FS_H
#define XV6_FS_H

#define ROOTINO 1  // inode number of the root directory
#define BSIZE 512  // block size of the xv6 geometry

#define NDIRECT 12
#define NINDIRECT (BSIZE / sizeof(unsigned int))
#define MAXFILE (NDIRECT + NINDIRECT)  // in blocks

#define DIRSIZ 14

struct dirent {
  unsigned short inum;
  char name[DIRSIZ];
};

#endif
