import { dropAlpha } from "../image/channels.js";
import { sniffFormat } from "../image/format.js";
import { carriesTransparency, pillowConvertRgba, pillowOpened } from "../image/pillow-open.js";
import { compositeOnWhite } from "../models/pillow-resize.js";
import { a2bBase64, nonAscii } from "./python-base64.js";
import {
  exifTranspose,
  pillowReads,
  processorPlan,
  QWEN_MODELS,
  torchvisionView,
  UNIDENTIFIED,
} from "./transformers.js";
import type { ServerPath, Verdict } from "./types.js";

/**
 * vLLM's OpenAI-compatible server. URLs: vllm-project/vllm@02ba96d7874f
 * vllm/multimodal/media/connector.py (`load_from_url`, `_load_data_url`). Decode:
 * vllm/multimodal/media/image.py `ImageMediaIO` (Pillow open, then `_convert_image_mode`) with
 * PR #44974 (merged 2026-06, first release not verified): `ImageOps.exif_transpose` right after
 * open, and any image with transparency (RGBA, LA, PA, or `transparency` in its info) converted
 * to RGBA and pasted onto white; an image already in RGB is left as it is. Then transformers'
 * fast processor (vllm/model_executor/models/qwen2_5_vl.py asks for `use_fast=True`).
 */

const CONNECTOR = "vllm connector.py";

/** Python's repr() of a short ASCII string, as vLLM's `{url[:32]!r}` prints it. */
function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === "\\" || ch === quote) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/** A character base64 would show as itself in an error, or its name. */
function describe(ch: string): string {
  const names: Record<string, string> = {
    "\n": "a newline",
    "\r": "a carriage return",
    " ": "a space",
    "\t": "a tab",
  };
  return names[ch] ?? `"${ch}"`;
}

/**
 * `_load_data_url`: `url[5:].partition(",")`, then `rpartition(";")` must leave exactly
 * "base64" (parameters before it are dropped, the media type is ignored), then
 * `pybase64.b64decode(data, validate=True)`, then Pillow opens the bytes.
 */
function dataUrlVerdict(url: string): Verdict {
  const rest = url.slice(5);
  const comma = rest.indexOf(",");
  if (comma < 0) {
    return {
      accepted: false,
      reason: `Invalid data URL ${pythonRepr(url.slice(0, 32))}: missing ',' separator.`,
      rule: `${CONNECTOR} _load_data_url: url[5:].partition(",") finds no comma`,
    };
  }
  const spec = rest.slice(0, comma);
  const data = rest.slice(comma + 1);
  const semicolon = spec.lastIndexOf(";");
  if (semicolon < 0 || spec.slice(semicolon + 1) !== "base64") {
    return {
      accepted: false,
      reason: "Only base64 data URLs are supported for now.",
      rule: `${CONNECTOR} _load_data_url: data_spec.rpartition(";") must end in exactly "base64" (case-sensitive, no spaces)`,
    };
  }
  const strict = `${CONNECTOR} _load_data_url -> image.py load_base64: pybase64.b64decode(data, validate=True)`;
  const offset = nonAscii(data);
  if (offset >= 0) {
    return {
      accepted: false,
      reason: "string argument should contain only ASCII characters",
      rule: `${strict} takes ASCII only`,
    };
  }
  const decoded = a2bBase64(Buffer.from(data, "latin1"), true);
  if ("error" in decoded) {
    const bad = [...data].findIndex((ch) => !/[A-Za-z0-9+/=]/.test(ch));
    const where =
      bad >= 0 ? `; ${describe(data[bad] as string)} at offset ${bad} of the payload` : "";
    return {
      accepted: false,
      reason: `binascii.Error: ${decoded.error}${where}`,
      rule: `${strict}: no whitespace or newlines, no URL-safe - or _, correct padding`,
    };
  }
  if (!pillowReads(sniffFormat(decoded.bytes))) {
    return {
      accepted: false,
      reason: UNIDENTIFIED,
      rule: `${CONNECTOR} _load_data_url -> image.py load_bytes: Pillow cannot open the decoded bytes`,
    };
  }
  const type = spec.slice(0, semicolon).split(";")[0] ?? "";
  return {
    accepted: true,
    reason: null,
    rule: `${strict}; the media type ${type === "" ? "(none)" : `"${type}"`} is ignored, Pillow sniffs the format`,
  };
}

/** `load_from_url`: the scheme decides; urllib3's parse_url lowercases it. */
function urlVerdict(reference: string): Verdict {
  if (reference.slice(0, 5).toLowerCase() === "data:") return dataUrlVerdict(reference);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(reference)?.[1]?.toLowerCase();
  if (scheme?.startsWith("http")) {
    return {
      accepted: true,
      reason: null,
      rule: `${CONNECTOR} load_from_url: an http(s) URL is fetched (subject to --allowed-media-domains and the fetch timeout)`,
    };
  }
  if (scheme === "file") {
    return {
      accepted: false,
      reason: "Cannot load local files without `--allowed-local-media-path`.",
      rule: `${CONNECTOR} _load_file_url: file: URLs only with --allowed-local-media-path, and only under that directory`,
    };
  }
  return {
    accepted: false,
    reason: "The URL must be either a HTTP, data or file URL.",
    rule: `${CONNECTOR} load_from_url: ${scheme === undefined ? "no scheme" : `the scheme "${scheme}"`} is neither http(s), data nor file`,
  };
}

export const vllm: ServerPath = {
  name: "vllm",
  description:
    "vLLM: strict data URLs, Pillow decode with EXIF applied and transparency onto white, then the fast processor",
  reproduces:
    "vLLM with PR #44974 (merged 2026-06, first release not verified), transformers 5.x fast Qwen-VL processor, current torch, Pillow 9.4",
  source:
    "vllm-project/vllm@02ba96d7874f vllm/multimodal/media/connector.py (load_from_url, _load_data_url); " +
    "vllm/multimodal/media/image.py ImageMediaIO and vllm/multimodal/image.py as changed by PR #44974; " +
    "huggingface/transformers@9feaf6f1d95e image_processing_qwen2_vl.py; pytorch/pytorch@bb7240c35c73 UpSampleKernel.cpp",
  models: QWEN_MODELS,
  accepts: urlVerdict,
  async read({ bytes, image }) {
    if (!pillowReads(image.info.format)) return { error: UNIDENTIFIED };
    const opened = await pillowOpened(bytes, image);
    const composite =
      opened.mode !== "RGB" &&
      (["RGBA", "LA", "PA"].includes(opened.mode) || carriesTransparency(opened));
    const rgb = composite
      ? compositeOnWhite(pillowConvertRgba(image, opened), image.width, image.height)
      : dropAlpha(image.pillowRgba);
    return exifTranspose(image, rgb);
  },
  plan: (model, width, height, options) => processorPlan("vllm", model, width, height, options),
  view: torchvisionView,
};
