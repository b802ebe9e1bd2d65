/**
 * The one completion every bench server answers: the fake upstream (as pre-serialised bytes), the bare fastify
 * route and thinkgate's constant route. One definition, so the ceilings and the upstream send the same JSON.
 */
export const BENCH_USAGE = { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 };

export const BENCH_COMPLETION = {
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'The answer is 42. It is a fixed answer.' }, finish_reason: 'stop', logprobs: null }],
  usage: BENCH_USAGE,
};
