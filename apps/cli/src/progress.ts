/**
 * Progress bars for long work on disk images: making a large image, copying a large file,
 * checking a large image.
 *
 * The work is synchronous block I/O, so progress is counted at the device: CountingDevice wraps
 * a BlockDevice and reports every block read or written. A bar is drawn on standard error only
 * when it is a terminal, and only once the work has run for BAR_DELAY_MS, so quick commands and
 * scripts print nothing extra. cli-progress redraws from inside update() (its synchronous
 * update), which is what lets a bar move while the event loop is blocked.
 */
import type { BlockDevice } from "@xv6ts/fs-journal";
import cliProgress from "cli-progress";
import type { CliIo } from "./io";

/** Work that must run this long before a bar appears. */
const BAR_DELAY_MS = 300;

/** Receives the progress of one piece of work. */
export interface Progress {
  /** Moves the count forward by `n` units. */
  advance(n?: number): void;
  /** Marks the work done and removes the bar's line. */
  finish(): void;
}

/** A Progress that shows nothing. */
export const NO_PROGRESS: Progress = { advance() {}, finish() {} };

/**
 * Starts tracking work of `total` units (blocks), labelled `label`. Returns NO_PROGRESS when
 * standard error is not a terminal.
 */
export function startProgress(io: CliIo, label: string, total: number): Progress {
  if (io.stderr.isTTY !== true || total <= 0) return NO_PROGRESS;
  const started = Date.now();
  let value = 0;
  let bar: cliProgress.SingleBar | null = null;
  let limit = total;

  return {
    advance(n = 1) {
      value += n;
      if (value > limit) limit = Math.ceil(value * 1.1);
      if (bar === null) {
        if (Date.now() - started < BAR_DELAY_MS) return;
        bar = new cliProgress.SingleBar({
          stream: io.stderr as NodeJS.WritableStream,
          format: `${label} [{bar}] {percentage}% | {value}/{total} blocks | ETA {eta_formatted}`,
          clearOnComplete: true,
          hideCursor: true,
          fps: 10,
        });
        bar.start(limit, value);
        return;
      }
      bar.setTotal(limit);
      bar.update(value);
    },
    finish() {
      if (bar === null) return;
      bar.update(limit);
      bar.stop();
      bar = null;
    },
  };
}

/** A BlockDevice that reports each block it reads or writes; everything else is passed on. */
export class CountingDevice implements BlockDevice {
  constructor(
    private readonly inner: BlockDevice,
    private readonly onBlock: (kind: "read" | "write") => void,
  ) {}

  get blockSize(): number {
    return this.inner.blockSize;
  }

  get blockCount(): number {
    return this.inner.blockCount;
  }

  get readOnly(): boolean | undefined {
    return this.inner.readOnly;
  }

  read(blockno: number, dst: Uint8Array): void {
    this.inner.read(blockno, dst);
    this.onBlock("read");
  }

  write(blockno: number, src: Uint8Array): void {
    this.inner.write(blockno, src);
    this.onBlock("write");
  }

  flush(): void {
    this.inner.flush();
  }

  close(): void {
    this.inner.close();
  }
}
