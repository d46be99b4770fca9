# syntax=docker/dockerfile:1
# Boarding Pass as a container: one stage builds the deploy artifact
# (`pnpm artifact`, the command docs/deploy.md documents and
# test/src/integration/prod-start.test.ts runs), the other runs it as a
# non-root user with nothing else: no pnpm, no TypeScript, no sources.
#
# These machines cannot pull images or run Docker, so this file is not built
# here; test/src/integration/deploy-recipe.test.ts keeps it in step with what
# the tests run (port, HOST, the artifact command, the health check).

FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm install --global pnpm@10.34.8
COPY . .
RUN pnpm install --frozen-lockfile
RUN pnpm artifact /app

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# Owned by root and read-only to the service: it can run the code, not change it.
COPY --from=build /app /app
USER node
EXPOSE 3000
# Ready means able to serve a login (Redis answers, signing keys loaded); 503 while draining.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "start.mjs"]
