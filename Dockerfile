# The secretfleet image: the `secretfleet` CLI on Node 24 (the version package.json pins). By
# default it runs the Sealed Secrets controller (`secretfleet controller sealed-secrets`, what
# deploy/sealed-secrets and its chart expect); other controllers pass their own arguments
# (deploy/external-secrets). Build: docker build -t secretfleet:0.1.0 .
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the pinned `node` devDependency would fetch a second Node; the image has one.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY scripts ./scripts
# tsc, then esbuild bundles the CLI into dist/cli (one file per command group, fast start-up).
RUN npx tsc -p tsconfig.json && node scripts/bundle-cli.js

FROM node:24.21.0-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist/cli ./dist/cli
# The CRDs and manifests: `secretfleet demo` applies the CRDs from here, as users apply deploy/.
COPY deploy ./deploy
# Non-root, numeric so that runAsNonRoot can verify it; nothing is written outside /tmp.
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "/app/dist/cli/secretfleet.js"]
CMD ["controller", "sealed-secrets"]
