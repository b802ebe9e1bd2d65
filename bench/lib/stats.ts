/** Median of each numeric field across rounds: the figure reported for a scenario. */
export function medianOf<T extends object>(rounds: readonly T[]): Record<keyof T, number> {
  const out = {} as Record<keyof T, number>;
  const first = rounds[0];
  if (first === undefined) return out;
  for (const key of Object.keys(first) as (keyof T)[]) {
    const values = rounds.map((r) => r[key]).filter((v): v is T[keyof T] & number => typeof v === 'number').sort((a, b) => a - b);
    if (values.length === 0) continue;
    const mid = Math.floor(values.length / 2);
    const m = values.length % 2 === 1 ? (values[mid] as number) : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
    out[key] = Math.round(m * 1000) / 1000;
  }
  return out;
}

export const ratio = (a: number, b: number): number => (b === 0 || !Number.isFinite(a) || !Number.isFinite(b) ? NaN : Math.round((a / b) * 1000) / 1000);

/** Interleaves contenders round by round, rotating who goes first so that warm-up and load drift hit all equally. */
export async function interleaved<K extends string, S>(
  rounds: number,
  contenders: readonly K[],
  measure: (name: K, round: number) => Promise<S>,
): Promise<Record<K, S[]>> {
  const out = Object.fromEntries(contenders.map((c) => [c, [] as S[]])) as Record<K, S[]>;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const name = contenders[(i + round) % contenders.length] as K;
      out[name].push(await measure(name, round));
    }
  }
  return out;
}
