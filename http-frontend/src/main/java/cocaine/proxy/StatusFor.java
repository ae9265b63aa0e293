package cocaine.proxy;

import cocaine.wire.ErrorCode;
import java.util.Set;

/**
 * The HTTP status of each answer the proxy gives itself instead of the app's: one row per
 * situation the proxy tells apart, and which row an app's error {@code [category, code]} falls
 * in. Pure, so the table is tested without HTTP; the texts that say why stay with the code that
 * knows the details.
 */
enum StatusFor {
  /** The request cannot name an app: a malformed header, only one of the routing headers, a bad app name. */
  BAD_REQUEST(400),
  /** Neither the path nor the headers name an app and an event. */
  NO_ROUTE(404),
  /** The client did not send its whole body within the app's timeout. */
  BODY_TOO_SLOW(408),
  /** The body is (or says it is) larger than the proxy's limit. */
  BODY_TOO_LARGE(413),
  /** The proxy holds as many request bodies as its body budget allows: try again shortly. */
  NO_ROOM_FOR_BODY(503),
  /** The app's whole answer is big and the body budget has no room for it: try again shortly. */
  NO_ROOM_FOR_RESPONSE(503),
  /** The request's head and body would not fit one frame of the wire (a head of about 1 MiB and more). */
  REQUEST_TOO_LARGE_FOR_FRAME(413),
  /** The client's body broke off for another reason. */
  BODY_UNREADABLE(400),
  /** No pool granted a connection to the app before the deadline. */
  NO_CONNECTION_IN_TIME(504),
  /** The app cannot take the request now (not running, queue full, ...): a balancer may try elsewhere. */
  APP_UNAVAILABLE(503),
  /** The app said its deadline passed, or sent nothing within its timeout. */
  APP_TIMED_OUT(504),
  /** The connection to the app failed before the response head. */
  APP_LOST(502),
  /** The app's channel ended without a single message. */
  NO_RESPONSE(502),
  /** The app closed its channel before sending the response head. */
  NO_RESPONSE_HEAD(500),
  /** The app's first chunk is not a response head. */
  MALFORMED_RESPONSE_HEAD(502),
  /** Any other error the app sent instead of a response head. */
  APP_ERROR(500),
  /** {@code /ping} while no locator accepts a connection. */
  NO_LOCATOR(503),
  /** A failure inside the proxy itself. */
  PROXY_FAILED(500);

  /** Errors of an app that mean it could not take the request now. */
  private static final Set<ErrorCode> UNAVAILABLE = Set.of(ErrorCode.QUEUE_IS_FULL, ErrorCode.POOL_IS_FULL,
      ErrorCode.SERVICE_NOT_AVAILABLE, ErrorCode.NOT_RUNNING, ErrorCode.OVERSEER_SHUTDOWNING, ErrorCode.TRY_AGAIN);

  private final int status;

  StatusFor(int status) {
    this.status = status;
  }

  int status() {
    return status;
  }

  /** The row of an error the app sent on its channel instead of a response head. */
  static StatusFor appError(ErrorCode code) {
    if (UNAVAILABLE.contains(code)) {
      return APP_UNAVAILABLE;
    }
    if (code.equals(ErrorCode.DEADLINE) || code.equals(ErrorCode.TIMEOUT)) {
      return APP_TIMED_OUT;
    }
    return APP_ERROR;
  }

  /** The row of a pool's refusal to lease a connection to the app. */
  static StatusFor refusedLease(ErrorCode code) {
    return code.equals(ErrorCode.TIMEOUT) ? NO_CONNECTION_IN_TIME : APP_UNAVAILABLE;
  }
}
