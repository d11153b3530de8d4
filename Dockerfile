# The worker and the bridge (docker-compose.yml runs one container of each from this image).
# They run the TypeScript sources through tsx, exactly as `npm start` does: no build step.
FROM node:20-slim
WORKDIR /app

# Dependencies first, so editing sources does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

COPY tsconfig.json ./
COPY src/ src/
COPY sql/ sql/
COPY worker/ worker/

USER node
CMD ["npx", "tsx", "worker/worker.ts"]
