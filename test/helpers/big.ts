import sharp from "sharp";
import { fixture } from "./cli.js";

/** Where the text is pasted into the big image: the only place JPEG loses perceptibly. */
export const BIG_TEXT = { x: 1600, y: 700, width: 512, height: 384 };

/**
 * A 2400x1300 PNG (3.1 MP, over the report's 2 MiP bound): the fixture photo upscaled (smooth,
 * so JPEG loses nothing perceptible there) with text-and-lines pasted in at BIG_TEXT.
 */
export async function writeBigImage(path: string): Promise<void> {
  await sharp(fixture("photo.png"))
    .resize(2400, 1300, { fit: "fill" })
    .composite([{ input: fixture("text-and-lines.png"), left: BIG_TEXT.x, top: BIG_TEXT.y }])
    .png()
    .toFile(path);
}
