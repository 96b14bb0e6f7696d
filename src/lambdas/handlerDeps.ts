/**
 * What every handler factory takes: its dependencies, or a function that
 * builds them. A function is called once, on the first invocation (the cold
 * start), so a module can create its handler at import without reading the
 * environment yet; tests pass the dependencies themselves.
 */
export type Lazy<T> = T | (() => T);

/** Resolves `deps` on the first call and keeps the result. @internal */
export function resolvedOnce<T extends object>(deps: Lazy<T>): () => T {
  let resolved: T | undefined = typeof deps === 'function' ? undefined : deps;
  return () => {
    resolved ??= (deps as () => T)();
    return resolved;
  };
}
