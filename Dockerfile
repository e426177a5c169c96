# syntax=docker/dockerfile:1
#
# The kubernaut-temporal image: one image, three processes (and the Data Storage maintenance CLI).
#   worker  (default):  node dist/workers/main.js          metrics and health on :9464
#   watcher:            node dist/watcher/main.js          metrics and health on :9465
#   datastorage-api:    node dist/datastorage-api/main.js  API, metrics and health on :8090
# Configuration comes from the environment only (README "Configuration"); nothing here is a secret.
#
# Build:  docker build -t kubernaut-temporal:0.1.0 .
# The base image is pinned by tag; to pin it by digest too, pass
#   --build-arg NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:<digest>
# Debian (glibc), not Alpine: the Temporal SDK's native core is built for glibc.
# test/deploy/dockerfile.test.ts checks this file's rules (stages, user, installs, tags, copied paths).

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# --- build: compile TypeScript (and bundle the workflows) with the dev dependencies -------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, so editing the sources does not invalidate the npm layer.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies, compiled output and the SQL migrations; no compiler, no dev tools ---
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="kubernaut-temporal" \
      org.opencontainers.image.description="Durable execution engine of Kubernaut: WorkflowExecution resources run as Temporal workflows driving Tekton PipelineRuns" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The worker applies these at start (KUBERNAUT_MIGRATE_ON_START) with node-pg-migrate.
COPY migrations ./migrations
# Files stay owned by root and read-only for the process: it runs as the base image's unprivileged
# "node" user, by number so Kubernetes can verify runAsNonRoot. Nothing is written at run time, so
# the container runs with a read-only root file system.
USER 1000:1000
EXPOSE 9464 9465 8090
# Node handles SIGTERM itself (graceful drain); no shell wraps it, so the signal reaches it directly.
CMD ["node", "dist/workers/main.js"]
