/**
 * Checks of the JSON payloads workflow code receives (signals, workflow input), written without zod:
 * workflow code is bundled, and the bundle's modules are loaded again for every cached workflow, so zod
 * would cost its weight once per workflow. Only what workflow payloads need is here.
 *
 * A problem reads `<JSON path>: <rule broken>`, the rule in zod's words unless the caller names it, so a
 * payload is described the same whether a zod schema on the sender or these checks in a workflow rejected
 * it. A check adds what is wrong with a value to `problems` and returns the value as read, objects without
 * the keys they do not know (as zod's objects); the value means something only when no problem was added.
 */
export type Check<T> = (value: unknown, path: string, problems: string[]) => T;

/** zod's name of a JSON value it did not expect: `undefined`, `null`, `array`, `NaN`, `Infinity`, or its type. */
function received(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? 'number' : String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

const invalidType = (expected: string, value: unknown) =>
  `Invalid input: expected ${expected}, received ${received(value)}`;

function report(problems: string[], path: string, message: string): void {
  problems.push(`${path}: ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What zod's length rules measure: the code points of a string, the `length` of any other value that has
 * one. They measure a value of the wrong type too (an empty array is not a non-empty string twice over).
 */
function lengthOf(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return [...value].length;
  return (value as { length?: number }).length;
}

/** An object with these fields (an absent optional field stays absent); other keys are left out. */
export function object<T extends object>(
  fields: { [K in keyof T]-?: Check<T[K]> },
  optional: readonly (keyof T & string)[] = [],
): Check<T> {
  return (value, path, problems) => {
    if (!isObject(value)) {
      report(problems, path, invalidType('object', value));
      return value as T;
    }
    const read: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(fields) as [keyof T & string, Check<unknown>][]) {
      const isOptional = optional.includes(key);
      if (isOptional && !(key in value)) continue;
      read[key] = isOptional && value[key] === undefined ? undefined : check(value[key], `${path}.${key}`, problems);
    }
    return read as T;
  };
}

/** An array of elements that pass `element`; past `limit.max` elements only the limit is reported. */
export function arrayOf<T>(element: Check<T>, limit?: { max: number; message: string }): Check<T[]> {
  return (value, path, problems) => {
    const length = lengthOf(value);
    const tooLong = limit !== undefined && length !== undefined && !(length <= limit.max);
    if (!Array.isArray(value)) {
      report(problems, path, invalidType('array', value));
      if (tooLong) report(problems, path, limit.message);
      return value as T[];
    }
    if (tooLong) {
      report(problems, path, limit.message);
      return value as T[];
    }
    return Array.from(value, (item, i) => element(item, `${path}[${i}]`, problems));
  };
}

/** A string; with `rule`, one that passes `rule.test` (`rule.message` says what it must be). */
export function string(rule?: { test: (text: string) => boolean; message: string }): Check<string> {
  return (value, path, problems) => {
    if (typeof value !== 'string') report(problems, path, invalidType('string', value));
    else if (rule && !rule.test(value)) report(problems, path, rule.message);
    return value as string;
  };
}

/** A string of at least one character; `message` says so. */
export function nonEmptyString(message: string): Check<string> {
  return (value, path, problems) => {
    if (typeof value !== 'string') report(problems, path, invalidType('string', value));
    const length = lengthOf(value);
    if (length !== undefined && !(length >= 1)) report(problems, path, message);
    return value as string;
  };
}

/** A string that passes `test`; `message` is also what a value of another type is told. */
export function stringThat(test: (text: string) => boolean, message: string): Check<string> {
  return (value, path, problems) => {
    if (typeof value !== 'string' || !test(value)) report(problems, path, message);
    return value as string;
  };
}

/** One of `values`; `message` is what anything else is told. */
export function oneOf<const V extends readonly string[]>(values: V, message: string): Check<V[number]> {
  return (value, path, problems) => {
    if (!(values as readonly unknown[]).includes(value)) report(problems, path, message);
    return value as V[number];
  };
}

/**
 * A safe integer of at least `min`: the rules of zod's `z.number().int().min(min)`, with its messages
 * unless `messages` names them (`number` for a non-number, `integer` for a fraction or an unsafe integer).
 */
export function integer(
  min: number,
  messages: { number?: string; integer?: string; min?: string } = {},
): Check<number> {
  return (value, path, problems) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      report(problems, path, messages.number ?? invalidType('number', value));
    } else if (!Number.isInteger(value)) {
      report(problems, path, messages.integer ?? invalidType('int', value));
    } else {
      // Past the safe range zod reports the range and goes on to the minimum.
      if (!Number.isSafeInteger(value)) {
        const range =
          value > 0
            ? `Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}`
            : `Too small: expected int to be >=${Number.MIN_SAFE_INTEGER}`;
        report(problems, path, messages.integer ?? range);
      }
      if (value < min) report(problems, path, messages.min ?? `Too small: expected number to be >=${min}`);
    }
    return value as number;
  };
}
