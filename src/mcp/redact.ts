/**
 * Keeps agent session secrets away from the model: tool results pass
 * through {@linkcode withoutSecrets} before they are shown.
 *
 * @module
 */

/** A copy of `value` with every `arcdeno.secret` field removed. */
export function withoutSecrets<T>(value: T): T {
  return strip(value) as T;
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === "arcdeno" && typeof inner === "object" && inner !== null) {
      const { secret: _secret, ...rest } = inner as Record<string, unknown>;
      out[key] = strip(rest);
    } else {
      out[key] = strip(inner);
    }
  }
  return out;
}
