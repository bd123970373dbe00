/*
 * Real network hosts for tests: Linux network namespaces joined by veth pairs.
 *
 *   const net = await Testnet.create();
 *   const relay = await net.publicHost('relay');         // 11.1.0.1 on the "internet"
 *   const home = await net.router('home');                // WAN 11.101.0.1, LAN 10.1.0.0/24, masquerade
 *   const laptop = await net.privateHost('laptop', home); // 10.1.0.10, default route via 10.1.0.1
 *   await laptop.exec(['ping', '-c1', relay.ip]);
 *   const node = laptop.spawnLvs(['--no-mdns', ...]);     // a real `lvs node` inside the namespace
 *   await net.destroy();                                  // kills every process, deletes every namespace
 *
 * Layout. The "internet" is a bridge inside a namespace of its own (`<prefix>-inet`); every public
 * host and every router's WAN is a veth whose other end is a port of that bridge. Nothing is
 * linked to the root namespace and no namespace has a default route out of the "internet", so a
 * packet from a test host can only reach another test host. Each veth is created directly inside
 * its namespaces (`ip -n NS link add ... peer ... netns NS2`): the root namespace never holds one.
 *
 * Addresses. js-libp2p treats every reserved IPv4 range as private, 100.64.0.0/10 (RFC 6598), the
 * TEST-NETs of RFC 5737 and 198.18.0.0/15 included (@libp2p/utils private-ip.js): AutoNAT never
 * tries to confirm such an address, DCUtR drops it from the addresses it punches to, and UPnP
 * refuses a gateway whose external address is one ("double NAT"). A harness built on them could
 * not test NAT traversal at all. So the "internet" uses 11.0.0.0/8 on its bridge: global unicast
 * to libp2p, yet unreachable from here, since the namespaces have no path out (see above). Public
 * host k is 11.k.0.1 and router k's WAN is 11.(100+k).0.1, each in its own /16, so the project's
 * address groups (IPv4 /16) see every host as a separate group. Router k's LAN is 10.k.0.0/24
 * with the router at .1 and its hosts from .10.
 *
 * Routers. A router namespace forwards (net.ipv4.ip_forward is per namespace) and masquerades what
 * leaves its WAN (nftables). Its forward chain drops anything new that comes in on the WAN, like
 * a home router; the chains are laid out as Debian's miniupnpd expects (its nft_init.sh), so a
 * router can also run `miniupnpd` (`router.startUpnp()`), whose port mappings then work.
 *
 * Cleanup. Every name starts with `lvsn<pid>`; `destroy()` (idempotent, also run on process
 * exit and SIGINT/SIGTERM) kills the processes in every namespace and deletes the namespaces.
 * `Testnet.create()` first removes namespaces of the `lvsn` family whose creator is gone.
 *
 * Skip rule: `netnsAvailable()` says why namespaces cannot be made here (not root, no `ip netns`,
 * no `nft`), or null; `netnsSkip()` turns that into a reason to skip, except under CI, where a
 * machine without namespaces is a broken machine and the test must fail instead.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { lvsArgv } from '../helpers/lvs-process';

const run = promisify(execFile);
const FAMILY = 'lvsn';

/** A command of the harness that failed, with what it said. */
export class NetnsCommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly stderr: string,
    readonly code: number | string | undefined,
  ) {
    super(`${argv.join(' ')} failed (${String(code)}): ${stderr.trim().split('\n')[0] ?? ''}`);
    this.name = 'NetnsCommandError';
  }
}

async function sh(argv: readonly string[], input?: string): Promise<string> {
  try {
    if (input === undefined) return (await run(argv[0]!, argv.slice(1))).stdout;
    return await new Promise((ok, fail) => {
      const child = execFile(argv[0]!, argv.slice(1), (err, stdout, stderr) =>
        err ? fail(Object.assign(err, { stderr })) : ok(stdout),
      );
      child.stdin!.end(input);
    });
  } catch (err) {
    const e = err as { stderr?: string; code?: number | string };
    throw new NetnsCommandError(argv, e.stderr ?? String(err), e.code);
  }
}

