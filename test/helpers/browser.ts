import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser } from "playwright-core";

/** Debian's Chromium (apt-get install chromium); playwright's own browser downloads fail here. */
const CHROMIUM = "/usr/bin/chromium";

/**
 * Without the background-networking flags Chromium keeps dialling Google's hosts, which this
 * machine's closed network refuses. Playwright adds --headless itself, and refuses a
 * --user-data-dir here: launch() makes a new empty profile of its own for every browser.
 */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let cached: string | null | undefined;

/** null when Chromium and playwright-core are both there, else what is missing. */
function chromiumMissing(): string | null {
  if (cached !== undefined) return cached;
  cached = null;
  if (!existsSync(CHROMIUM)) {
    cached = `${CHROMIUM} not found (apt-get install chromium)`;
  } else {
    try {
      createRequire(import.meta.url).resolve("playwright-core");
    } catch {
      cached = "playwright-core is not installed (npm install)";
    }
  }
  return cached;
}

/**
 * The `skip` option for node:test. Locally a missing browser skips the test; with CI=true it
 * is not skipped, so the test runs and fails loudly instead of passing silently.
 */
export function skipUnlessChromium(): string | false {
  const reason = chromiumMissing();
  if (reason === null || process.env.CI === "true") return false;
  return reason;
}

/** Headless Debian Chromium through playwright-core; the caller closes it. */
export async function launchChromium(): Promise<Browser> {
  const reason = chromiumMissing();
  if (reason !== null) throw new Error(`cannot launch Chromium: ${reason}`);
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
