// The few matchers the tests use, on node:assert (the tests run on node's own runner).
import assert from "node:assert/strict";

export function expect(actual: unknown, message?: string) {
  return {
    toBe: (expected: unknown) => assert.equal(actual, expected, message),
    toEqual: (expected: unknown) => assert.deepEqual(actual, expected, message),
    toBeNull: () => assert.equal(actual, null, message),
    toContain: (item: unknown) => assert.ok((actual as unknown[]).includes(item), message ?? `missing ${String(item)}`),
    toHaveProperty: (key: string) => assert.ok(key in (actual as object), message ?? `missing ${key}`),
    not: { toBe: (expected: unknown) => assert.notEqual(actual, expected, message) },
  };
}
