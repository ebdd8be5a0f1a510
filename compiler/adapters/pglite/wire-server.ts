/**
 * The owner's door: a small PostgreSQL wire-protocol server on 127.0.0.1 over the owner's one PGlite
 * session, so that a second Strata process (`strata show` during `strata watch`) runs its statements
 * through the owner instead of opening the data directory a second time (which would corrupt it).
 *
 * - The startup exchange is ours: SSLRequest → 'N'; StartupMessage → a cleartext password request
 *   (the password is a random token in the lock file, so only who can read the data directory gets
 *   in); then AuthenticationOk, a few ParameterStatus, BackendKeyData, ReadyForQuery.
 * - After that, whole protocol messages go to `pglite.execProtocolRaw` and its answer goes back as is.
 * - Sharing the session: a client takes the adapter's SessionQueue when its first message arrives and
 *   keeps it until the backend answers ReadyForQuery with status 'I' (not inside a transaction). So a
 *   client statement never lands inside one of the owner's transactions, nor the owner's inside a
 *   client's. A client that leaves mid-transaction is rolled back; one that sits inside a transaction
 *   doing nothing for `idleInTransactionMs` is disconnected, so it cannot stall the owner for long.
 */
import net from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { SessionQueue } from './session-queue.js';
import {
  CANCEL_REQUEST,
  GSSENC_REQUEST,
  PROTOCOL_3,
  ProtocolError,
  SSL_REQUEST,
  authenticationCleartextPassword,
  authenticationOk,
  backendKeyData,
  errorResponse,
  lastReadyStatus,
  parameterStatus,
  passwordOf,
  readyForQuery,
  simpleQuery,
  sync,
  takeMessages,
  takeStartupPacket,
} from './wire-protocol.js';

/** The slice of PGlite the server uses. */
export interface RawProtocolSession {
  execProtocolRaw(message: Uint8Array): Promise<Uint8Array>;
}

export interface WireServerOptions {
  session: RawProtocolSession;
  queue: SessionQueue;
  /** What a client must send as its password. */
  password: string;
  /** ParameterStatus values sent after authentication (server_version, TimeZone, ...). */
  parameters: Record<string, string>;
  /** `strata watch (pid 123)`: named in the error a client gets when the owner closes. */
  ownerName: string;
  /** Default 30 s. */
  idleInTransactionMs?: number;
  /** When the owner closes, clients active in the last this many ms are served on (default 2 s)... */
  drainQuietMs?: number;
  /** ...but no longer than this (default 15 s). */
  drainMaxMs?: number;
}

export interface WireServer {
  readonly host: string;
  readonly port: number;
  /**
   * Stops accepting clients and lets the connected ones finish: resolves once none has been active for
   * `drainQuietMs` (a `strata show` that connected during the owner's last model still gets its rows).
   * Then idle clients are told the owner is closing and clients still queued get their turn first.
   */
  stop(): Promise<void>;
  /** Cuts every remaining client (after PGlite is closed, nothing can serve them). */
  disconnectAll(): void;
}

const HOST = '127.0.0.1';

/**
 * @example
 *   const server = await startWireServer({ session: pglite, queue, password, parameters, ownerName: 'strata watch (pid 1)' });
 *   lock.recordServer({ host: server.host, port: server.port, password });
 *   ...
 *   await server.stop(); await queue.run(() => pglite.close()); server.disconnectAll();
 */
export async function startWireServer(options: WireServerOptions): Promise<WireServer> {
  const state: ServerState = {
    idleInTransactionMs: 30_000,
    drainQuietMs: 2000,
    drainMaxMs: 15_000,
    ...options,
    closing: false,
    connections: new Set(),
  };
  const server = net.createServer((socket) => {
    if (!server.listening) {
      socket.destroy();
      return;
    }
    state.connections.add(new WireConnection(socket, state));
  });
  // The server alone must not keep the process alive (its clients' sockets do, while they are served).
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => {});
  const { port } = server.address() as net.AddressInfo;
  return {
    host: HOST,
    port,
    async stop() {
      server.close();
      const deadline = Date.now() + state.drainMaxMs;
      while (Date.now() < deadline && [...state.connections].some((c) => c.activeWithin(state.drainQuietMs))) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      state.closing = true;
      for (const connection of state.connections) connection.ownerClosing();
      server.close();
    },
    disconnectAll() {
      for (const connection of state.connections) connection.destroy();
    },
  };
}

interface ServerState extends Required<WireServerOptions> {
  closing: boolean;
  connections: Set<WireConnection>;
}

class WireConnection {
  #buffer: Buffer = Buffer.alloc(0);
  #phase: 'startup' | 'password' | 'ready' = 'startup';
  /** Every piece of work on this connection, in arrival order. */
  #chain: Promise<void> = Promise.resolve();
  /** Set while this client holds the PGlite session. */
  #release: (() => void) | undefined;
  #waitingForSession = false;
  #executing = false;
  #idleTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #lastActivity = Date.now();

