import { orientedCase } from "./client-inputs.js";
import { FIXTURE_INPUTS, STRESS_INPUTS } from "./pillow-inputs.js";

export interface ServerCase {
  name: string;
  bytes: Buffer;
}

/**
 * Every fixture, the Pillow stress images (alpha hiding colour, tRNS in every PNG form, grey,
 * 16-bit, palettes, GIF, WebP, tiny and extreme sizes) and a crop stored with each EXIF
 * orientation in JPEG, PNG and WebP.
 */
export async function serverCases(): Promise<ServerCase[]> {
  const cases: ServerCase[] = [];
  for (const input of [...FIXTURE_INPUTS, ...STRESS_INPUTS]) {
    cases.push({ name: input.name, bytes: await input.make() });
  }
  for (const format of ["jpeg", "png", "webp"] as const) {
    for (let orientation = 2; orientation <= 8; orientation++) {
      cases.push(await orientedCase(orientation, format));
    }
  }
  return cases;
}
