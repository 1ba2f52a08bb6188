/**
 * Paths inside a disk image, written `disk.img:/path` on the command line.
 *
 * The disk file is everything before the first ":" that is followed by "/" or ends the argument,
 * so `/tmp/disk.img:/c3` names /c3 on /tmp/disk.img, and `disk.img:` names its root. An argument
 * without such a colon is a host path. The path inside the image is absolute; it is checked by the
 * file system itself (names of at most 14 bytes).
 */

/** A file or directory inside a disk image. */
export interface ImagePath {
  disk: string;
  /** Absolute path inside the image; "/" for the root. */
  path: string;
}

/** Splits `disk.img:/path`; returns null for an argument that is a host path. */
export function parseImagePath(argument: string): ImagePath | null {
  for (let i = 1; i < argument.length; i++) {
    if (argument[i] !== ":") continue;
    const rest = argument.slice(i + 1);
    if (rest === "" || rest.startsWith("/")) {
      return { disk: argument.slice(0, i), path: rest === "" ? "/" : rest };
    }
  }
  return null;
}

/** Parses a disk argument that may name a path inside it; a bare file name means its root. */
export function parseDiskArgument(argument: string): ImagePath {
  return parseImagePath(argument) ?? { disk: argument, path: "/" };
}

/** Formats an image path back into its command-line form. */
export function formatImagePath(imagePath: ImagePath): string {
  return `${imagePath.disk}:${imagePath.path}`;
}

/** Returns the last element of a path ("" for the root). */
export function lastElement(path: string): string {
  const elements = path.split("/").filter((element) => element !== "");
  return elements[elements.length - 1] ?? "";
}

/**
 * Resolves "." and ".." in an absolute image path, as the file system would: xv6 has no
 * symbolic links, so ".." is always the parent of the element before it, and the root's ".."
 * is the root. Returns "/" for the root and no trailing "/" otherwise.
 */
export function normalizeImagePath(path: string): string {
  const resolved: string[] = [];
  for (const element of path.split("/")) {
    if (element === "" || element === ".") continue;
    if (element === "..") resolved.pop();
    else resolved.push(element);
  }
  return `/${resolved.join("/")}`;
}

/** Returns whether `path` ends in "/", which means it must name a directory ("/" itself too). */
export function namesDirectory(path: string): boolean {
  return path.endsWith("/");
}

/** Joins a directory path inside an image and a name. */
export function joinImagePath(directory: string, name: string): string {
  return directory.endsWith("/") ? `${directory}${name}` : `${directory}/${name}`;
}
