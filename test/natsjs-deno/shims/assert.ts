// Minimal stand-in for jsr:@std/assert (jsr.io is unreachable here).
import { inspect, isDeepStrictEqual } from "node:util";

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}
const fmt = (v: unknown) => inspect(v, { depth: 6 });
const sfx = (msg?: string) => (msg ? `: ${msg}` : "");

export function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b) || (a === 0 && b === 0)) return true;
  return isDeepStrictEqual(a, b);
}
export function assert(expr: unknown, msg = ""): asserts expr {
  if (!expr) throw new AssertionError(msg || "Assertion failed");
}
export function assertFalse(expr: unknown, msg = ""): void {
  if (expr) throw new AssertionError(msg || "Expected actual to be falsy");
}
export function fail(msg?: string): never {
  throw new AssertionError(`Failed assertion${sfx(msg)}`);
}
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!equal(actual, expected)) {
    throw new AssertionError(
      `Values are not equal${sfx(msg)}\n  actual: ${fmt(actual)}\nexpected: ${fmt(expected)}`,
    );
  }
}
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  if (equal(actual, expected)) {
    throw new AssertionError(`Expected actual: ${fmt(actual)} not to be: ${fmt(expected)}${sfx(msg)}`);
  }
}
export function assertExists<T>(actual: T, msg?: string): asserts actual is NonNullable<T> {
  if (actual === undefined || actual === null) {
    throw new AssertionError(msg || `Expected actual: "${actual}" to not be null or undefined.`);
  }
}
export function assertAlmostEquals(actual: number, expected: number, tolerance?: number, msg?: string): void {
  if (Object.is(actual, expected)) return;
  const t = tolerance ?? Math.abs(expected) * 1e-7;
  if (Math.abs(expected - actual) <= t) return;
  throw new AssertionError(`Expected actual: "${actual}" to be close to "${expected}"${sfx(msg)}`);
}
export function assertArrayIncludes<T>(actual: ArrayLike<T>, expected: ArrayLike<T>, msg?: string): void {
  const missing: unknown[] = [];
  for (let i = 0; i < expected.length; i++) {
    let found = false;
    for (let j = 0; j < actual.length; j++) {
      if (equal(expected[i], actual[j])) { found = true; break; }
    }
    if (!found) missing.push(expected[i]);
  }
  if (missing.length) {
    throw new AssertionError(`Expected actual: "${fmt(actual)}" to include: "${fmt(expected)}"${sfx(msg)}\nmissing: ${fmt(missing)}`);
  }
}
export function assertStringIncludes(actual: string, expected: string, msg?: string): void {
  if (!actual.includes(expected)) {
    throw new AssertionError(`Expected actual: "${actual}" to contain: "${expected}"${sfx(msg)}`);
  }
}
export function assertMatch(actual: string, expected: RegExp, msg?: string): void {
  if (!expected.test(actual)) {
    throw new AssertionError(`Expected actual: "${actual}" to match: "${expected}"${sfx(msg)}`);
  }
}
// deno-lint-ignore no-explicit-any
type Ctor = new (...args: any[]) => any;
export function assertInstanceOf(actual: unknown, expectedType: Ctor, msg = ""): void {
  if (!(actual instanceof expectedType)) {
    throw new AssertionError(msg || `Expected object to be an instance of "${expectedType.name}" but was ${fmt(actual)}`);
  }
}
export function assertIsError(error: unknown, ErrorClass?: Ctor, msgMatches?: string | RegExp, msg?: string): void {
  if (!(error instanceof Error)) throw new AssertionError(`Expected "error" to be an Error object${sfx(msg)}: ${fmt(error)}`);
  if (ErrorClass && !(error instanceof ErrorClass)) {
    throw new AssertionError(`Expected error to be instance of "${ErrorClass.name}", but was "${error?.constructor?.name}" (${error.message})${sfx(msg)}`);
  }
  if (msgMatches !== undefined) {
    const m = error.message;
    const ok = typeof msgMatches === "string" ? m.includes(msgMatches) : msgMatches.test(m);
    if (!ok) throw new AssertionError(`Expected error message to include ${fmt(msgMatches)}, but got "${m}"${sfx(msg)}`);
  }
}
export async function assertRejects(
  fn: () => PromiseLike<unknown>,
  a?: Ctor | string,
  b?: string,
  c?: string,
): Promise<unknown> {
  let ErrorClass: Ctor | undefined;
  let msgIncludes: string | undefined;
  let msg: string | undefined;
  if (typeof a === "string") msg = a;
  else { ErrorClass = a; msgIncludes = b; msg = c; }
  let err: unknown;
  let threw = false;
  try {
    const p = fn();
    if (!p || typeof (p as PromiseLike<unknown>).then !== "function") {
      throw new AssertionError(`Function throws when expected to reject${sfx(msg)}`);
    }
    await p;
  } catch (e) {
    if (e instanceof AssertionError && e.message.startsWith("Function throws")) throw e;
    err = e;
    threw = true;
  }
  if (!threw) throw new AssertionError(`Expected function to reject${sfx(msg)}`);
  if (ErrorClass) assertIsError(err, ErrorClass, msgIncludes, msg);
  return err;
}
export function assertThrows(fn: () => unknown, a?: Ctor | string, b?: string, c?: string): unknown {
  let ErrorClass: Ctor | undefined;
  let msgIncludes: string | undefined;
  let msg: string | undefined;
  if (typeof a === "string") msg = a;
  else { ErrorClass = a; msgIncludes = b; msg = c; }
  let err: unknown;
  let threw = false;
  try { fn(); } catch (e) { err = e; threw = true; }
  if (!threw) throw new AssertionError(`Expected function to throw${sfx(msg)}`);
  if (ErrorClass) assertIsError(err, ErrorClass, msgIncludes, msg);
  return err;
}
