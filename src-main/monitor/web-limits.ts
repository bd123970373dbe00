/*
 * The web monitor's bounds, in one place: the connection guard, the HTTP side and the socket
 * sessions all read them, and web-server.ts re-exports the public ones (tests and callers size
 * their checks by them). Why each value is what it is sits beside it.
 */

/** Sockets open at once; one more is refused with 503. */
export const MAX_SOCKETS = 8;
/** Requests of one socket whose replies are not yet written out; more are refused. */
export const MAX_IN_FLIGHT = 50;
/** Malformed messages (bad JSON, bad envelope) before a socket is closed with 1008. */
export const MAX_BAD_MESSAGES = 20;
/** A socket with more than this waiting to be sent gets no pushes until it drains. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Each socket gets at most one lab snapshot per this many ms: the newest. */
export const LAB_SNAPSHOT_MS = 100;
/** TCP connections open at once, authenticated or not; one more is closed at once. */
export const MAX_CONNECTIONS = 64;
/** Connections at once that have not sent a request with the token; a new one evicts the oldest. */
export const MAX_UNAUTHENTICATED = 16;
/**
 * How long a connection may stay without sending a request with the token. A browser sends its
 * request as soon as it connects (an idle preconnect closed this way is simply opened again);
 * 3 s is ample on a loaded machine and short enough that a pile of idle sockets ages out.
 */
export const UNAUTHENTICATED_MS = 3_000;
/** Sockets are pinged this often; one that has not answered the last ping is dropped. */
export const HEARTBEAT_MS = 15_000;
/** The longest error line a reply carries. */
export const MAX_ERROR_CHARS = 500;
/**
 * How long close() waits for the replies under way, and then for the sockets' goodbyes: a
 * request can be what closes the monitor, and it is answered, but a stuck peer cannot hold the
 * close up.
 */
export const CLOSE_GRACE_MS = 500;
