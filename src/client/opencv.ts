import { opencvImread } from "../image/opencv.js";
import { libjpegEncode } from "../payload/libjpeg.js";
import { checkEncodable } from "../payload/limits.js";
import type { JpegSettings } from "../payload/types.js";
import { iccDroppedOrNone } from "./steps.js";
import type { ClientPath } from "./types.js";

/**
 * grfmt_jpeg.cpp JpegEncoder::write: `quality = 95`, `jpeg_set_defaults` (4:2:0, standard
 * Huffman tables, JFIF APP0), `jpeg_set_quality(&cinfo, quality, TRUE)`, no EXIF or ICC.
 */
const OPENCV_JPEG: JpegSettings = { quality: 95, subsampling: "4:2:0" };

/**
 * `cv2.imencode(".jpg", cv2.imread(path))` with OpenCV's defaults: imread turns JPEG, PNG and
 * TIFF upright by their EXIF orientation (not WebP), drops alpha, ignores ICC and reads 16-bit
 * as 8-bit, so imencode's `convertTo(CV_8U)` for deeper images is never reached from imread.
 */
export const opencv: ClientPath = {
  name: "opencv",
  description: 'OpenCV: cv2.imencode(".jpg", cv2.imread(path)), JPEG q95 4:2:0',
  reproduces:
    "OpenCV 4.6 (Debian python3-opencv 4.6.0: libjpeg-turbo 2.1, libpng 1.6, libtiff 4.5)",
  source:
    "opencv/opencv@495f6d9 modules/imgcodecs/src/grfmt_jpeg.cpp JpegEncoder::write; @227c2c9 grfmt_png.cpp PngDecoder::readData",
  async encode({ image, bytes, name }) {
    checkEncodable("JPEG", image.width, image.height, name);
    const read = await opencvImread(image, bytes, name);
    const jpeg = await libjpegEncode(read.rgb, read.width, read.height, 3, OPENCV_JPEG);
    return {
      role: "lossy",
      label: "JPEG q95 4:2:0 (OpenCV default)",
      mime: "image/jpeg",
      width: read.width,
      height: read.height,
      bytes: jpeg,
      jpeg: OPENCV_JPEG,
      client: "opencv",
      // imencode returns bare JPEG bytes; snippets that send them write this prefix.
      sentPrefix: "data:image/jpeg;base64,",
      steps: {
        format: "jpeg",
        quality: OPENCV_JPEG.quality,
        subsampling: OPENCV_JPEG.subsampling,
        huffman: "standard",
        alpha: read.alpha,
        orientation: read.orientation,
        icc: iccDroppedOrNone(image),
        notes: read.notes,
      },
    };
  },
};
