import { createHash } from "node:crypto";
import { clientPath, sourceName } from "../client/index.js";
import type { ClientName } from "../client/types.js";
import { withInput } from "../errors.js";
import type { DecodedImage } from "../image/decode.js";
import type { JpegSettings } from "../payload/types.js";
import type { Source } from "../source/types.js";
import type { AskApi, PayloadFacts, VariantName } from "./types.js";

/** The image part of a request, as the API takes it. */
export type ImagePart =
  | { kind: "url"; url: string }
  /** OpenAI chat completions: image_url.url holds the data URI text as written. */
  | { kind: "data-uri"; text: string }
  /** Anthropic Messages: a base64 source. */
  | { kind: "base64"; mediaType: string; data: string };

export interface Variant {
  name: VariantName;
  part: ImagePart;
  facts: PayloadFacts;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** What identifies the image part as sent: the URL, the data URI, or media type and base64. */
export function partText(part: ImagePart): string {
  if (part.kind === "url") return part.url;
  if (part.kind === "data-uri") return part.text;
  return `${part.mediaType};base64,${part.data}`;
}

interface Encoded {
  bytes: Uint8Array;
  mime: string;
  width: number;
  height: number;
  /** What the sender writes before the base64; undefined: nothing of its own (the original). */
  sentPrefix?: string;
}

/** The bytes as the API carries them, with a note wherever that differs from the sender's. */
function dataPart(api: AskApi, encoded: Encoded, notes: string[]): ImagePart {
  const base64 = Buffer.from(encoded.bytes).toString("base64");
  const prefix = encoded.sentPrefix;
  if (api === "anthropic") {
    if (prefix !== undefined && prefix !== "") {
      notes.push(
        `the Messages API takes media_type and base64 apart: the client's prefix "${prefix}" is not sent; media_type is the bytes' type, ${encoded.mime}`,
      );
    }
    return { kind: "base64", mediaType: encoded.mime, data: base64 };
  }
  if (prefix === undefined || prefix === "") {
    if (prefix === "")
      notes.push(
        `the client sends bare base64: sent as a data URI with the bytes' type, ${encoded.mime}`,
      );
    return { kind: "data-uri", text: `data:${encoded.mime};base64,${base64}` };
  }
  return { kind: "data-uri", text: prefix + base64 };
}

function facts(
  name: VariantName,
  part: ImagePart,
  encoded: Encoded,
  notes: string[],
): PayloadFacts {
  const text = partText(part);
  return {
    variant: name,
    transport: part.kind,
    mime: encoded.mime,
    bytes: encoded.bytes.length,
    width: encoded.width,
    height: encoded.height,
    sentLength: part.kind === "base64" ? part.data.length : text.length,
    sha256: sha256(text),
    notes,
  };
}

/**
 * The payload variants of one source for one API. `original` is the source's own bytes as a
 * data URI with their real type, or, for an http(s) source, its URL (`spec`, unmasked: the
 * server must fetch it); each client path sends exactly what it writes.
 */
export async function buildVariants(
  spec: string,
  source: Source,
  image: DecodedImage,
  names: readonly VariantName[],
  api: AskApi,
  jpeg?: JpegSettings,
): Promise<Variant[]> {
  const variants: Variant[] = [];
  for (const name of names) {
    const notes: string[] = [];
    if (name === "original") {
      const encoded = {
        bytes: source.bytes,
        mime: image.info.mime,
        width: image.width,
        height: image.height,
      };
      if (source.kind === "url") {
        const part: ImagePart = { kind: "url", url: spec };
        notes.push("the server fetches the URL itself");
        variants.push({ name, part, facts: facts(name, part, encoded, notes) });
        continue;
      }
      const declared = source.dataUri?.mediaType;
      if (declared !== undefined && declared !== image.info.mime) {
        notes.push(
          `the source declared ${declared === "" ? "no type" : declared}; sent with the bytes' type, ${image.info.mime}`,
        );
      }
      const part = dataPart(api, encoded, notes);
      variants.push({ name, part, facts: facts(name, part, encoded, notes) });
      continue;
    }
    const path = clientPath(name as ClientName);
    const payload = await withInput(
      source.input,
      path.encode({ image, bytes: source.bytes, name: sourceName(source), jpeg }),
    );
    const part = dataPart(api, payload, notes);
    variants.push({
      name,
      part,
      facts: {
        ...facts(name, part, payload, notes),
        sentPrefix: payload.sentPrefix,
        steps: payload.steps,
        description: path.description,
      },
    });
  }
  return variants;
}
