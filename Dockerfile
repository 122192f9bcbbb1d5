# syntax=docker/dockerfile:1
# The base image is pinned by the digest of its multi-arch index, so a rebuild gets the same bytes until the
# pin is moved on purpose. To refresh it (for Node security releases), look up the current digest:
#   docker buildx imagetools inspect node:20-bookworm-slim --format '{{json .Manifest.Digest}}'
# put it below, rebuild, run the tests in the new image, and commit the change on its own.
ARG NODE_IMAGE=node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

# Build stage: compile TypeScript with dev dependencies. tsc needs no package install scripts.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
# tsconfig.build.json and copy-build-assets leave src/sim (the Proxmox simulator, the checksum mirror) and
# the demo out of dist/: they are development tools and are not shipped.
RUN npm run build

# Runtime stage: production dependencies and compiled code only, as an unprivileged user.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PVEBOT_HTTP_PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
# No install script runs. The only production package with one is msgpackr-extract (optional, under bullmq
# → msgpackr): its script only picks or compiles a native decoder, the prebuilt one arrives as the optional
# package @msgpackr-extract/msgpackr-extract-linux-<arch>, and msgpackr falls back to plain JS without it.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config.schema.json ./
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PVEBOT_HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/bot/cli.js"]
CMD ["run"]
