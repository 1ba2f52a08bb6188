/*
 * Basic integer types of the xv6 user API. The x86 target is ILP32, so int, long
 * and pointers are 32 bits wide and a uint can contain any user address.
 */
#ifndef XV6_TYPES_H
#define XV6_TYPES_H

typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;

// A page-directory entry. User programs never touch one, but xv6 sources name the type.
typedef uint pde_t;

#endif
