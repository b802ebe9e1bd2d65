# thinkgate container image.
#
#   docker build -t thinkgate .
#   docker run -p 8080:8080 thinkgate                       # demo mode: embedded simulated upstreams
#   docker run -p 8080:8080 --env-file thinkgate.env thinkgate
#
# Configuration: environment variables (PORT, THINKGATE_REASONING_BASE_URL, ...) or a file mounted at
# /app/config/thinkgate.yaml (mount the file, not the directory: config/ also holds the gate's weights).
# Secrets: THINKGATE_REASONING_API_KEY_FILE, THINKGATE_DIRECT_API_KEY_FILE, THINKGATE_API_KEYS_FILE and
# THINKGATE_ADMIN_KEYS_FILE read the value from a file (Docker/Kubernetes secrets).
#
# BASE_IMAGE is a build argument so that machines without registry access can build on a locally
# assembled Debian bookworm + Node image (scripts/test-image.sh); everyone else gets the pinned official one.
ARG BASE_IMAGE=node:22.12.0-bookworm-slim

# ---- build: all dependencies, compile TypeScript ----
FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency needs an install script to compile; none gets to run code at build time.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- deps: production dependencies only ----
FROM ${BASE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force

# ---- runtime ----
FROM ${BASE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="thinkgate" \
      org.opencontainers.image.description="Adaptive-reasoning LLM gateway: OpenAI-compatible proxy routing each request to a reasoning or a direct upstream" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
# A fixed numeric uid (not the base image's `node` user) so that Kubernetes runAsNonRoot can verify it.
RUN echo 'thinkgate:x:10001:10001:thinkgate:/app:/usr/sbin/nologin' >> /etc/passwd \
 && echo 'thinkgate:x:10001:' >> /etc/group
# Code and dependencies stay owned by root: the process can read but not modify them.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# config/ holds the learned gate's weights (read at run time) and the commented example configuration.
COPY config ./config
USER 10001:10001
EXPOSE 8080
# The server drains in-flight requests and streams on SIGTERM (server.shutdownGraceMs, default 30 s), then exits 0.
STOPSIGNAL SIGTERM
# No curl in the image: node's fetch does the probe. (No --start-period: dockerfilelint 1.8 misreads
# hyphenated options; start-up takes well under one interval anyway.)
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# V8 flags as everywhere the gateway starts (src/cli/v8-flags.ts): on the command line, not in NODE_OPTIONS,
# so a deployment that sets its own NODE_OPTIONS (deploy/k8s sets the old-space size) keeps them.
ENTRYPOINT ["node", "--min-semi-space-size=8", "--max-semi-space-size=32", "dist/cli/main.js"]
CMD ["serve"]
