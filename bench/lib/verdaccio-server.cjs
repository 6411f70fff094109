// Starts verdaccio (its programmatic API, verdaccio 5) with the configuration given as JSON in
// CMH_BENCH_VERDACCIO_CONFIG, so the uplink's address never lands in a file.
// Usage: node verdaccio-server.cjs /path/to/node_modules/verdaccio
const { runServer } = require(process.argv[2]);

const config = JSON.parse(process.env.CMH_BENCH_VERDACCIO_CONFIG || 'null');
if (!config) throw new Error('CMH_BENCH_VERDACCIO_CONFIG is not set');
const [host, port] = config.listen.split(':');
runServer(config).then(
  (server) => server.listen(Number(port), host),
  (e) => {
    process.stderr.write(`verdaccio-server: ${e.stack || e}\n`);
    process.exit(1);
  },
);
