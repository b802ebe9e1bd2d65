import { promisify } from 'node:util';
import { deflateRaw, inflateRaw, constants as zlibConstants } from 'node:zlib';
import type { Usage } from '../core/types.js';
import type { Tier } from '../config/schema.js';

/**
 * One stored answer: the final completion as the JSON text the non-stream path sends (so a non-stream hit is
 * sent without re-serialising), and the tier that produced it (cross-tier reuse reads it).
 */
export interface CacheEntry {
  tier: Tier;
  json: string;
  /** ms since epoch when stored. */
  storedAt: number;
  /**
   * The answer's usage, once known (set when stored here, or on the first hit of an entry read from Redis):
   * a JSON hit sends `json` as is and needs nothing else from the answer.
   */
  usage?: Usage | null;
}

/**
 * Per-entry memory that is not the answer text: the key string, string and object headers, the LRU's map slot and
 * list arrays (320 bytes, measured with bench/cache.bench.ts: heap growth per entry minus the JSON bytes, rounded
 * up), plus the answer's `usage` object kept for hits (~140 bytes with its details; charged whether or not it is
 * there yet, since an entry read from Redis gets it on its first hit, after it was sized).
 */
const ENTRY_OVERHEAD_BYTES = 320 + 160;

/**
 * Memory charged to an entry. UTF-8 length bounds V8's string memory from above (one byte per ASCII char,
 * two per other BMP char where UTF-8 spends two or three), so the LRU's byte bound is never an undercount.
 */
export const entrySize = (key: string, entry: CacheEntry): number => Buffer.byteLength(entry.json) + 2 * key.length + ENTRY_OVERHEAD_BYTES;

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

const FORMAT_PLAIN = 1;
const FORMAT_DEFLATE = 2;
const TIER_BYTE: Record<Tier, number> = { reasoning: 0x72, direct: 0x64 };
const HEADER_BYTES = 10;

/** Redis value: [format][tier][storedAt float64 BE][JSON, deflated when larger than `compressAbove` bytes]. */
export async function encodeEntry(entry: CacheEntry, compressAbove: number): Promise<Buffer> {
  const raw = Buffer.from(entry.json, 'utf8');
  const compress = raw.length > compressAbove;
  const body = compress ? await deflate(raw, { level: zlibConstants.Z_BEST_SPEED }) : raw;
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header[0] = compress ? FORMAT_DEFLATE : FORMAT_PLAIN;
  header[1] = TIER_BYTE[entry.tier];
  header.writeDoubleBE(entry.storedAt, 2);
  return Buffer.concat([header, body]);
}

/** Inverse of encodeEntry; undefined for anything it did not write (another version, corruption). */
export async function decodeEntry(buf: Buffer): Promise<CacheEntry | undefined> {
  if (buf.length < HEADER_BYTES) return undefined;
  const format = buf[0];
  const tier: Tier | undefined = buf[1] === TIER_BYTE.reasoning ? 'reasoning' : buf[1] === TIER_BYTE.direct ? 'direct' : undefined;
  if (tier === undefined || (format !== FORMAT_PLAIN && format !== FORMAT_DEFLATE)) return undefined;
  const body = buf.subarray(HEADER_BYTES);
  const json = format === FORMAT_DEFLATE ? (await inflate(body)).toString('utf8') : body.toString('utf8');
  return { tier, json, storedAt: buf.readDoubleBE(2) };
}
