import { seededRandom } from './prng.js';

/**
 * Deterministic data augmentation. The failure it targets: a model that learns "maths-looking text → reasoning"
 * sends "translate this maths problem" to reasoning. Wrapping reasoning prompts in direct-task instructions
 * (labelled direct) teaches that the task frame, not the material, decides.
 */

export type Label = 'reasoning' | 'direct';

export interface LabelledPrompt {
  id: string;
  prompt: string;
  label: Label;
  lang: string;
  source: string;
  category?: string;
  license?: string;
}

type Template = (prompt: string) => string;

/** Frames used for training. */
export const TRAIN_FRAMES: readonly Template[] = [
  (p) => `Translate into Chinese:\n${p}`,
  (p) => `Translate the following into French:\n\n${p}`,
  (p) => `Summarise this in one sentence: ${p}`,
  (p) => `Rewrite the following more politely:\n${p}`,
  (p) => `Proofread this text and fix any typos:\n${p}`,
  (p) => `Paraphrase: ${p}`,
  (p) => `${p}\n\nTranslate the text above into Spanish.`,
  (p) => `请把下面这段话翻译成英文：\n${p}`,
  (p) => `润色一下：${p}`,
  (p) => `帮我概括一下这段内容：${p}`,
  (p) => `把下面这道题改写得更通俗一些：\n${p}`,
  (p) => `${p}\n\n请将上文翻译成英文。`,
  (p) => `总结下面文字的要点：${p}`,
  (p) => `请检查下面这段文字有没有错别字：${p}`,
];

/** Different wording, never trained on: used only to measure the translated-maths failure out of sample. */
export const HELD_OUT_FRAMES: readonly Template[] = [
  (p) => `Please translate this word problem into German: ${p}`,
  (p) => `Can you give me a short summary of the following text? ${p}`,
  (p) => `Make this sound more formal:\n${p}`,
  (p) => `请把这道题翻译成日语：${p}`,
  (p) => `用一句话概括下面的内容：\n${p}`,
  (p) => `帮我把这段话改得更正式一点：${p}`,
];

export const AUGMENT_SOURCE_PREFIX = 'framed:';

/** Longest prompt wrapped: framing a 5 KB exam paper is not a realistic request. */
const MAX_FRAMED_CHARS = 1500;

/**
 * Wraps a deterministic `share` of the reasoning prompts in a direct-task frame. The copies keep the source name with
 * a prefix, so leave-one-source-out folds can drop them together with their source.
 */
export function framedCopies(rows: readonly LabelledPrompt[], frames: readonly Template[], share: number, seed: number): LabelledPrompt[] {
  const random = seededRandom(seed);
  const copies: LabelledPrompt[] = [];
  for (const row of rows) {
    const pick = random();
    const frameIndex = Math.floor(random() * frames.length);
    if (row.label !== 'reasoning' || row.prompt.length > MAX_FRAMED_CHARS || pick >= share) continue;
    const frame = frames[frameIndex];
    if (frame === undefined) continue;
    copies.push({ ...row, id: `${row.id}#framed`, prompt: frame(row.prompt), label: 'direct', source: `${AUGMENT_SOURCE_PREFIX}${row.source}`, category: 'framed' });
  }
  return copies;
}
