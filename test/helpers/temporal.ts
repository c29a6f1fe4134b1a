import { afterAll, beforeAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { BatchScoreClient } from '../../client/index.js';
import { DevServer, freePort } from '../../temporal/dev-server.js';
import { createWorkers, type BatchScoreWorkers } from '../../workers/create-workers.js';
import { compileWorkerOptions, type WorkerOptions } from '../../workers/options.js';
import { tempDir } from './paths.js';

let runtimeInstalled = false;

/** A real Temporal CLI dev server for one test file, on free ports with its own SQLite file. */
export async function startTestServer(): Promise<DevServer> {
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    Runtime.install({ logger: new DefaultLogger('WARN') });
  }
  return DevServer.start({
    dbFile: path.join(tempDir('temporal'), 'temporal.sqlite'),
    port: await freePort(),
    uiPort: await freePort(),
  });
}

export interface TestWorkers {
  taskQueue: string;
  client: BatchScoreClient;
  workers: BatchScoreWorkers;
  stop(): Promise<void>;
}

/** In-process workers on a task queue unique to the caller, and a client for it. */
export async function startTestWorkers(
  server: DevServer,
  overrides: Partial<WorkerOptions> = {},
  activities: Parameters<typeof createWorkers>[3] = {},
): Promise<TestWorkers> {
  const taskQueue = overrides.taskQueue ?? `test-${randomUUID()}`;
  const options = compileWorkerOptions({}, { scoringSlots: 2, ...overrides, taskQueue });
  const workers = await createWorkers(
    await NativeConnection.connect({ address: server.address }),
    server.namespace,
    options,
    activities,
  );
  const running = workers.run();
  const connection = await Connection.connect({ address: server.address });
  const client = await BatchScoreClient.connect({ connection, namespace: server.namespace, taskQueue });
  return {
    taskQueue,
    client,
    workers,
    stop: async () => {
      workers.shutdown();
      await running;
      await connection.close();
    },
  };
}

/**
 * One dev server and one set of in-process workers for a test file, started before its tests and stopped
 * after them. Read `server` and `env` inside tests (they are set once `beforeAll` has run).
 */
export function useTestTemporal(overrides: Partial<WorkerOptions> = {}): {
  server: DevServer;
  env: TestWorkers;
} {
  const state = {} as { server: DevServer; env: TestWorkers };
  beforeAll(async () => {
    state.server = await startTestServer();
    state.env = await startTestWorkers(state.server, overrides);
  });
  afterAll(async () => {
    await state.env?.stop();
    await state.server?.stop();
  });
  return state;
}
