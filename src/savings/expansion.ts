import type { TokenCounts } from './prices.js';

/**
 * What always-reasoning would have spent, learned from the proxy's own reasoning calls, by prompt-length band:
 * - expansion factor = Σ(reasoning + answer tokens) / Σ(answer tokens), a ratio of sums (robust to tiny answers);
 * - latency per completion token = Σ latency / Σ completion tokens.
 * A band answers with its learned value once it has `minSamples` calls, with the configured prior before that.
 */
export interface ExpansionOptions {
  prior: number;
  latencyPriorMsPerToken: number;
  minSamples: number;
  /** Ascending prompt-token edges; n edges make n + 1 bands. */
  bands: readonly number[];
}

interface BandStats {
  samples: number;
  completionTokens: number;
  answerTokens: number;
  latencyMs: number;
}

export interface ExpansionEstimate {
  factor: number;
  msPerToken: number;
  /** True when learned from at least `minSamples` calls in this band, false when it is the prior. */
  learned: boolean;
  samples: number;
  band: string;
}

export class ExpansionModel {
  private readonly bands: BandStats[];
  private readonly edges: number[];

  constructor(private readonly opts: ExpansionOptions) {
    this.edges = [...new Set(opts.bands)].sort((a, b) => a - b);
    this.bands = Array.from({ length: this.edges.length + 1 }, () => ({ samples: 0, completionTokens: 0, answerTokens: 0, latencyMs: 0 }));
  }

  bandIndex(promptTokens: number): number {
    let i = 0;
    while (i < this.edges.length && promptTokens >= (this.edges[i] as number)) i++;
    return i;
  }

  bandName(index: number): string {
    const lo = index === 0 ? 0 : (this.edges[index - 1] as number);
    const hi = this.edges[index];
    return hi === undefined ? `${lo}+` : `${lo}-${hi - 1}`;
  }

  /** Learns from a completed, measured (not estimated) reasoning call. Calls that report no reasoning teach nothing. */
  observe(tokens: TokenCounts, latencyMs: number): void {
    const answer = tokens.completion - tokens.reasoning;
    if (tokens.reasoning <= 0 || answer <= 0) return;
    const band = this.bands[this.bandIndex(tokens.prompt)] as BandStats;
    band.samples++;
    band.completionTokens += tokens.completion;
    band.answerTokens += answer;
    band.latencyMs += Math.max(0, latencyMs);
  }

  estimate(promptTokens: number): ExpansionEstimate {
    const index = this.bandIndex(promptTokens);
    const band = this.bands[index] as BandStats;
    const learned = band.samples >= this.opts.minSamples;
    return {
      factor: learned ? Math.max(1, band.completionTokens / band.answerTokens) : this.opts.prior,
      msPerToken: learned ? band.latencyMs / band.completionTokens : this.opts.latencyPriorMsPerToken,
      learned,
      samples: band.samples,
      band: this.bandName(index),
    };
  }

  /** For `/v1/stats`: every band's current estimate. */
  snapshot(): ExpansionEstimate[] {
    return this.bands.map((_, i) => this.estimate(i === 0 ? 0 : (this.edges[i - 1] as number)));
  }
}
