/*
 * Flags of open(). There is no O_TRUNC and no O_APPEND: O_CREATE opens an existing
 * regular file without truncating it.
 */
#ifndef XV6_FCNTL_H
#define XV6_FCNTL_H

#define O_RDONLY 0x000
#define O_WRONLY 0x001
#define O_RDWR 0x002
#define O_CREATE 0x200

#endif
