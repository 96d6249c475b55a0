/** Keys that reach an object's prototype when a parsed body is merged with `Object.assign` or a deep merge. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first reason a parsed JSON value is unsafe to hand on, or `undefined`: an object or array nested deeper than
 * `maxDepth` (the value itself is level 1), or a key among `__proto__`, `constructor` and `prototype` at any depth
 * (`JSON.parse` keeps `"__proto__"` as an own key; a merge downstream would then set a prototype). Iterative and
 * linear in the size of the value; it never looks below `maxDepth`, so a deeply nested value costs nothing.
 */
export function untrustedJsonProblem(value: unknown, maxDepth: number): string | undefined {
  // Two parallel stacks (no pair allocated per node): objects still to look into, and their depths.
  const nodes: object[] = [];
  const depths: number[] = [];
  const visit = (node: unknown, depth: number) => {
    if (typeof node !== 'object' || node === null) return;
    nodes.push(node);
    depths.push(depth);
  };
  visit(value, 1);
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) return `nest deeper than ${maxDepth} levels`;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      continue;
    }
    for (const key of Object.keys(node)) {
      if (PROTOTYPE_KEYS.has(key)) return `must not use the key ${JSON.stringify(key)}`;
      visit((node as Record<string, unknown>)[key], depth + 1);
    }
  }
  return undefined;
}
