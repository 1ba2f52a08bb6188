/**
 * Makes an xv6 disk image, puts files into it through the host API and checks it with fsck.
 * Run: node --import tsx --conditions=@xv6ts/source examples/make-image.ts disk.img
 */
import { FileDevice, FileSystem, fsck, mkfs } from "@xv6ts/fs-journal";

const path = process.argv[2] ?? "disk.img";
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

// 1000 blocks of 512 bytes, 200 inodes and a 30-block log: the real xv6 mkfs defaults.
// overwrite: the script remakes its image on every run, as xv6's mkfs rewrites fs.img at each
// build. Without it, create refuses an existing file (error code EEXIST).
const device = FileDevice.create(path, 1000, 512, { overwrite: true });
mkfs(device, {
  files: [
    { path: "/console", device: { major: 1, minor: 1 } },
    { path: "/README", data: text("made on the host\n") },
  ],
});

// Each host call commits its own transactions; a failure carries a printable reason.
const fs = FileSystem.mount(device);
for (const result of [
  fs.mkdir("/home/ada", { parents: true }),
  fs.writeFile("/home/ada/notes.txt", text("names are at most 14 bytes\n")),
]) {
  if (!result.ok) throw new Error(result.reason);
}
const listing = fs.listDir("/home/ada");
if (listing.ok) for (const entry of listing.value) console.log(entry.name, entry.inum, entry.size);
fs.shutdown();
device.close();

// fsck reads the image without mounting it and never writes.
const image = FileDevice.open(path, { readOnly: true });
const report = fsck(image);
image.close();
console.log(report.clean ? "clean" : report.problems.join("\n"));
process.exitCode = report.clean ? 0 : 1;