  constructor(
    private readonly socket: net.Socket,
    private readonly state: ServerState,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#lastActivity = Date.now();
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#enqueue(() => this.#drain());
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.#closed = true;
      this.#clearIdleTimer();
      this.#enqueue(() => this.#giveBackSession());
      state.connections.delete(this);
    });
  }

  /** Waiting for the session, running, or heard from in the last `ms`. */
  activeWithin(ms: number): boolean {
    return this.#waitingForSession || this.#executing || Date.now() - this.#lastActivity < ms;
  }

  /** The owner is closing: cut clients that are idle, or idle inside a transaction; the rest finish first. */
  ownerClosing(): void {
    if (this.#executing || this.#waitingForSession) return;
    if (this.#release) this.socket.destroy();
    else this.#refuse();
  }

  destroy(): void {
    this.socket.destroy();
  }

  #enqueue(work: () => Promise<void>): void {
    this.#chain = this.#chain.then(work).catch((error: unknown) => {
      const text = error instanceof ProtocolError ? `protocol violation: ${error.message}` : `internal error: ${(error as Error).message}`;
      this.#write(errorResponse('FATAL', error instanceof ProtocolError ? '08P01' : 'XX000', text));
      this.socket.destroy();
    });
  }

  async #drain(): Promise<void> {
    while (!this.#closed) {
      if (this.#phase === 'startup') {
        const taken = takeStartupPacket(this.#buffer);
        if (!taken) return;
        this.#buffer = taken.rest;
        this.#startup(taken.packet.code);
        continue;
      }
      const { messages, rest } = takeMessages(this.#buffer);
      if (messages.length === 0) return;
      this.#buffer = rest;
      if (this.#phase === 'password') {
        const [first, ...others] = messages;
        if (first!.type !== 'p' || !sameSecret(passwordOf(first!), this.state.password)) {
          this.#write(errorResponse('FATAL', '28P01', 'password authentication failed: the password is in the lock file of the data directory'));
          this.socket.end();
          return;
        }
        this.#greet();
        this.#buffer = Buffer.concat([...others.map((m) => m.bytes), this.#buffer]);
        continue;
      }
      const terminate = messages.findIndex((m) => m.type === 'X');
      const batch = terminate >= 0 ? messages.slice(0, terminate) : messages;
      if (batch.length > 0) await this.#execute(Buffer.concat(batch.map((m) => m.bytes)));
      if (terminate >= 0) {
        this.socket.end();
        return;
      }
    }
  }

  #startup(code: number): void {
    switch (code) {
      case SSL_REQUEST:
      case GSSENC_REQUEST:
        this.#write(Buffer.from('N')); // no encryption on loopback; the client goes on in plain text
        return;
      case PROTOCOL_3:
        // The user and database parameters are accepted as given: there is one database, one user.
        this.#write(authenticationCleartextPassword());
        this.#phase = 'password';
        return;
      case CANCEL_REQUEST: // PGlite cannot interrupt a statement
        this.socket.end();
        return;
      default:
        throw new ProtocolError(`unsupported protocol ${code >> 16}.${code & 0xffff}`);
    }
  }

  #greet(): void {
    const parts = [authenticationOk()];
    for (const [name, value] of Object.entries(this.state.parameters)) parts.push(parameterStatus(name, value));
    parts.push(backendKeyData(0, 0), readyForQuery('I'));
    this.#write(Buffer.concat(parts));
    this.#phase = 'ready';
  }

  /**
   * Runs a batch of the client's messages on the session, taking it first if this client does not hold
   * it yet. Timeline of a client query while the owner builds a model:
   *
   *   owner:  [BEGIN … CREATE … COMMIT]                      [next model …]
   *   client:        Parse/Bind/Execute/Sync arrive → waits ┘ runs → 'Z' status I → gives the session back
   */
  async #execute(bytes: Buffer): Promise<void> {
    if (!this.#release) {
      if (this.state.closing) {
        this.#refuse();
        return;
      }
      this.#waitingForSession = true;
      const release = await this.state.queue.acquire();
      this.#waitingForSession = false;
      this.#release = release;
      if (this.#closed) return; // left while waiting: the close handler, next in the chain, gives it back
    }
    this.#clearIdleTimer();
    this.#executing = true;
    let output: Uint8Array;
    try {
      output = await this.state.session.execProtocolRaw(bytes);
    } finally {
      this.#executing = false;
    }
    this.#write(Buffer.from(output.buffer, output.byteOffset, output.byteLength));
    this.#lastActivity = Date.now();
    const status = lastReadyStatus(output);
    if (status === 'I') {
      this.#giveBack();
      if (this.state.closing) this.socket.end();
    } else if (this.state.closing) {
      this.socket.destroy(); // inside a transaction while the owner closes: rolled back by the close handler
    } else {
      // Inside a transaction, or in the middle of an extended-protocol exchange: keep the session.
      this.#idleTimer = setTimeout(() => {
        this.#write(errorResponse('FATAL', '25P03', `idle in transaction for ${this.state.idleInTransactionMs / 1000}s while ${this.state.ownerName} waits: disconnected`));
        this.socket.destroy();
      }, this.state.idleInTransactionMs);
    }
  }

  /** After the client is gone: roll back whatever it left open, then hand the session on. */
  async #giveBackSession(): Promise<void> {
    if (!this.#release) return;
    try {
      const status = lastReadyStatus(await this.state.session.execProtocolRaw(sync()));
      if (status !== 'I') await this.state.session.execProtocolRaw(simpleQuery('ROLLBACK'));
    } catch {
      // PGlite already closed: nothing to roll back
    } finally {
      this.#giveBack();
    }
  }

  #giveBack(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  #refuse(): void {
    this.#write(errorResponse('FATAL', '57P01', `${this.state.ownerName} is closing the database; run the command again`));
    this.socket.end();
  }

  #write(bytes: Buffer): void {
    if (!this.#closed && this.socket.writable && bytes.length > 0) this.socket.write(bytes);
  }

  #clearIdleTimer(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
