# syntax=docker/dockerfile:1
# profile-guard container image: build, prune to production dependencies, run as a non-root user.
#
#   docker build -t profile-guard:0.1.0 .
#   docker build --build-arg NODE_IMAGE=node:22-bookworm-slim@sha256:<digest> ...   (pin a digest)
#
# The runtime stage holds dist/, schemas/, production node_modules and package.json only, and runs
# `node dist/cli/bin.js serve` as UID/GID 65532; nothing in it needs a shell.

ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: compile TypeScript to dist/
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schemas ./schemas
COPY src ./src
RUN npm run build

# ---- prune: production dependencies only
FROM ${NODE_IMAGE} AS prune
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ---- runtime
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG SOURCE=https://github.com/profile-guard/profile-guard
LABEL org.opencontainers.image.title="profile-guard" \
      org.opencontainers.image.description="Kubernetes admission webhook enforcing Kubeflow multi-user isolation" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
# HOME: UID 65532 has no passwd entry; give it a writable home (/tmp is an emptyDir in the chart).
ENV NODE_ENV=production \
    HOME=/tmp
WORKDIR /app
COPY --from=prune /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/schemas ./schemas
COPY package.json ./
USER 65532:65532
EXPOSE 8443 9090
ENTRYPOINT ["node", "dist/cli/bin.js"]
CMD ["serve"]
