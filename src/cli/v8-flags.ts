/**
 * The V8 flags the gateway is started with, wherever it is started: `npm start` (package.json), the `thinkgate`
 * command (the shebang of src/cli/main.ts), the container image's ENTRYPOINT (which the compose file and the
 * Kubernetes manifests run) and the benchmark. A test (test/deploy/v8-flags.test.ts) keeps those places equal to
 * this list. They cannot be set from inside the process: V8 sizes the heap when the isolate is created, so
 * `v8.setFlagsFromString` at start-up leaves the young generation at its default size.
 *
 * Why (measurements in docs/benchmarks.md, "A steady garbage collector"): V8 sizes the young generation's
 * semi-spaces between 1 MB and 16 MB by itself, and shrinks them when allocation slows. A request allocates
 * ~45 KB and lives while ~64 others complete (64 connections); with small semi-spaces a scavenge comes every few
 * dozen requests, the objects of requests in flight survive two scavenges and are promoted (~3–8 KB per request,
 * then mark-compacts), and CPU per request rose by up to 40 % in the runs where that happened.
 * - `--min-semi-space-size=8` (MB): never below 8 MB, a scavenge at most every ~180 requests, so a request's objects
 *   die young; promotion fell to ~1 KB per request. 8, not 16: 16 MB raised idle RSS by ~14 MB (to ~120 MB).
 * - `--max-semi-space-size=32` (MB): under load the semi-spaces may grow to 32 MB (fewer scavenges) for ~+30 MB
 *   RSS under load.
 */
export const GATEWAY_V8_FLAGS: readonly string[] = ['--min-semi-space-size=8', '--max-semi-space-size=32'];
