import { addOpaqueAlpha } from "../image/channels.js";
import { type Metrics, measure } from "../metrics/measure.js";
import { serverFor } from "../server/index.js";
import type { ServerInput, ServerName, ServerPath, ServerPixels } from "../server/types.js";
import { opensAsRgba } from "./pillow-resize.js";
import { type ModelName, type ModelPlan, type PlanOptions, refused } from "./plan.js";

/** The comparison repeated at the model's resolution, after the model's own preprocessing. */
export interface ModelComparison {
  plan: ModelPlan;
  /** null when the model refuses the image or the payloads differ in size. */
  metrics: Metrics | null;
  /** Whether the model's resize hides most of the JPEG loss (MSE at least halved). */
  hidesLoss: boolean | null;
  summary: string;
  /** With a named server: which one, and its plan for the payload (a resized payload differs). */
  server?: ServerName;
  payloadPlan?: ModelPlan | null;
  /** With a named server that cannot read the payload: its error. */
  payloadError?: string;
}

export interface SeenOptions extends PlanOptions {
  threshold?: number;
  /** The server whose decode and processor to reproduce; default: the model's own. */
  server?: ServerName;
}

/**
 * The reference is the same for every client path compared through one server: it is decoded
 * and resized once per server and plan, not once per path.
 */
const reads = new WeakMap<ServerInput, Map<string, ReturnType<ServerPath["read"]>>>();
const views = new WeakMap<ServerPixels, Map<string, ServerPixels>>();

/** `make()` once per (owner, key). */
function once<O extends object, V>(
  cache: WeakMap<O, Map<string, V>>,
  owner: O,
  key: string,
  make: () => V,
): V {
  const byKey = cache.get(owner) ?? new Map<string, V>();
  cache.set(owner, byKey);
  if (!byKey.has(key)) byKey.set(key, make());
  return byKey.get(key) as V;
}

function readOnce(server: ServerPath, input: ServerInput): ReturnType<ServerPath["read"]> {
  return once(reads, input, server.name, () => server.read(input));
}

function viewOnce(server: ServerPath, pixels: ServerPixels, plan: ModelPlan): ServerPixels {
  return once(views, pixels, `${server.name} ${JSON.stringify(plan)}`, () =>
    server.view(pixels, plan),
  );
}

/** A 3 dB rise in PSNR is the mean squared error halved: "most of the loss" gone. */
const HIDES_DB = 3;

function sizeText(plan: ModelPlan): string {
  return plan.resized ? `${plan.resized.width}x${plan.resized.height}` : "full size";
}

function summarise(
  plan: ModelPlan,
  full: Metrics | null,
  seen: Metrics,
  alphaComposited: boolean,
): [boolean | null, string] {
  const size = sizeText(plan);
  if (full === null) {
    return [
      null,
      seen.identical
        ? `the model gets identical pixels at ${size}`
        : `at the model's ${size}: PSNR ${(seen.psnr as number).toFixed(2)} dB`,
    ];
  }
  if (full.identical) return [null, `the payloads are identical, at ${size} too`];
  if (seen.identical) return [true, `${plan.model}'s resize to ${size} hides all of the JPEG loss`];
  const before = full.psnr as number;
  const after = seen.psnr as number;
  const mse = 100 * (1 - 10 ** ((before - after) / 10));
  if (alphaComposited && before - after >= HIDES_DB) {
    return [
      false,
      `the model sees a different image: it composites the lossless payload's transparency onto white, while the JPEG shows the colours stored under it (PSNR ${after.toFixed(2)} dB at ${size})`,
    ];
  }
  if (after - before >= HIDES_DB) {
    return [
      true,
      `${plan.model}'s resize to ${size} hides most of the JPEG loss: PSNR ${before.toFixed(2)} -> ${after.toFixed(2)} dB (squared error -${mse.toFixed(0)}%)`,
    ];
  }
  return [
    false,
    `the model keeps the JPEG loss: at ${size} PSNR is ${after.toFixed(2)} dB (${before.toFixed(2)} dB at full size)`,
  ];
}

/**
 * Runs the reference (the source's bytes, as a URL delivers them) and the payload through
 * the server's decode and the model's preprocessing, and measures what is left. Without a
 * named server the two must have the same size, as before servers were named; with one, the
 * views are compared whenever the processor brings both to the same grid.
 */
export async function compareAsSeen(
  model: ModelName,
  reference: ServerInput,
  payload: ServerInput,
  full: Metrics | null,
  options: SeenOptions = {},
): Promise<ModelComparison> {
  const named = options.server !== undefined;
  const { server } = serverFor(options.server, model);
  const [readA, readB] = await Promise.all([readOnce(server, reference), server.read(payload)]);
  const a = reference.image;
  const base = named ? { server: server.name } : {};
  if ("error" in readA) {
    const input = { width: a.width, height: a.height };
    return {
      plan: refused(model, input, readA.error, server.description),
      metrics: null,
      hidesLoss: null,
      summary: `${server.name} cannot read the image: ${readA.error}`,
      ...base,
    };
  }
  const fullPlan = server.plan(model, readA.width, readA.height, options);
  if (fullPlan.error !== null) {
    return {
      plan: fullPlan,
      metrics: null,
      hidesLoss: null,
      summary: `${model} refuses the image: ${fullPlan.error}`,
      ...base,
    };
  }
  const errorB = "error" in readB ? readB.error : undefined;
  const payloadPlan =
    "error" in readB ? null : server.plan(model, readB.width, readB.height, options);
  const extra = named
    ? { ...base, payloadPlan, ...(errorB !== undefined && { payloadError: errorB }) }
    : {};
  const notMeasured = (summary: string): ModelComparison => ({
    plan: fullPlan,
    metrics: null,
    hidesLoss: null,
    summary,
    ...extra,
  });
  if ("error" in readB) return notMeasured(`${server.name} cannot read the payload: ${errorB}`);
  if (payloadPlan === null || payloadPlan.error !== null) {
    return notMeasured(`${model} refuses the payload: ${payloadPlan?.error}`);
  }
  const b = payload.image;
  if (!named && (full === null || a.width !== b.width || a.height !== b.height)) {
    return notMeasured("not measured: the payloads differ in size");
  }
  const viewA = viewOnce(server, readA, fullPlan);
  const viewB = server.view(readB, payloadPlan);
  if (viewA.width !== viewB.width || viewA.height !== viewB.height) {
    return notMeasured(
      `not measured: the model gets ${viewA.width}x${viewA.height} from the reference and ${viewB.width}x${viewB.height} from the payload`,
    );
  }
  const { metrics } = measure(
    addOpaqueAlpha(viewA.rgb),
    addOpaqueAlpha(viewB.rgb),
    viewA.width,
    viewA.height,
    { threshold: options.threshold },
  );
  const alphaComposited = opensAsRgba(a.info) && !opensAsRgba(b.info);
  const sameSize = a.width === b.width && a.height === b.height;
  const [hidesLoss, summary] = summarise(
    fullPlan,
    sameSize ? full : null,
    metrics,
    alphaComposited,
  );
  return { plan: fullPlan, metrics, hidesLoss, summary, ...extra };
}
