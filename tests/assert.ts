/**
 * Minimal @std/assert-compatible helpers over the `#std/assert` alias (node:assert/strict here).
 * @module
 */
import nodeAssert from "#std/assert";

export function assert(cond: unknown, msg?: string): asserts cond {
  nodeAssert.ok(cond, msg);
}

export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, msg);
}

export function assertAlmostEquals(actual: number, expected: number, tol = 1e-7, msg?: string): void {
  if (!(Math.abs(actual - expected) <= tol)) {
    throw new nodeAssert.AssertionError({
      message: `${msg ? msg + ": " : ""}${actual} != ${expected} (tolerance ${tol}, diff ${
        Math.abs(actual - expected)
      })`,
    });
  }
}

type ErrorClass<E extends Error> = new (...args: never[]) => E;

export function assertThrows<E extends Error = Error>(
  fn: () => unknown,
  cls?: ErrorClass<E>,
  includes?: string,
): E {
  try {
    fn();
  } catch (e) {
    check(e, cls, includes);
    return e as E;
  }
  throw new nodeAssert.AssertionError({ message: "expected the function to throw" });
}

export async function assertRejects<E extends Error = Error>(
  fn: () => Promise<unknown>,
  cls?: ErrorClass<E>,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (e) {
    check(e, cls, includes);
    return e as E;
  }
  throw new nodeAssert.AssertionError({ message: "expected the promise to reject" });
}

function check(e: unknown, cls?: ErrorClass<Error>, includes?: string): void {
  if (cls && !(e instanceof cls)) {
    throw new nodeAssert.AssertionError({
      message: `expected ${cls.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`,
    });
  }
  if (includes && !String((e as Error)?.message).includes(includes)) {
    throw new nodeAssert.AssertionError({
      message: `error message "${(e as Error)?.message}" does not include "${includes}"`,
    });
  }
}
