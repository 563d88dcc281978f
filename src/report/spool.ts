import { randomBytes } from "node:crypto";
import { type FileHandle, open, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { ReportImage, ReportImages, StoredBytes } from "./types.js";

/**
 * Encoded report images parked in one temporary file until the page is written, so a report
 * over hundreds of images holds none of their bytes in memory meanwhile.
 *
 * The file is unlinked as soon as it is open: the system keeps it while the handle lives and
 * frees it when the process ends, however it ends (SIGKILL included), so nothing is left
 * behind. Where unlinking an open file is refused (Windows), it is removed on close instead.
 * When no file can be written (a missing folder, a full disk), images stay in memory: the
 * report then fails or succeeds on its own write, as it would without a spool.
 */
export class ImageSpool {
  private end = 0;
  private broken = false;

  private constructor(
    private readonly handle: FileHandle | undefined,
    private readonly leftover: string | undefined,
  ) {}

  /** A spool in `folder`; never throws (without a file, it keeps images in memory). */
  static async open(folder: string): Promise<ImageSpool> {
    const path = join(folder, `.imgenc-images.${randomBytes(6).toString("hex")}.tmp`);
    let handle: FileHandle;
    try {
      handle = await open(path, "wx+", 0o600);
    } catch {
      return new ImageSpool(undefined, undefined);
    }
    try {
      await unlink(path);
      return new ImageSpool(handle, undefined);
    } catch {
      return new ImageSpool(handle, path);
    }
  }

  /** Whether images go to the file (false: they stay in memory). */
  get onDisk(): boolean {
    return this.handle !== undefined && !this.broken;
  }

  /** The same images, their bytes now in the file; read back when the page asks. */
  async store(images: ReportImages): Promise<ReportImages> {
    const keep = async (image: ReportImage): Promise<ReportImage> => ({
      ...image,
      bytes: await this.put(image.bytes),
    });
    const stored: ReportImages = {
      ...images,
      source: await keep(images.source),
      lossy: await keep(images.lossy),
    };
    if (images.diff) stored.diff = await keep(images.diff);
    if (images.crop) {
      const crop = { ...images.crop };
      crop.source = await keep(crop.source);
      crop.lossy = await keep(crop.lossy);
      if (crop.diff) crop.diff = await keep(crop.diff);
      stored.crop = crop;
    }
    return stored;
  }

  private async put(bytes: Uint8Array | StoredBytes): Promise<Uint8Array | StoredBytes> {
    const handle = this.handle;
    if (!(bytes instanceof Uint8Array) || handle === undefined || this.broken) return bytes;
    // The place is taken before the write: puts may overlap.
    const offset = this.end;
    const length = bytes.byteLength;
    this.end += length;
    try {
      let written = 0;
      while (written < length) {
        const { bytesWritten } = await handle.write(
          bytes,
          written,
          length - written,
          offset + written,
        );
        written += bytesWritten;
      }
    } catch {
      this.broken = true;
      return bytes;
    }
    return { byteLength: length, read: () => this.read(handle, offset, length) };
  }

  private async read(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
      if (bytesRead === 0)
        throw new Error(`image spool ends at ${offset + done} of ${offset + length}`);
      done += bytesRead;
    }
    return buffer;
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => {});
    if (this.leftover !== undefined) await rm(this.leftover, { force: true });
  }
}
