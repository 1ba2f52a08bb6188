/**
 * Absolute paths for the names xv6ts remembers (the working directory of a process and the path
 * an open file was opened by). The file system resolves paths itself; these strings only record
 * them. `.` and `..` are folded lexically, which is exact in xv6 because a directory cannot have a
 * second hard link.
 */

/** Returns the absolute, normalized form of `path` taken relative to the directory `cwd`. */
export function resolvePath(cwd: string, path: string): string {
  const parts = path.startsWith("/") ? [] : cwd.split("/").filter((part) => part.length > 0);
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

/** Returns the last element of a path (what exec names a process by), at most `max` bytes. */
export function lastPathElement(path: string, max: number): string {
  const slash = path.lastIndexOf("/");
  return path.slice(slash + 1).slice(0, max);
}
