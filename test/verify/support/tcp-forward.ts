/**
 * A plain TCP forwarder from this machine's first non-loopback IPv4 address to a loopback
 * registry: the registry then looks like a remote plain-HTTP one, which `verify` must not speak
 * HTTP to unless told `--insecure` (loopback registries are insecure automatically).
 */
import net from 'node:net';
import os from 'node:os';

export interface Forward {
  /** `IP:PORT` on a non-loopback address. */
  host: string;
  stop(): Promise<void>;
}

export function nonLoopbackIPv4(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('tcp-forward: this machine has no non-loopback IPv4 address, which the --insecure test needs');
}

export async function forwardTo(target: string): Promise<Forward> {
  const [targetHost, targetPort] = target.split(':');
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(targetPort), targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const ip = nonLoopbackIPv4();
  await new Promise<void>((r) => server.listen(0, ip, r));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: `${ip}:${port}`,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
