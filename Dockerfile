# The batch-score worker image. Temporal's native core and ONNX Runtime ship glibc binaries, hence a
# Debian-based Node 20 image (not Alpine). It mirrors what .ci/run proves on a clean machine:
# npm ci (which builds dist/), then a prebuilt workflow bundle so workers start without webpack.
FROM node:20-bookworm-slim

# MALLOC_MMAP_THRESHOLD_: WORKER_PROCESS_ENV in workers/options.ts (about 55 MB less RSS per worker).
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    NODE_ENV=production \
    MALLOC_MMAP_THRESHOLD_=131072 \
    BATCH_SCORE_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
WORKDIR /app

COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY domain ./domain
COPY inference ./inference
COPY storage ./storage
COPY parquet ./parquet
COPY activities ./activities
COPY workflows ./workflows
COPY workers ./workers
COPY temporal ./temporal
COPY client ./client
COPY cli ./cli
COPY report ./report
COPY bench ./bench

# Dev dependencies are needed to compile; they are pruned once dist/ and the workflow bundle exist.
RUN npm ci --include=dev \
 && npm run bundle \
 && npm prune --omit=dev \
 && npm cache clean --force

USER node
# Workers connect to the cluster named by TEMPORAL_ADDRESS (TEMPORAL_NAMESPACE, TEMPORAL_API_KEY,
# TEMPORAL_TLS_*); BATCH_SCORE_ROLES=scoring makes a scoring-only pool.
ENTRYPOINT ["node", "/app/bin/batch-score.js", "worker"]
