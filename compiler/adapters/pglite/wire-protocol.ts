/**
 * The few pieces of the PostgreSQL wire protocol (version 3) that the owner's server speaks itself:
 * the startup exchange and error replies. Everything after the startup goes to PGlite untouched.
 * Reference: https://www.postgresql.org/docs/current/protocol-message-formats.html
 */

export const PROTOCOL_3 = 196608;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

/** A startup-phase packet: no type byte, `Int32 length` (itself included), `Int32 code`, body. */
export interface StartupPacket {
  code: number;
  body: Buffer;
}

/** A regular message: `Byte1 type`, `Int32 length` (itself included, not the type byte), body. */
export interface FrontendMessage {
  type: string;
  /** The whole message, type byte included, as PGlite expects it. */
  bytes: Buffer;
}

/** Larger messages than this are a broken or hostile client (Postgres itself caps most at 1 GB). */
const MAX_MESSAGE_LENGTH = 1 << 30;

export class ProtocolError extends Error {}

/** Splits the first startup packet off `buffer`, or returns undefined when it is not complete yet. */
export function takeStartupPacket(buffer: Buffer): { packet: StartupPacket; rest: Buffer } | undefined {
  if (buffer.length < 8) return undefined;
  const length = buffer.readInt32BE(0);
  if (length < 8 || length > 10_000) throw new ProtocolError(`invalid startup packet length ${length}`);
  if (buffer.length < length) return undefined;
  return { packet: { code: buffer.readInt32BE(4), body: buffer.subarray(8, length) }, rest: buffer.subarray(length) };
}

/** Splits every complete message off `buffer`; the incomplete tail stays in `rest`. */
export function takeMessages(buffer: Buffer): { messages: FrontendMessage[]; rest: Buffer } {
  const messages: FrontendMessage[] = [];
  let offset = 0;
  while (buffer.length - offset >= 5) {
    const length = buffer.readInt32BE(offset + 1);
    if (length < 4 || length > MAX_MESSAGE_LENGTH) throw new ProtocolError(`invalid message length ${length}`);
    if (buffer.length - offset < 1 + length) break;
    messages.push({ type: String.fromCharCode(buffer[offset]!), bytes: buffer.subarray(offset, offset + 1 + length) });
    offset += 1 + length;
  }
  return { messages, rest: buffer.subarray(offset) };
}

/** The password of a PasswordMessage (`p`). */
export function passwordOf(message: FrontendMessage): string {
  return message.bytes.subarray(5).toString('utf8').replace(/\0$/, '');
}

/**
 * The status of the last ReadyForQuery (`Z`) among the backend messages in `output`: `I` idle, `T` in
 * a transaction, `E` in a failed transaction; undefined when there is none.
 */
export function lastReadyStatus(output: Uint8Array): string | undefined {
  const view = Buffer.from(output.buffer, output.byteOffset, output.byteLength);
  let status: string | undefined;
  let offset = 0;
  while (view.length - offset >= 5) {
    const length = view.readInt32BE(offset + 1);
    if (length < 4) break;
    if (view[offset] === 0x5a && length === 5 && offset + 5 < view.length) status = String.fromCharCode(view[offset + 5]!);
    offset += 1 + length;
  }
  return status;
}

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function int32s(...values: number[]): Buffer {
  const buffer = Buffer.alloc(4 * values.length);
  values.forEach((value, i) => buffer.writeInt32BE(value, 4 * i));
  return buffer;
}

const cstring = (text: string): Buffer => Buffer.from(`${text}\0`, 'utf8');

export const authenticationCleartextPassword = (): Buffer => message('R', int32s(3));
export const authenticationOk = (): Buffer => message('R', int32s(0));
export const parameterStatus = (name: string, value: string): Buffer => message('S', Buffer.concat([cstring(name), cstring(value)]));
export const backendKeyData = (processId: number, secretKey: number): Buffer => message('K', int32s(processId, secretKey));
export const readyForQuery = (status: 'I' | 'T' | 'E'): Buffer => message('Z', Buffer.from(status, 'latin1'));
/** A simple-protocol Query (`Q`): used to roll back what a departed client left open. */
export const simpleQuery = (sql: string): Buffer => message('Q', cstring(sql));
export const sync = (): Buffer => message('S', Buffer.alloc(0));
/** Parse (`P`) of `sql` as the unnamed statement, no parameter types given. */
export const parseStatement = (sql: string): Buffer => message('P', Buffer.concat([cstring(''), cstring(sql), Buffer.alloc(2)]));
/** Describe (`D`) of the unnamed statement: its ParameterDescription and RowDescription (or NoData) come back. */
export const describeStatement = (): Buffer => message('D', Buffer.concat([Buffer.from('S', 'latin1'), cstring('')]));

/** ErrorResponse with severity, SQLSTATE and message: `errorResponse('FATAL', '28P01', 'password authentication failed')`. */
export function errorResponse(severity: 'ERROR' | 'FATAL', sqlState: string, text: string): Buffer {
  return message(
    'E',
    Buffer.concat([
      Buffer.from('S'), cstring(severity),
      Buffer.from('V'), cstring(severity),
      Buffer.from('C'), cstring(sqlState),
      Buffer.from('M'), cstring(text),
      Buffer.from([0]),
    ]),
  );
}
