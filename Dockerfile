# syntax=docker/dockerfile:1
# The worker and the bridge: one image, two commands (`pipeline worker`, `pipeline bridge`), compiled
# code only. Build with the release as the tag; it becomes the Worker Versioning build id (an image
# built without one has no build id, and its worker refuses to start):
#   docker build --build-arg BUILD_ID=0.3.0 -t game-day-pipeline:0.3.0 .
ARG NODE_VERSION=24

# 1. Compile (tsc to dist/) and prebuild the workflow bundle, with the dev dependencies.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
COPY worker/ worker/
COPY scripts/bundle-workflows.ts scripts/
RUN npm run build

# 2. Production dependencies only.
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error
# Only this platform's build of Temporal's core bridge (the package ships five, ~30 MB each) and no
# Rust sources.
RUN keep="$(node -p "({ x64: 'x86_64', arm64: 'aarch64' })[process.arch] + '-unknown-linux-gnu'")" \
 && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} + \
 && rm -rf node_modules/@temporalio/core-bridge/sdk-core node_modules/@temporalio/core-bridge/src \
 && test -f "node_modules/@temporalio/core-bridge/releases/$keep/index.node"

# 3. The runtime: no compiler, no sources, no tsx; tini forwards SIGTERM so both processes drain.
FROM node:${NODE_VERSION}-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ARG BUILD_ID
# NODE_ENV=production makes the configuration production's (PIPELINE_ENV): no emulator or local
# address is ever assumed. The local compose file sets PIPELINE_ENV=local explicitly.
ENV NODE_ENV=production \
    TEMPORAL_WORKER_VERSIONING=true \
    LOG_FORMAT=gcp \
    TEMPORAL_WORKER_BUILD_ID=${BUILD_ID} \
    WORKER_METRICS_HOST=0.0.0.0 \
    BRIDGE_HOST=0.0.0.0 \
    EXPORT_DIR=/app/.data/exports \
    HEALTHCHECK_URL=http://127.0.0.1:9464/healthz
COPY --from=deps /app/node_modules node_modules
COPY package.json ./
COPY bin/ bin/
COPY sql/ sql/
COPY --from=build /app/dist dist
# The exports directory belongs to the runtime user, so a volume mounted there is writable.
RUN mkdir -p /app/.data/exports && chown -R node:node /app/.data
USER node
EXPOSE 8080 9464
# The worker's /healthz by default; the bridge's service sets HEALTHCHECK_URL to its own port.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.HEALTHCHECK_URL).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Stack traces name the TypeScript sources (dist/ ships its source maps).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--enable-source-maps", "bin/pipeline.js"]
CMD ["worker"]
