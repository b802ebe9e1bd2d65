#!/usr/bin/env bash
# Builds the thinkgate container image from ./Dockerfile with buildah and tests the real image:
# start it, /healthz, /readyz, the image's own HEALTHCHECK, auth, one non-streaming and one streaming chat
# request through two fake upstreams (keys read through *_FILE secrets), then SIGTERM with a stream in
# flight (graceful drain, exit 0). Works without a Docker engine and without an image registry:
#
#   * the base image is assembled locally when it is missing: `debootstrap --variant=minbase bookworm`
#     plus this machine's node + npm, committed with buildah (override with BASE_IMAGE=... to use another);
#   * the Dockerfile is built with `buildah build --isolation chroot --pull=never --build-arg BASE_IMAGE=...`
#     (npm ci inside the build needs the npm registry);
#   * the container runs with `buildah from` + `buildah run --isolation chroot` on the host network
#     (`podman run` fails on rlimits on these machines).
#
# Exit codes: 0 passed; 1 the image or the Dockerfile is broken (build or smoke test failed);
# 77 skipped: the tools or the privileges are missing (nothing is known about the image).
#
# Environment: BASE_IMAGE, IMAGE (default localhost/thinkgate:test), THINKGATE_IMAGE_CACHE (where the base
# rootfs is assembled, default /var/tmp/thinkgate-image), DEBIAN_MIRROR, KEEP_IMAGE=1 (keep the built image),
# REUSE_IMAGE=1 (test an existing $IMAGE without rebuilding; with KEEP_IMAGE=1 for quick iterations).
set -euo pipefail
cd "$(dirname "$0")/.."

SKIP=77
NODE_BIN="$(command -v node || true)"
NODE_VERSION="$("$NODE_BIN" --version 2>/dev/null || echo unknown)"
BASE_IMAGE="${BASE_IMAGE:-localhost/thinkgate-base:bookworm-node-${NODE_VERSION#v}}"
IMAGE="${IMAGE:-localhost/thinkgate:test}"
CACHE="${THINKGATE_IMAGE_CACHE:-/var/tmp/thinkgate-image}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
WORK="$(mktemp -d /tmp/thinkgate-image-test.XXXXXX)"
CONTAINER=""

