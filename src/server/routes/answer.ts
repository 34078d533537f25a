import type { FastifyReply } from 'fastify';
import { isEncoded, type Encoded } from '../../api/encoded.js';

/**
 * A read's answer: as it is when it comes as an object (the route's schema
 * checks and writes it), or sent as it is when a search worker has already
 * checked it and written it as JSON.
 */
export function sendAnswer<T>(reply: FastifyReply, answer: T | Encoded<T>): T | FastifyReply {
  return isEncoded(answer) ? reply.type('application/json; charset=utf-8').send(answer) : answer;
}
