import { runPython } from "./python.js";

/**
 * The seed's client code as written, run with Debian's Python and Pillow: an RGB image saved
 * with `image.save(buf, format="JPEG")` and sent as `f"data:image;base64,{img_str}"`. The
 * image is a small colour gradient drawn in Python, so no file is needed.
 */
export const SEED_ENCODE = `
import base64, io
from PIL import Image

def encode_image(image):
    buf = io.BytesIO()
    image.save(buf, format="JPEG")
    img_str = base64.b64encode(buf.getvalue()).decode("utf-8")
    return f"data:image;base64,{img_str}"

def gradient(width, height):
    image = Image.new("RGB", (width, height))
    image.putdata([(x * 255 // width, y * 255 // height, (x * y) % 256)
                   for y in range(height) for x in range(width)])
    return image
`;

/** The seed's data URI for a width x height gradient. */
export function seedDataUri(width = 96, height = 64): string {
  const script = `${SEED_ENCODE}\nprint(encode_image(gradient(${width}, ${height})))`;
  return runPython(script).toString("utf8").trim();
}
