# syntax=docker/dockerfile:1
# One image for the worker, the HTTP API and the codec server; the compose file picks the command.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts are skipped here (the sources are not copied yet); the build runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# The commit this image is built from (the context has no .git): `--build-arg EKYC_GIT_COMMIT=$(git rev-parse HEAD)`.
# It goes into dist/build-info.json, whence the worker's default build id (docs/OPS.md "Shipping workflow changes").
ARG EKYC_GIT_COMMIT=
# tsc, then the workflow code pre-bundled into dist/workflow-bundle.js
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/bin ./bin
COPY --from=build --chown=node:node /app/scripts/healthcheck.js ./scripts/healthcheck.js
COPY --from=build --chown=node:node /app/api/public ./api/public
USER node
# Each service sets EKYC_HEALTHCHECK_URL to its own health endpoint.
ENV EKYC_HEALTHCHECK_URL=http://127.0.0.1:8080/healthz
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["node", "scripts/healthcheck.js"]
ENTRYPOINT ["node", "bin/ekyc.js"]
CMD ["worker"]
