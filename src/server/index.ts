import { ImgencError } from "../errors.js";
import type { ModelName } from "../models/plan.js";
import { anthropic } from "./anthropic.js";
import { llamaCpp } from "./llama-cpp.js";
import { ollama } from "./ollama.js";
import { ollamaGo } from "./ollama-go.js";
import { openai } from "./openai.js";
import { qwenVlUtils } from "./qwen-vl-utils.js";
import { transformers, transformersSlow } from "./transformers.js";
import { SERVER_NAMES, type ServerName, type ServerPath } from "./types.js";
import { vllm } from "./vllm.js";

/** Every server path by name; SERVER_NAMES orders them. */
export const SERVER_PATHS: Record<ServerName, ServerPath> = {
  "qwen-vl-utils": qwenVlUtils,
  transformers,
  "transformers-slow": transformersSlow,
  vllm,
  ollama,
  "ollama-go": ollamaGo,
  "llama.cpp": llamaCpp,
  openai,
  anthropic,
};

/** Every server, in SERVER_NAMES order. */
export function serverPaths(): ServerPath[] {
  return SERVER_NAMES.map((name) => SERVER_PATHS[name]);
}

export function serverPath(name: ServerName): ServerPath {
  return SERVER_PATHS[name];
}

/** Where a model runs when no server is named: its own API, or qwen-vl-utils for Qwen. */
export function defaultServer(model: ModelName): ServerPath {
  return serverPaths().find((s) => s.models.includes(model)) ?? qwenVlUtils;
}

/**
 * The server and model to plan with: the named server (its first model when none is named),
 * or the model's default server. A model the server does not serve is a usage error.
 */
export function serverFor(
  server: ServerName | undefined,
  model: ModelName | undefined,
): { server: ServerPath; model: ModelName } {
  if (server === undefined) {
    const chosen = model ?? "qwen2.5-vl";
    return { server: defaultServer(chosen), model: chosen };
  }
  const path = serverPath(server);
  if (model === undefined) return { server: path, model: path.models[0] as ModelName };
  if (!path.models.includes(model)) {
    throw new ImgencError(
      "usage",
      `server ${server} does not serve ${model}; it serves ${path.models.join(", ")}`,
    );
  }
  return { server: path, model };
}
