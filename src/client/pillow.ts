import { pillowComment } from "../image/pillow-open.js";
import { pillowJpegPayload, withJpegComment } from "../payload/pillow-jpeg.js";
import { PILLOW_DEFAULT_JPEG } from "../payload/types.js";
import { alphaDroppedOrNone, iccDroppedOrNone, orientationLostOrNone } from "./steps.js";
import type { ClientPath } from "./types.js";

/** `img.convert("RGB").save(buf, "JPEG")`: the seed's client, and imgenc's default. */
export const pillow: ClientPath = {
  name: "pillow",
  description: 'Pillow: img.convert("RGB").save(buf, "JPEG"), JPEG q75 4:2:0',
  reproduces: "Pillow 9.4 (libjpeg-turbo 2.1); identical bytes on Pillow 12",
  source: "python-pillow/Pillow@a5bbab1 (9.4.0) src/PIL/JpegImagePlugin.py _save",
  async encode({ image, bytes, jpeg = PILLOW_DEFAULT_JPEG }) {
    const payload = await pillowJpegPayload(image, jpeg);
    // convert() keeps info, and the JPEG writer copies info["comment"] into a COM segment.
    return {
      ...payload,
      bytes: withJpegComment(payload.bytes, pillowComment(bytes)),
      client: "pillow",
      // The seed's string: Pillow itself writes no data URI; this is the snippet's prefix.
      sentPrefix: "data:image;base64,",
      steps: {
        format: "jpeg",
        quality: jpeg.quality,
        subsampling: jpeg.subsampling,
        huffman: "standard",
        alpha: alphaDroppedOrNone(image),
        orientation: orientationLostOrNone(image),
        icc: iccDroppedOrNone(image),
        notes: [],
      },
    };
  },
};
