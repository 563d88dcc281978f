/** Where the proxy listens unless told: loopback, any free port. */
export interface ListenAddress {
  host: string;
  /** 0 for any free port. */
  port: number;
}

export const DEFAULT_LISTEN: ListenAddress = { host: "127.0.0.1", port: 0 };

/** Largest request body the proxy takes unless told. */
export const DEFAULT_MAX_BODY = 64 * 1024 ** 2;
