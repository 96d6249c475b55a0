# Image of the demo app for docker-compose.yml (service `demo`): the npm workspace (sdk + examples) run from its
# TypeScript sources with tsx, as `npm run demo` does locally. No secrets are baked in; the demo talks to its own
# scripted mock provider. Build: docker compose build demo.
FROM node:24.18.0-bookworm-slim

ENV NODE_ENV=development \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app
RUN chown node:node /app
USER node

# Manifests first, so the dependency layer is rebuilt only when they change.
COPY --chown=node:node package.json package-lock.json ./
COPY --chown=node:node sdk/package.json sdk/package.json
COPY --chown=node:node examples/package.json examples/package.json
RUN npm ci

COPY --chown=node:node tsconfig.base.json tsconfig.json ./
COPY --chown=node:node sdk sdk
COPY --chown=node:node examples examples

CMD ["npm", "run", "demo", "--", "--loop"]
