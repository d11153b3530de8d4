# The worker and the bridge (docker-compose.yml runs one container of each from this image).
# They run as `pipeline worker` / `pipeline bridge` (the TypeScript sources through tsx), exactly as
# `npm start` and the fault suite start them: no build step.
FROM node:20-slim
WORKDIR /app

# Dependencies first, so editing sources does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

COPY tsconfig.json ./
COPY src/ src/
COPY sql/ sql/
COPY worker/ worker/
COPY bin/ bin/

USER node
CMD ["node", "bin/pipeline.js", "worker"]
