import { clientPath, sourceName } from "./client/index.js";
import type { ClientName } from "./client/types.js";
import { ImgencError, withInput } from "./errors.js";
import { type DecodeOptions, decode } from "./image/decode.js";
import { loadSharp } from "./image/sharp.js";
import type { ModelName, PlanOptions } from "./models/registry.js";
import { type Budget, type BudgetSteps, fitBudget, overBudget } from "./payload/budget.js";
import type { EncodeSettings } from "./payload/encode.js";
import { originalPayload } from "./payload/lossless.js";
import type { JpegSettings, Payload } from "./payload/types.js";
import { serverFor } from "./server/index.js";
import type { ServerName } from "./server/types.js";
import { SOURCE_SETTINGS, validateOptions } from "./settings.js";
import { readSource } from "./source/index.js";
import type { Source, SourceOptions } from "./source/types.js";

/** Formats that OpenAI, Anthropic and the Pillow-based servers all accept as sent. */
export const API_FORMATS = ["png", "jpeg", "webp", "gif"] as const;

export interface EncodeOptions extends SourceOptions, DecodeOptions, Budget, PlanOptions {
  /**
   * Re-encode with these settings, keep the source bytes ("original"), or make a PNG of exactly
   * what a model's preprocessing produces from the source ({ modelView }).
   */
  encoding:
    | EncodeSettings
    | "original"
    | { modelView: ModelName; server?: ServerName }
    | { client: ClientName; jpeg?: JpegSettings };
}

export interface EncodeResult {
  source: Source;
  payload: Payload;
  steps: BudgetSteps;
}

/** A payload that is sent as it is made (a client path's, a model's view) must fit as it is. */
function assertFits(payload: Payload, budget: Budget, input: string, what: string): void {
  const over = overBudget(payload.bytes.length, payload.width, payload.height, budget);
  if (over !== undefined) {
    throw new ImgencError("cannot-fit", `${what} is ${over}, and cannot be shrunk`, { input });
  }
}

/** Reads a source and builds one payload from it, within the budget when one is given. */
export async function encode(spec: string, options: EncodeOptions): Promise<EncodeResult> {
  validateOptions(options, [
    ...SOURCE_SETTINGS,
    "minPixels",
    "maxPixels",
    "maxBytes",
    "maxBase64Bytes",
    "maxSide",
  ]);
  if (typeof options.encoding === "object") {
    validateOptions(
      options.encoding,
      ["format", "quality", "subsampling", "modelView", "server", "client"],
      "encoding.",
    );
  }
  const source = await readSource(spec, options);
  const image = await withInput(source.input, decode(source.bytes, options));
  const encoding = options.encoding;
  if (typeof encoding === "object" && "client" in encoding) {
    const payload = await withInput(
      source.input,
      clientPath(encoding.client).encode({
        image,
        bytes: source.bytes,
        name: sourceName(source),
        jpeg: encoding.jpeg,
      }),
    );
    assertFits(payload, options, source.input, `the payload ${encoding.client} sends`);
    return { source, payload, steps: {} };
  }
  if (typeof encoding === "object" && "modelView" in encoding) {
    const { server, model } = serverFor(encoding.server, encoding.modelView);
    const pixels = await server.read({ bytes: source.bytes, image });
    if ("error" in pixels) {
      throw new ImgencError(
        "cannot-fit",
        `${server.name} cannot read this image: ${pixels.error}`,
        {
          input: source.input,
        },
      );
    }
    const plan = server.plan(model, pixels.width, pixels.height, options);
    if (plan.error !== null) {
      throw new ImgencError("cannot-fit", `${plan.model} refuses this image: ${plan.error}`, {
        input: source.input,
      });
    }
    const view = server.view(pixels, plan);
    const sharp = await loadSharp();
    const bytes = await sharp(view.rgb, {
      raw: { width: view.width, height: view.height, channels: 3 },
    })
      .png()
      .toBuffer();
    const payload: Payload = {
      role: "lossless",
      label: `what ${plan.model} sees${encoding.server === undefined ? "" : ` through ${server.name}`} (PNG)`,
      mime: "image/png",
      width: view.width,
      height: view.height,
      bytes,
    };
    assertFits(payload, options, source.input, `${plan.model}'s view`);
    const steps: BudgetSteps = plan.resized
      ? { resized: { from: [pixels.width, pixels.height], to: [view.width, view.height] } }
      : {};
    return { source, payload, steps };
  }
  if (encoding === "original") {
    const format = image.info.format;
    if (!(API_FORMATS as readonly string[]).includes(format)) {
      throw new ImgencError(
        "usage",
        `--lossless original keeps ${format.toUpperCase()} bytes, which model APIs do not accept (PNG, JPEG, WebP, GIF); drop it to get a PNG`,
        { input: source.input },
      );
    }
    const payload = originalPayload(image, source.bytes);
    const over = overBudget(payload.bytes.length, image.width, image.height, options);
    if (over !== undefined) {
      throw new ImgencError(
        "cannot-fit",
        `the original bytes are ${over}; drop --lossless original to let imgenc re-encode`,
        { input: source.input },
      );
    }
    return { source, payload, steps: {} };
  }
  const fitted = await withInput(source.input, fitBudget(image, encoding, options));
  return { source, payload: fitted.payload, steps: fitted.steps };
}