log() { printf '[test-image %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
skip() { log "SKIP: $*"; exit "$SKIP"; }
fail() { log "FAIL: $*"; exit 1; }

cleanup() {
  if [ -n "$CONTAINER" ]; then buildah rm "$CONTAINER" >/dev/null 2>&1 || true; fi
  if [ "${KEEP_IMAGE:-0}" != "1" ]; then buildah rmi "$IMAGE" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- preflight: tools and privileges (missing ones skip, they say nothing about the image) ----
command -v buildah >/dev/null || skip "buildah is not installed (apt-get install -y buildah debootstrap)"
[ -n "$NODE_BIN" ] || skip "node is not on PATH"
buildah info >/dev/null 2>&1 || skip "buildah cannot run here: $(buildah info 2>&1 | tail -1)"

# One run at a time per machine: runs share the base rootfs cache and the image names.
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock -w 900 9 || skip "another image test still holds $CACHE/.lock"

image_exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# ---- base image: Debian bookworm minbase + this machine's node and npm ----
build_base() {
  command -v debootstrap >/dev/null || skip "base image $BASE_IMAGE is missing and debootstrap is not installed"
  [ "$(id -u)" = "0" ] || skip "base image $BASE_IMAGE is missing and debootstrap needs root"
  local rootfs="$CACHE/rootfs"
  mkdir -p "$CACHE"
  if [ ! -x "$rootfs/bin/bash" ]; then
    log "assembling Debian bookworm minbase in $rootfs (debootstrap from $MIRROR)"
    rm -rf "$CACHE/rootfs.partial"
    timeout 600 debootstrap --variant=minbase bookworm "$CACHE/rootfs.partial" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
      || skip "debootstrap failed (network or privileges; see $CACHE/debootstrap.log)"
    mv "$CACHE/rootfs.partial" "$rootfs"
  fi
  log "adding node $NODE_VERSION and npm from this machine"
  local npm_root
  npm_root="$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)"
  install -D -m 0755 "$NODE_BIN" "$rootfs/usr/local/bin/node"
  rm -rf "$rootfs/usr/local/lib/node_modules/npm"
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  cp -a "$npm_root" "$rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  # Machines behind a TLS-inspecting egress proxy trust an extra CA: the build's `npm ci` must trust it too.
  # Only this local stand-in base carries it; the official node image needs nothing of the sort.
  local ca_env=()
  local host_ca="${NODE_EXTRA_CA_CERTS:-${SSL_CERT_FILE:-}}"
  if [ -n "$host_ca" ] && [ -f "$host_ca" ]; then
    install -D -m 0644 "$host_ca" "$rootfs/etc/ssl/certs/ca-certificates.crt"
    ca_env=(--env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)
    log "base trusts this machine's CA bundle ($host_ca)"
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$WORK/base.tar" .
  local ctr
  ctr="$(buildah from scratch)"
  buildah add "$ctr" "$WORK/base.tar" / >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="${NODE_VERSION#v}" "${ca_env[@]}" --workingdir / --cmd node \
    --label org.opencontainers.image.description="Debian bookworm minbase + node ${NODE_VERSION} (local stand-in for node:*-bookworm-slim)" "$ctr"
  buildah commit --rm "$ctr" "$BASE_IMAGE" >/dev/null
  rm -f "$WORK/base.tar"
  log "base image $BASE_IMAGE committed"
}

if image_exists "$BASE_IMAGE"; then
  log "base image $BASE_IMAGE present"
else
  build_base
fi

# Privilege probe: if a trivial chroot run fails, this environment cannot build either (not the Dockerfile's fault).
probe_ctr="$(buildah from --pull=never "$BASE_IMAGE" 2>/dev/null)" || skip "buildah from $BASE_IMAGE failed"
if ! buildah run --isolation chroot "$probe_ctr" -- node -e 'process.exit(0)' >/dev/null 2>"$WORK/probe.err"; then
  buildah rm "$probe_ctr" >/dev/null 2>&1 || true
  skip "buildah run --isolation chroot does not work here: $(tail -1 "$WORK/probe.err")"
fi
buildah rm "$probe_ctr" >/dev/null

# ---- build the Dockerfile (a failure here is the Dockerfile's) ----
if [ "${REUSE_IMAGE:-0}" = "1" ] && image_exists "$IMAGE"; then
  log "REUSE_IMAGE=1: testing the existing $IMAGE without rebuilding"
else
  log "building $IMAGE from Dockerfile (BASE_IMAGE=$BASE_IMAGE)"
  build_started=$(date +%s)
  # --format docker keeps HEALTHCHECK (the OCI image config has no field for it).
  if ! timeout 900 buildah build --isolation chroot --pull=never --format docker --layers=false \
      --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$IMAGE" -f Dockerfile . >"$WORK/build.log" 2>&1; then
    tail -40 "$WORK/build.log"
    # The registry out of reach (offline runner, TLS interception without its CA) says nothing about the Dockerfile.
    if grep -Eq 'npm error code (ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)' "$WORK/build.log"; then
      skip "the npm registry is not reachable from the build (see the npm error above)"
    fi
    fail "image build failed"
  fi
  log "built in $(( $(date +%s) - build_started )) s"
fi
log "image: $(buildah images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$IMAGE" | head -1)"

# ---- what the image declares ----
config_json="$(buildah inspect --type image "$IMAGE" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify(JSON.parse(s).Docker.config)))')"
read_config() { node -e 'const c=JSON.parse(process.argv[1]);const v=process.argv[2].split(".").reduce((o,k)=>o==null?o:o[k],c);process.stdout.write(typeof v==="string"?v:JSON.stringify(v??null))' "$config_json" "$1"; }
log "user=$(read_config User) workdir=$(read_config WorkingDir) stopsignal=$(read_config StopSignal) exposed=$(read_config ExposedPorts)"
log "entrypoint=$(read_config Entrypoint) cmd=$(read_config Cmd)"
[ "$(read_config User)" != "" ] && [ "$(read_config User)" != "root" ] && [ "$(read_config User)" != "0" ] || fail "image runs as root"
[ "$(read_config StopSignal)" = "SIGTERM" ] || fail "STOPSIGNAL is not SIGTERM"
env_has() { read_config Env | grep -q "\"$1\""; }
env_has NODE_ENV=production || fail "NODE_ENV=production is not set"
# The healthcheck's exec form: ["CMD", "node", "-e", "..."].
healthcheck_script="$(node -e 'const h=JSON.parse(process.argv[1]).Healthcheck;if(!h||h.Test[0]!=="CMD"||h.Test[1]!=="node")process.exit(1);process.stdout.write(h.Test[3])' "$config_json")" \
  || fail "HEALTHCHECK is missing or not a node one-liner"
# No dev dependency and no test code in the runtime image.
CONTAINER="$(buildah from --pull=never "$IMAGE")"
if buildah run --isolation chroot "$CONTAINER" -- node -e 'require("fs").accessSync("node_modules/vitest")' >/dev/null 2>&1; then
  fail "dev dependencies (vitest) are in the runtime image"
fi
buildah run --isolation chroot "$CONTAINER" -- node -e 'require("fs").accessSync("dist/cli/main.js");require("fs").accessSync("config")' \
  || fail "dist/ or config/ missing in the image"

# ---- run it: fake upstreams, container, checks, SIGTERM ----
PORT="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
mkdir -p "$WORK/secrets" && chmod 0755 "$WORK" "$WORK/secrets"
# The driver puts the container's environment into ours; pass each variable into the container by name.
env_names=(PORT HOST LOG_LEVEL THINKGATE_REASONING_BASE_URL THINKGATE_REASONING_MODEL THINKGATE_REASONING_API_KEY_FILE
  THINKGATE_DIRECT_BASE_URL THINKGATE_DIRECT_MODEL THINKGATE_DIRECT_API_KEY_FILE THINKGATE_API_KEYS_FILE)
entry="$(node -e 'const c=JSON.parse(process.argv[1]);console.log([...(c.Entrypoint??[]),...(c.Cmd??[])].map(a=>JSON.stringify(a)).join(" "))' "$config_json")"
run_cmd='args=(); for n in '"${env_names[*]}"'; do args+=(-e "$n=${!n}"); done
exec buildah run --isolation chroot -v "'"$WORK/secrets"':/run/secrets:ro" "${args[@]}" "'"$CONTAINER"'" -- '"$entry"
probe_cmd="buildah run --isolation chroot -e PORT=$PORT $CONTAINER -- node -e $(printf '%q' "$healthcheck_script")"
# `buildah run` does not pass SIGTERM on to the container (it ends it at once), so deliver the image's
# STOPSIGNAL to the container's main process directly, as a container runtime does: the node process below
# buildah (chroot isolation shares the host's PID namespace).
stop_signal="$(read_config StopSignal)"
container_main_pid() {
  local queue=("$1") p c
  while [ ${#queue[@]} -gt 0 ]; do
    p=${queue[0]}; queue=("${queue[@]:1}")
    if [ "$(ps -o comm= -p "$p")" = node ]; then echo "$p"; return 0; fi
    for c in $(ps -o pid= --ppid "$p"); do queue+=("$c"); done
  done
  return 1
}
stop_cmd="$(declare -f container_main_pid)
main=\$(container_main_pid \"\$SMOKE_CHILD_PID\") || { echo 'no node process under the container command' >&2; exit 1; }
echo \"[test-image] kill -s ${stop_signal#SIG} \$main (the container's main process)\" >&2
kill -s ${stop_signal#SIG} \"\$main\""
log "starting the container on 127.0.0.1:$PORT (host network) with two fake upstreams"
if ! timeout 300 node_modules/.bin/tsx scripts/image-smoke.ts --port "$PORT" --secrets-dir "$WORK/secrets" \
    --secrets-mount /run/secrets --probe "$probe_cmd" --stop-command "$stop_cmd" -- bash -c "$run_cmd"; then
  fail "smoke test against the image failed"
fi
# ---- demo mode: no configuration at all, the embedded simulated upstreams answer ----
log "demo mode: the image with no configuration"
demo_out="$WORK/demo.log"
buildah run --isolation chroot -e PORT="$PORT" "$CONTAINER" -- $(read_config Entrypoint | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).join(" ")))') serve >"$demo_out" 2>&1 &
demo_pid=$!
demo_ok=0
if timeout 60 node -e '
  const url = `http://127.0.0.1:${process.argv[1]}`;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  (async () => {
    for (let i = 0; i < 120; i++) {
      try { const h = await (await fetch(`${url}/healthz`)).json(); if (h.mode !== "demo") throw new Error(`mode ${h.mode}`); break; }
      catch (e) { if (String(e.message).startsWith("mode")) throw e; await sleep(250); }
    }
    const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "auto", messages: [{ role: "user", content: "hello" }] }) });
    const body = await res.json();
    if (res.status !== 200 || !String(body.choices?.[0]?.message?.content).includes("simulated")) throw new Error(`chat: ${res.status} ${JSON.stringify(body)}`);
    console.log(JSON.stringify({ check: "demo mode answers with the simulated upstreams", ok: true, route: res.headers.get("x-thinkgate-route") }));
  })().catch((e) => { console.log(JSON.stringify({ check: "demo mode", ok: false, error: e.message })); process.exit(1); });
' "$PORT"; then demo_ok=1; fi
grep -q 'DEMO MODE' "$demo_out" || { demo_ok=0; log "no demo banner in the output"; }
# Stop it the same way: the image's STOPSIGNAL to the node process under buildah.
main_pid="$(container_main_pid "$demo_pid" || true)"
if [ -n "$main_pid" ]; then kill -s "${stop_signal#SIG}" "$main_pid" 2>/dev/null || true; fi
wait "$demo_pid" 2>/dev/null || true
[ "$demo_ok" = 1 ] || { tail -20 "$demo_out"; fail "demo mode check failed"; }

log "PASS: $IMAGE builds, runs (configured and demo), answers, and drains on SIGTERM"
