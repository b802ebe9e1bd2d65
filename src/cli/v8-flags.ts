/**
 * The V8 flags the gateway is started with, wherever it is started: `npm start` (package.json), the `thinkgate`
 * command (the shebang of src/cli/main.ts), the container image's ENTRYPOINT (which the compose file and the
 * Kubernetes manifests run) and the benchmark. A test (test/deploy/v8-flags.test.ts) keeps those places equal to
 * this list. They cannot be set from inside the process: V8 sizes the heap when the isolate is created, so
 * `v8.setFlagsFromString` at start-up leaves the young generation at its default size.
 *
 * `--max-semi-space-size` (MB): the young generation's semi-spaces may grow to this size, up from 16 MB. With
 * 16 MB, a scavenge came every ~300 requests under load and the collector fell, run by run, into either of two
 * modes: objects of requests still in flight survive two scavenges and are promoted (~8 KB per request, then
 * mark-compacts: 44–56 µs of GC per request) or they die young (9–10 µs). Larger semi-spaces space scavenges
 * further apart than a request lives; the measurements behind the size are in docs/benchmarks.md.
 */
export const GATEWAY_V8_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
