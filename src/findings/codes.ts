import type { Severity } from "./types.js";

/** Where a finding comes from; the README and `inspect --help` list the codes by group. */
export type FindingGroup = "data-uri" | "input" | "pitfall";

export interface FindingCodeInfo {
  code: string;
  severity: Severity;
  group: FindingGroup;
  /** One line: what is wrong. */
  meaning: string;
  /** One line: what to do about it. */
  fix: string;
  /** The figures a pitfall finding carries in `data`, for the README. */
  reports?: string;
}

/**
 * Every finding code imgenc can report, with the one severity it is always reported at. The
 * data-URI codes come first, in the order lintDataUri reports them.
 */
export const FINDING_CODES = [
  {
    code: "not-data-uri",
    severity: "error",
    group: "data-uri",
    meaning: 'Does not start with "data:" or has no comma.',
    fix: 'Write "data:<type>;base64,<base64>" with nothing before "data:".',
  },
  {
    code: "missing-media-type",
    severity: "warning",
    group: "data-uri",
    meaning: "No media type (data:;base64, or data:,).",
    fix: "Declare the type the bytes are, e.g. data:image/png;base64,.",
  },
  {
    code: "missing-subtype",
    severity: "warning",
    group: "data-uri",
    meaning: "Media type without a subtype (data:image;base64,).",
    fix: "Declare the full type the bytes are (image/png, image/jpeg).",
  },
  {
    code: "non-image-media-type",
    severity: "error",
    group: "data-uri",
    meaning: "Declared type is not image/* (text/plain, application/octet-stream).",
    fix: "Encode the image file itself and declare its type.",
  },
  {
    code: "media-type-mismatch",
    severity: "error",
    group: "data-uri",
    meaning: "Declared image type differs from what the bytes are.",
    fix: "Declare the type the bytes are.",
  },
  {
    code: "nonstandard-media-type",
    severity: "warning",
    group: "data-uri",
    meaning: "Unregistered alias or upper case (image/jpg, IMAGE/PNG).",
    fix: "Use the registered lower-case spelling (image/jpeg, image/png).",
  },
  {
    code: "media-type-parameters",
    severity: "warning",
    group: "data-uri",
    meaning:
      "Parameters such as ;charset=utf-8 in the header; Ollama and older vLLM releases reject them (current vLLM strips them).",
    fix: "Remove them: data:<type>;base64,.",
  },
  {
    code: "nonstandard-base64-marker",
    severity: "warning",
    group: "data-uri",
    meaning: "The marker is not exactly ;base64 (;BASE64, ; base64); vLLM rejects it.",
    fix: "Write exactly ;base64.",
  },
  {
    code: "not-base64",
    severity: "error",
    group: "data-uri",
    meaning: "No final ;base64 marker (percent-encoded payload).",
    fix: "Encode the file with base64 and write data:<type>;base64,.",
  },
  {
    code: "empty-payload",
    severity: "error",
    group: "data-uri",
    meaning: "Nothing after the comma.",
    fix: "Encode the whole file; check that the text was not cut off.",
  },
  {
    code: "whitespace-in-base64",
    severity: "error",
    group: "data-uri",
    meaning: "Spaces or line breaks inside the base64 (64/76-column wrapping).",
    fix: "Remove line breaks (base64 -w0, openssl base64 -A).",
  },
  {
    code: "trailing-whitespace",
    severity: "warning",
    group: "data-uri",
    meaning: "A newline or space after the payload.",
    fix: "Strip it before sending.",
  },
  {
    code: "url-safe-alphabet",
    severity: "error",
    group: "data-uri",
    meaning: 'URL-safe base64 ("-" and "_").',
    fix: "Replace - with + and _ with / (base64.b64encode, not urlsafe_b64encode).",
  },
  {
    code: "invalid-base64-character",
    severity: "error",
    group: "data-uri",
    meaning: "Characters outside the base64 alphabet.",
    fix: "URL-decode base64 that was URL-encoded; otherwise re-encode the file.",
  },
  {
    code: "bad-padding",
    severity: "error",
    group: "data-uri",
    meaning: '"=" padding missing, excessive or in the middle.',
    fix: 'Encode the whole file once; pad it to a multiple of 4 characters with "=".',
  },
  {
    code: "not-an-image",
    severity: "error",
    group: "data-uri",
    meaning: "The bytes are no known image format (or an HTML page).",
    fix: "Encode the image file itself, once (not an error page, not a data URI).",
  },
  {
    code: "corrupt-image",
    severity: "error",
    group: "input",
    meaning: "The payload starts like an image but cannot be decoded (cut short?).",
    fix: "Encode the complete file; check that the data URI was not truncated.",
  },
  {
    code: "content-type-mismatch",
    severity: "warning",
    group: "input",
    meaning: "(URLs) the server's Content-Type differs from the bytes.",
    fix: "Fix the server's Content-Type, or label the image from its bytes.",
  },
  {
    code: "dimensions-differ",
    severity: "error",
    group: "input",
    meaning: "(compare, two sources) The images differ in size: no pixel metrics.",
    fix: "Compare images of the same size (was one resized?).",
  },
  {
    code: "alpha-dropped",
    severity: "warning",
    group: "pitfall",
    meaning:
      'Pixels that are not fully opaque: Pillow\'s convert("RGB") drops their alpha; with --client, the path drops it (stored colour), blends onto black (canvas) or white (vLLM).',
    reports:
      'How many; the mean colour Pillow\'s convert("RGB") shows for them (the stored colour, often black) and the mean colour qwen-vl-utils and vLLM give them (composited onto white); with --client, `shows` (stored-colour, black or white) and `client`.',
    fix: "Composite onto white before encoding.",
  },
  {
    code: "orientation-lost",
    severity: "warning",
    group: "pitfall",
    meaning:
      "EXIF Orientation other than 1: the model gets the stored, unrotated pixels (with --client, only for paths that do not apply it).",
    reports:
      "The orientation: Pillow's save, qwen-vl-utils and vLLM before mid-2026 send the stored, unrotated pixels.",
    fix: "Apply the orientation before encoding (ImageOps.exif_transpose).",
  },
  {
    code: "icc-dropped",
    severity: "warning",
    group: "pitfall",
    meaning:
      "An ICC profile other than sRGB: Pillow-based stacks ignore it, re-encoding drops it (with --client, only for paths that drop it).",
    reports:
      "Mean, max and 95th-percentile colour difference (CIEDE2000, ΔE00) between the colour-managed source and the stored values a viewer of the re-encoded payload sees; profiles within a mean ΔE00 of 0.5 of sRGB are not reported.",
    fix: "Convert to sRGB before encoding.",
  },
  {
    code: "depth-reduced",
    severity: "warning",
    group: "pitfall",
    meaning: "16 bits per channel become 8.",
    reports:
      'The depth lost; for 16-bit greyscale also the share of pixels Pillow clips to white (it reads them as mode "I").',
    fix: "Reduce to 8 bits before encoding, scaling rather than clipping.",
  },
  {
    code: "frames-dropped",
    severity: "warning",
    group: "pitfall",
    meaning: "Animated GIF/WebP or multi-page TIFF: only the first frame is sent.",
    reports: "The frame count.",
    fix: "Send the frames or pages that matter as separate images.",
  },
  {
    code: "cmyk-converted",
    severity: "warning",
    group: "pitfall",
    meaning: "CMYK source: Pillow converts it without a colour profile.",
    reports: "ΔE00 between Pillow's profile-less conversion and a profile-based one.",
    fix: "Convert to sRGB with a CMYK profile before encoding.",
  },
  {
    code: "second-jpeg-generation",
    severity: "warning",
    group: "pitfall",
    meaning: "The source is a JPEG: re-encoding adds a second round of loss.",
    reports: "Its estimated quality.",
    fix: "Send the original bytes (the URL, or --lossless original).",
  },
  {
    code: "server-rejects-data-uri",
    severity: "error",
    group: "pitfall",
    meaning:
      "(compare --client --server, proxy --server) The server refuses the data URI as this path writes it, or the URL: the model never sees the image.",
    reports: "The server, its error and the rule in its source that decides; `client`.",
    fix: "Send data:<the real type>;base64, and plain base64 (see the Server paths table).",
  },
  {
    code: "payload-larger-than-source",
    severity: "warning",
    group: "pitfall",
    meaning: "(compare) The lossy payload has more bytes than the source.",
    reports: "Both sizes.",
    fix: "Send the source bytes instead.",
  },
  {
    code: "chroma-subsampling",
    severity: "warning",
    group: "pitfall",
    meaning:
      "(compare, 4:2:0) Chroma PSNR under 35 dB where 4:4:4 at the same quality keeps at least 6 dB more.",
    reports: "Cb/Cr PSNR at 4:2:0 and 4:4:4.",
    fix: "Use 4:4:4 (Pillow: subsampling=0; imgenc: --subsampling 4:4:4).",
  },
] as const satisfies readonly FindingCodeInfo[];

type Row = (typeof FINDING_CODES)[number];
type CodeIn<G extends FindingGroup> = Extract<Row, { group: G }>["code"];
export type FindingCode = Row["code"];
export type DataUriCode = CodeIn<"data-uri">;

const INFO = new Map<string, FindingCodeInfo>(FINDING_CODES.map((info) => [info.code, info]));

/** The table row of a code; every FindingCode has one. */
export function findingInfo(code: FindingCode): FindingCodeInfo {
  return INFO.get(code) as FindingCodeInfo;
}

/** The codes of one group, in table order. */
export function codesInGroup<G extends FindingGroup>(group: G): readonly CodeIn<G>[] {
  const codes: string[] = FINDING_CODES.filter((info) => info.group === group).map((i) => i.code);
  return codes as CodeIn<G>[];
}
