import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { vllm, vllmLegacy } from "../../src/client/vllm.js";
import { decode } from "../../src/image/decode.js";
import { FIXTURE_INPUTS, type NamedInput, STRESS_INPUTS } from "../helpers/pillow-inputs.js";
import { PythonSession, skipUnlessPython } from "../helpers/python.js";

/**
 * vLLM's functions as its source writes them (vLLM itself is not installed here), run on
 * Debian's Pillow 9.4 on the image `Image.open` gives:
 * - current: vllm/multimodal/utils.py `encode_image_url` -> `encode_image_base64` ->
 *   media/image.py `ImageMediaIO.encode_base64(image, image_format="PNG")`, with
 *   `_convert_image_mode` and image.py `convert_image_mode` / `_has_transparency` as PR #44974
 *   left them;
 * - legacy: `encode_image_base64(image, format="JPEG")` with the older `convert_image_mode`.
 * base64 stands in for pybase64 (same output).
 */
const python = new PythonSession(`
import base64, io, mimetypes
from PIL import Image

def rgba_to_rgb(image, background_color=(255, 255, 255)):
    assert image.mode == "RGBA"
    converted = Image.new("RGB", image.size, background_color)
    converted.paste(image, mask=image.split()[3])
    return converted

def _has_transparency(image):
    if image.mode in ("RGBA", "LA", "PA"):
        return True
    return "transparency" in getattr(image, "info", {})

def convert_image_mode(image, to_mode, background_color=(255, 255, 255)):
    if image.mode == to_mode:
        return image
    if to_mode == "RGB" and _has_transparency(image):
        if image.mode != "RGBA":
            image = image.convert("RGBA")
        return rgba_to_rgb(image, background_color)
    return image.convert(to_mode)

class ImageMediaIO:
    def __init__(self, image_mode="RGB"):
        self.image_mode = image_mode
        self.rgba_background_color = (255, 255, 255)

    def _convert_image_mode(self, image):
        if self.image_mode is None or image.mode == self.image_mode:
            return image
        elif image.mode == "RGBA" and self.image_mode == "RGB":
            return rgba_to_rgb(image, self.rgba_background_color)
        else:
            return convert_image_mode(image, self.image_mode, self.rgba_background_color)

    def encode_base64(self, media, *, image_format="PNG"):
        image = media
        with io.BytesIO() as buffer:
            image = self._convert_image_mode(image)
            image.save(buffer, image_format)
            data = buffer.getvalue()
        return base64.b64encode(data).decode("utf-8")

def encode_image_base64(image, *, image_mode="RGB", format="PNG"):
    return ImageMediaIO(image_mode=image_mode).encode_base64(image, image_format=format)

def encode_image_url(image, *, image_mode="RGB", format="PNG"):
    image_b64 = encode_image_base64(image, image_mode=image_mode, format=format)
    mimetype = mimetypes.types_map.get("." + format.lower(), "image")
    return f"data:{mimetype};base64,{image_b64}"

def legacy_convert_image_mode(image, to_mode):
    if image.mode == to_mode:
        return image
    elif image.mode == "RGBA" and to_mode == "RGB":
        return rgba_to_rgb(image)
    else:
        return image.convert(to_mode)

def legacy_encode_image_base64(image, *, image_mode="RGB", format="JPEG"):
    image = legacy_convert_image_mode(image, image_mode)
    buffer = io.BytesIO()
    image.save(buffer, format)
    return base64.b64encode(buffer.getvalue()).decode("utf-8")

def current(data):
    return encode_image_url(Image.open(io.BytesIO(data))).encode()

def legacy(data):
    return legacy_encode_image_base64(Image.open(io.BytesIO(data))).encode()
`);
after(() => python.close());

const skip = skipUnlessPython(["PIL"]);
const INPUTS = [...FIXTURE_INPUTS, ...STRESS_INPUTS];

async function find(name: string): Promise<Buffer> {
  const input = INPUTS.find((i) => i.name === name);
  if (input === undefined) throw new Error(`no input ${name}`);
  return input.make();
}

function sameText(ours: string, theirs: string): void {
  if (ours === theirs) return;
  let i = 0;
  while (i < ours.length && ours[i] === theirs[i]) i++;
  assert.fail(`${ours.length} vs ${theirs.length} characters, first difference at ${i}`);
}

async function sent(path: typeof vllm, bytes: Buffer): Promise<string> {
  const payload = await path.encode({ image: await decode(bytes), bytes });
  return payload.sentPrefix + payload.bytes.toString("base64");
}

describe("vllm is byte-identical to encode_image_url on Pillow 9.4", () => {
  for (const { name, make } of INPUTS as NamedInput[]) {
    test(name, { skip }, async () => {
      const bytes = await make();
      sameText(await sent(vllm, bytes), (await python.call("current", [], bytes)).toString());
    });
  }
});

describe("vllm-legacy is byte-identical to the older encode_image_base64(format='JPEG')", () => {
  for (const { name, make } of INPUTS as NamedInput[]) {
    test(name, { skip }, async () => {
      const bytes = await make();
      sameText(await sent(vllmLegacy, bytes), (await python.call("legacy", [], bytes)).toString());
    });
  }
});

describe("the vLLM paths say what they did", () => {
  const steps = async (path: typeof vllm, name: string) => {
    const bytes = await find(name);
    return (await path.encode({ image: await decode(bytes), bytes })).steps;
  };

  test("vllm: transparency onto white drops the ICC profile; an RGB image keeps it", async () => {
    assert.deepEqual(
      {
        alpha: (await steps(vllm, "logo-p3-alpha.webp")).alpha,
        icc: (await steps(vllm, "logo-p3-alpha.webp")).icc,
      },
      { alpha: "white", icc: "dropped" },
    );
    assert.equal((await steps(vllm, "photo-p3.png")).icc, "kept");
    assert.equal((await steps(vllm, "grey-trns.png")).alpha, "white");
    assert.equal((await steps(vllm, "rgb-trns.png")).alpha, "kept");
    assert.equal((await steps(vllm, "rotated-exif6.jpg")).orientation, "lost");
  });

  test("vllm-legacy: RGBA onto white, other alpha dropped, no ICC, bare base64", async () => {
    assert.equal((await steps(vllmLegacy, "logo-alpha.png")).alpha, "white");
    assert.equal((await steps(vllmLegacy, "grey-alpha.png")).alpha, "stored-colour");
    assert.equal((await steps(vllmLegacy, "adobe-rgb.jpg")).icc, "dropped");
    const bytes = await find("photo.png");
    const payload = await vllmLegacy.encode({ image: await decode(bytes), bytes });
    assert.equal(payload.sentPrefix, "");
    assert.equal(payload.steps.quality, 75);
    const current = await vllm.encode({ image: await decode(bytes), bytes });
    assert.equal(current.sentPrefix, "data:image/png;base64,");
  });
});
