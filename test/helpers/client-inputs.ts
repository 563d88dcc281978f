import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { rng } from "./random.js";

// dist/test/helpers/ -> <repo>/fixtures/
const FIXTURES = fileURLToPath(new URL("../../../fixtures/", import.meta.url));

/** One input for a client path: its file name (clients read the extension) and its bytes. */
export interface ClientCase {
  name: string;
  bytes: Buffer;
}

/** Every image in fixtures/. */
export function fixtureCases(): ClientCase[] {
  return readdirSync(FIXTURES)
    .filter((name) => /\.(png|jpg|gif)$/.test(name))
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(FIXTURES, name)) }));
}

const fixture = (name: string) => join(FIXTURES, name);

/** A small crop of photo.png, not square, so every transposition shows. */
export const uprightCrop = () =>
  sharp(fixture("photo.png")).extract({ left: 150, top: 60, width: 37, height: 23 });

/** photo.png's crop stored with EXIF orientation `orientation` in a JPEG, PNG or WebP. */
export async function orientedCase(
  orientation: number,
  format: "jpeg" | "png" | "webp",
): Promise<ClientCase> {
  const bytes = await uprightCrop().withMetadata({ orientation })[format]().toBuffer();
  const ext = format === "jpeg" ? "jpg" : format;
  return { name: `orientation-${orientation}.${ext}`, bytes };
}

function noise(width: number, height: number, channels: number, seed: number): Buffer {
  const next = rng(seed);
  const raw = Buffer.alloc(width * height * channels);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(next() * 256);
  return raw;
}

/**
 * Small images that stress a client path's decode and encode: hidden colour under alpha,
 * EXIF orientation, an ICC profile, 16-bit, palette with tRNS, grey, CMYK, GIF, odd sizes.
 */
export async function stressCases(): Promise<ClientCase[]> {
  const logo = () => sharp(fixture("logo-alpha.png"));
  const rgb16 = Uint16Array.from({ length: 37 * 23 * 3 }, (_, i) => (i * 2654435761) % 65536);
  const grey16 = Uint16Array.from({ length: 37 * 23 }, (_, i) => (i * 40503) % 65536);
  const made: [string, Promise<Buffer>][] = [
    // Alpha 0 over magenta and black: convert("RGB") shows the stored colour.
    [
      "rgba-hidden-colour.png",
      logo().extract({ left: 3, top: 85, width: 33, height: 17 }).png().toBuffer(),
    ],
    [
      "grey-alpha.png",
      logo()
        .extract({ left: 0, top: 80, width: 61, height: 45 })
        .toColourspace("b-w")
        .png()
        .toBuffer(),
    ],
    [
      "palette-trns.png",
      logo().extract({ left: 0, top: 90, width: 65, height: 31 }).png({ palette: true }).toBuffer(),
    ],
    [
      "transparent.gif",
      logo().extract({ left: 0, top: 90, width: 65, height: 31 }).gif().toBuffer(),
    ],
    [
      "grey-crop.png",
      sharp(fixture("grey.png"))
        .extract({ left: 11, top: 5, width: 29, height: 31 })
        .png()
        .toBuffer(),
    ],
    [
      "rgb16.png",
      sharp(rgb16, { raw: { width: 37, height: 23, channels: 3 } })
        .toColourspace("rgb16")
        .png()
        .toBuffer(),
    ],
    [
      "grey16-37x23.png",
      sharp(grey16, { raw: { width: 37, height: 23, channels: 1 } })
        .toColourspace("grey16")
        .png()
        .toBuffer(),
    ],
    ["cmyk-crop.jpg", uprightCrop().toColourspace("cmyk").jpeg().toBuffer()],
    [
      "adobe-rgb-crop.jpg",
      sharp(fixture("adobe-rgb.jpg"))
        .extract({ left: 40, top: 30, width: 45, height: 27 })
        .keepIccProfile()
        .jpeg()
        .toBuffer(),
    ],
    ["photo-420.webp", uprightCrop().webp({ quality: 70 }).toBuffer()],
    ["exif-6.jpg", uprightCrop().withMetadata({ orientation: 6 }).jpeg().toBuffer()],
    [
      "1x1.png",
      sharp(fixture("photo.png"))
        .extract({ left: 7, top: 9, width: 1, height: 1 })
        .png()
        .toBuffer(),
    ],
    [
      "2x3.png",
      sharp(fixture("photo.png"))
        .extract({ left: 70, top: 90, width: 2, height: 3 })
        .png()
        .toBuffer(),
    ],
    [
      "odd-101x7.png",
      sharp(fixture("text-and-lines.png"))
        .extract({ left: 3, top: 10, width: 101, height: 7 })
        .png()
        .toBuffer(),
    ],
    [
      "noise-63x65.png",
      sharp(noise(63, 65, 3, 5), { raw: { width: 63, height: 65, channels: 3 } })
        .png()
        .toBuffer(),
    ],
  ];
  return Promise.all(made.map(async ([name, bytes]) => ({ name, bytes: await bytes })));
}