let availability: string | null | undefined;

/** Why namespaces cannot be made on this machine, or null when they can. */
export function netnsAvailable(): string | null {
  if (availability !== undefined) return availability;
  const probe = `${FAMILY}probe${process.pid}`;
  try {
    if (process.platform !== 'linux') return (availability = 'network namespaces need Linux');
    if (process.getuid?.() !== 0) return (availability = 'network namespaces need root');
    try {
      execFileSync('nft', ['--version'], { stdio: 'ignore' });
    } catch {
      return (availability = 'nft (nftables) is not installed');
    }
    try {
      execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
    } catch (err) {
      const text = String((err as { stderr?: Buffer }).stderr ?? err).trim();
      return (availability = `ip netns add does not work here: ${text.split('\n')[0]}`);
    }
    return (availability = null);
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
    } catch {
      // It was never made.
    }
  }
}

/**
 * The reason to skip a namespace test, or null to run it. Under CI (which runs as root on a
 * machine where namespaces work) an unavailable harness throws: a skip there would hide a failure.
 */
export function netnsSkip(): string | null {
  const why = netnsAvailable();
  if (why !== null && process.env.CI)
    throw new Error(`namespace tests cannot be skipped under CI: ${why}`);
  return why;
}

/** Whether miniupnpd is installed (UPnP tests need it). */
export function miniupnpdAvailable(): boolean {
  try {
    execFileSync('miniupnpd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One JSON log record of `lvs node --json-logs`. */
export type LogRecord = Record<string, unknown> & { msg?: string; kind?: string };

/** A real `lvs node` in a namespace. */
export class LvsHandle {
  private stdout = '';
  private stderr = '';
  /** Where the next unparsed line of stdout starts, and the records parsed so far. */
  private parsedTo = 0;
  private readonly parsed: LogRecord[] = [];
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      this.stdout += s;
      for (const w of this.waiters) w();
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.exited = new Promise((ok) =>
      child.on('close', (code, signal) => {
        for (const w of this.waiters) w();
        ok({ code, signal });
      }),
    );
  }

  out(): string {
    return this.stdout;
  }
  err(): string {
    return this.stderr;
  }

  /**
   * Every complete JSON line printed so far (other lines are skipped). Parsed once, as lines
   * complete: a node logging its status every second for minutes, polled twice a second, would
   * otherwise be parsed whole on every poll.
   */
  records(): readonly LogRecord[] {
    for (;;) {
      const end = this.stdout.indexOf('\n', this.parsedTo);
      if (end < 0) break;
      const line = this.stdout.slice(this.parsedTo, end);
      this.parsedTo = end + 1;
      if (!line.startsWith('{')) continue;
      try {
        this.parsed.push(JSON.parse(line) as LogRecord);
      } catch {
        // Not a record (a line of other output that starts with a brace).
      }
    }
    return this.parsed;
  }

  /** Its status records (`--status-every`), oldest first. */
  statuses(): LogRecord[] {
    return this.records().filter((r) => r.kind === 'status');
  }

  /** Its newest status record, if one came yet. */
  lastStatus(): LogRecord | undefined {
    const all = this.records();
    for (let i = all.length - 1; i >= 0; i--) if (all[i]!.kind === 'status') return all[i];
    return undefined;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first record that passes `test`, waiting for more output as needed. */
  waitForRecord(test: (r: LogRecord) => boolean, what: string, timeoutMs = 30_000) {
    return new Promise<LogRecord>((ok, fail) => {
      const check = () => {
        const hit = this.records().find(test);
        if (hit) {
          done();
          ok(hit);
        } else if (!this.running) {
          done();
          fail(new Error(`${this.name} ended before ${what}:\n${this.tail()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        fail(new Error(`${this.name}: timed out waiting for ${what}:\n${this.tail()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The last lines of its output, for failure messages. */
  tail(lines = 30): string {
    return [...this.stdout.split('\n').slice(-lines), ...this.stderr.split('\n').slice(-10)]
      .join('\n')
      .trim();
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) this.child.kill(signal);
  }
}

/** A namespace of the test network. */
export class NetHost {
  readonly procs: ChildProcess[] = [];
  constructor(
    readonly net: Testnet,
    readonly name: string,
    readonly ns: string,
    /** Its address (the WAN address of a router). */
    readonly ip: string,
  ) {}

  /** Runs a command inside the namespace; rejects with NetnsCommandError when it fails. */
  exec(argv: readonly string[], input?: string): Promise<string> {
    return sh(['ip', 'netns', 'exec', this.ns, ...argv], input);
  }

  /** Starts a long-running command inside the namespace; destroy() kills it. */
  spawn(argv: readonly string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    this.procs.push(child);
    return child;
  }

  /** Starts `lvs node <args>` inside the namespace (`ip netns exec` execs node itself). */
  spawnLvs(args: readonly string[]): LvsHandle {
    const [cmd, ...rest] = lvsArgv(['node', ...args]);
    const child = this.spawn([cmd!, ...rest]);
    const handle = new LvsHandle(this.name, child);
    this.net.handles.push(handle);
    return handle;
  }

  /** Caps what leaves its first interface at `rate` (tc tbf, such as '1mbit'). */
  async rateLimit(rate: string, dev = 'eth0'): Promise<void> {
    await this.exec([
      'tc',
      'qdisc',
      'replace',
      'dev',
      dev,
      'root',
      'tbf',
      'rate',
      rate,
      'burst',
      '32kbit',
      'latency',
      '400ms',
    ]);
  }

  /** Drops this fraction of the packets it receives (nft numgen), 0 to stop. */
  async loss(fraction: number): Promise<void> {
    await this.exec(['nft', 'delete', 'table', 'inet', 'lvsloss']).catch(() => undefined);
    if (fraction <= 0) return;
    const per1000 = Math.round(fraction * 1000);
    await this.exec(
      ['nft', '-f', '-'],
      `table inet lvsloss { chain input { type filter hook input priority -10; numgen random mod 1000 < ${per1000} drop; } }\n`,
    );
  }
}

/** A NAT router: WAN on the "internet", a LAN bridge behind it. */
export class Router extends NetHost {
  private hosts = 0;
  private upnp: ChildProcess | undefined;
  constructor(
    net: Testnet,
    name: string,
    ns: string,
    ip: string,
    /** Its LAN index k: the LAN is 10.k.0.0/24. */
    readonly k: number,
  ) {
    super(net, name, ns, ip);
  }

  get lanIp(): string {
    return `10.${this.k}.0.1`;
  }

  /** The next free LAN address. */
  nextLanIp(): string {
    this.hosts += 1;
    return `10.${this.k}.0.${9 + this.hosts}`;
  }

  /**
   * Runs Debian's miniupnpd on this router (UPnP IGD and NAT-PMP on the LAN, mappings on the WAN),
   * and resolves once its HTTP port answers.
   */
  async startUpnp(): Promise<void> {
    if (this.upnp) return;
    const dir = await this.net.tempDir();
    const conf = join(dir, `miniupnpd-${this.name}.conf`);
    await writeFile(
      conf,
      [
        'ext_ifname=wan',
        'listening_ip=lan',
        'http_port=5000',
        'enable_natpmp=yes',
        'enable_upnp=yes',
        'secure_mode=yes',
        'system_uptime=yes',
        `uuid=3d3cec3a-8cf0-11e0-98ee-00${String(this.k).padStart(10, '0')}`,
        // The LAN may map its own ports above 1023, nothing else.
        `allow 1024-65535 10.${this.k}.0.0/24 1024-65535`,
        'deny 0-65535 0.0.0.0/0 0-65535',
        '',
      ].join('\n'),
    );
    this.upnp = this.spawn([
      'miniupnpd',
      '-d',
      '-f',
      conf,
      '-P',
      join(dir, `miniupnpd-${this.name}.pid`),
    ]);
    let said = '';
    this.upnp.stderr!.setEncoding('utf8').on('data', (s: string) => (said += s));
    this.upnp.stdout!.setEncoding('utf8').on('data', (s: string) => (said += s));
    for (let i = 0; i < 50; i++) {
      if (this.upnp.exitCode !== null) throw new Error(`miniupnpd ended at start: ${said.trim()}`);
      const listening = await this.exec(['ss', '-ltnH', 'sport = :5000']).catch(() => '');
      if (listening.trim()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`miniupnpd did not listen within 5 s: ${said.trim()}`);
  }

  /** The port mappings miniupnpd made (its nft DNAT rules), as text. */
  mappings(): Promise<string> {
    return this.exec(['nft', 'list', 'chain', 'inet', 'filter', 'prerouting_miniupnpd']);
  }
}

/** The whole test network. */
export class Testnet {
  readonly prefix: string;
  readonly handles: LvsHandle[] = [];
  private readonly hosts: NetHost[] = [];
  private readonly made: string[] = [];
  private readonly dirs: string[] = [];
  private inetNs = '';
  private ports = 0;
  private publics = 0;
  private routers = 0;
  private destroyed = false;
  private readonly onExit = () => this.destroySync();
  private readonly onSignal = (sig: NodeJS.Signals) => {
    this.destroySync();
    process.kill(process.pid, sig);
  };

  private constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** Makes an empty test network (its "internet" namespace and bridge). */
  static async create(): Promise<Testnet> {
    const why = netnsAvailable();
    if (why) throw new Error(`cannot build a test network: ${why}`);
    await Testnet.removeStale();
    const net = new Testnet(`${FAMILY}${process.pid}x${Math.floor(Math.random() * 1e4)}`);
    process.once('exit', net.onExit);
    process.once('SIGINT', net.onSignal);
    process.once('SIGTERM', net.onSignal);
    try {
      net.inetNs = await net.namespace('inet');
      await sh(['ip', '-n', net.inetNs, 'link', 'add', 'br0', 'type', 'bridge']);
      await sh(['ip', '-n', net.inetNs, 'link', 'set', 'br0', 'up']);
    } catch (err) {
      await net.destroy();
      throw err;
    }
    return net;
  }

  /** Deletes namespaces of this family whose creating process is gone (an earlier crash). */
  static async removeStale(): Promise<void> {
    const list = await sh(['ip', 'netns', 'list']).catch(() => '');
    for (const line of list.split('\n')) {
      const name = line.split(' ')[0] ?? '';
      const m = new RegExp(`^${FAMILY}(\\d+)x`).exec(name);
      if (!m) continue;
      const pid = Number(m[1]);
      let alive = true;
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (!alive) killNamespace(name);
    }
  }

  /** The namespace holding the "internet" bridge. */
  internet(): string {
    return this.inetNs;
  }

  /** A temporary folder removed by destroy(). */
  async tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `${this.prefix}-`));
    this.dirs.push(dir);
    return dir;
  }

  private async namespace(name: string): Promise<string> {
    const ns = `${this.prefix}-${name}`;
    await sh(['ip', 'netns', 'add', ns]);
    this.made.push(ns);
    await sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /** A veth from `ns` (named `dev` there) to a new port of the "internet" bridge. */
  private async plugIn(ns: string, dev: string, cidr: string): Promise<void> {
    const port = `p${++this.ports}`;
    await sh([
      'ip',
      '-n',
      ns,
      'link',
      'add',
      dev,
      'type',
      'veth',
      'peer',
      'name',
      port,
      'netns',
      this.inetNs,
    ]);
    await sh(['ip', '-n', this.inetNs, 'link', 'set', port, 'master', 'br0', 'up']);
    await sh(['ip', '-n', ns, 'addr', 'add', cidr, 'dev', dev]);
    await sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
  }

  /** A host with its own address on the "internet": 11.k.0.1 for the k-th public host. */
  async publicHost(name: string): Promise<NetHost> {
    const k = ++this.publics;
    if (k > 99) throw new RangeError('at most 99 public hosts');
    const ns = await this.namespace(name);
    const ip = `11.${k}.0.1`;
    await this.plugIn(ns, 'eth0', `${ip}/8`);
    const host = new NetHost(this, name, ns, ip);
    this.hosts.push(host);
    return host;
  }

  /** A masquerading router: WAN 11.(100+k).0.1 on the "internet", LAN 10.k.0.0/24 behind it. */
  async router(name: string): Promise<Router> {
    const k = ++this.routers;
    if (k > 99) throw new RangeError('at most 99 routers');
    const ns = await this.namespace(name);
    const ip = `11.${100 + k}.0.1`;
    await this.plugIn(ns, 'wan', `${ip}/8`);
    await sh(['ip', '-n', ns, 'link', 'add', 'lan', 'type', 'bridge']);
    await sh(['ip', '-n', ns, 'addr', 'add', `10.${k}.0.1/24`, 'dev', 'lan']);
    await sh(['ip', '-n', ns, 'link', 'set', 'lan', 'up']);
    await sh(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    // The layout of Debian's miniupnpd nft_init.sh (table inet filter, its four chains), plus
    // masquerade on the WAN and a forward policy that lets in only what the LAN started.
    await sh(
      ['ip', 'netns', 'exec', ns, 'nft', '-f', '-'],
      `table inet filter {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "lan" accept
    jump miniupnpd
  }
  chain miniupnpd { }
  chain prerouting {
    type nat hook prerouting priority -100; policy accept;
    jump prerouting_miniupnpd
  }
  chain postrouting {
    type nat hook postrouting priority 100; policy accept;
    jump postrouting_miniupnpd
    oifname "wan" masquerade
  }
  chain prerouting_miniupnpd { }
  chain postrouting_miniupnpd { }
}
`,
    );
    const router = new Router(this, name, ns, ip, k);
    this.hosts.push(router);
    return router;
  }

  /** A host on the router's LAN: 10.k.0.(10+j), default route through the router. */
  async privateHost(name: string, router: Router): Promise<NetHost> {
    const ns = await this.namespace(name);
    const ip = router.nextLanIp();
    const port = `l${++this.ports}`;
    await sh([
      'ip',
      '-n',
      ns,
      'link',
      'add',
      'eth0',
      'type',
      'veth',
      'peer',
      'name',
      port,
      'netns',
      router.ns,
    ]);
    await sh(['ip', '-n', router.ns, 'link', 'set', port, 'master', 'lan', 'up']);
    await sh(['ip', '-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    await sh(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
    await sh(['ip', '-n', ns, 'route', 'add', 'default', 'via', router.lanIp]);
    const host = new NetHost(this, name, ns, ip);
    this.hosts.push(host);
    return host;
  }

  /** The namespaces this network made and still has. */
  async namespaces(): Promise<string[]> {
    const list = await sh(['ip', 'netns', 'list']).catch(() => '');
    return list
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => n.startsWith(`${this.prefix}-`));
  }

  /** Kills every process and deletes every namespace and folder; safe to call twice. */
  async destroy(): Promise<void> {
    this.destroySync();
    await Promise.all(this.dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  }

  private destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.off('exit', this.onExit);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    for (const h of this.hosts)
      for (const p of h.procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const ns of this.made.splice(0).reverse()) killNamespace(ns);
  }
}

/** Kills what still runs in a namespace (by pid, as `ip netns pids` lists them) and deletes it. */
function killNamespace(ns: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
    for (const pid of pids
      .split('\n')
      .map(Number)
      .filter((p) => p > 0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  } catch {
    // No such namespace.
  }
  try {
    // Deleting a namespace removes its veths, and with them their peers in other namespaces.
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // Already gone.
  }
}
