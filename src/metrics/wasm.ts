// The lib/types in use do not declare the WebAssembly namespace; this is the small subset used.
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: Record<string, unknown> };
};

export const WASM_PAGE = 65536;

export const align16 = (n: number): number => (n + 15) & ~15;

/**
 * A lazily compiled WebAssembly module from its base64 bytes: `get()` instantiates it on first
 * use and returns its exports, or null where WebAssembly SIMD is unavailable, so callers fall
 * back to their JavaScript implementation.
 */
export function lazyWasm<T>(base64: string): () => T | null {
  let exports: T | null | undefined;
  return () => {
    if (exports !== undefined) return exports;
    exports = null;
    try {
      if (typeof WebAssembly === "object") {
        const bytes = new Uint8Array(Buffer.from(base64, "base64"));
        if (WebAssembly.validate(bytes)) {
          exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {})
            .exports as unknown as T;
        }
      }
    } catch {
      exports = null;
    }
    return exports;
  };
}
