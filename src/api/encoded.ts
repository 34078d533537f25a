import { z } from 'zod';

/**
 * A response already checked against its schema and written as JSON. A
 * search worker answers the heavy reads this way, so the thread answering
 * HTTP copies one string instead of cloning, checking and writing out every
 * hit itself: it only sends the text. The check is the one the route's
 * serializer makes (zod's encode, then JSON), so the answer is the same.
 */
export type Encoded<T> = string & { readonly __encodes: T };

export function encodeJson<S extends z.ZodType>(schema: S, data: z.output<S>): Encoded<z.output<S>> {
  return JSON.stringify(z.encode(schema, data)) as Encoded<z.output<S>>;
}

export function isEncoded<T>(answer: T | Encoded<T>): answer is Encoded<T> {
  return typeof answer === 'string';
}

/** The answer as an object, for the few callers that read it (a feed made from a timeline). */
export function decoded<T>(answer: T | Encoded<T>): T {
  return isEncoded(answer) ? (JSON.parse(answer) as T) : answer;
}
