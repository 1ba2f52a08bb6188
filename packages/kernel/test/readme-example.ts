import { MemoryDevice, mkfs } from "@xv6ts/fs-journal";
import { Kernel } from "@xv6ts/kernel";
import { programBytes, programNames } from "@xv6ts/userland";

const device = new MemoryDevice(4000, 512);
const files = programNames().map((name) => ({ path: `/${name}`, data: programBytes(name) }));
mkfs(device, { geometry: "xv6", size: 4000, ninodes: 200, files });

const commands = ["echo hello xv6", "mkdir d", "ls d"];
let output = "";
const kernel = new Kernel({
  device,
  memorySize: 32 * 1024 * 1024,
  clock: { mode: "deterministic" },
  output: (bytes) => {
    output += Buffer.from(bytes).toString("latin1");
  },
});
kernel.onConsoleWait(() => {
  const next = commands.shift();
  if (next !== undefined) kernel.input(`${next}\n`);
  else void kernel.shutdown();
});
kernel.boot();
await kernel.run();
console.log(output);
