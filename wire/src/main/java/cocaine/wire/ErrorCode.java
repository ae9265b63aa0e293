package cocaine.wire;

/**
 * An error as it travels on the wire: {@code [category, code]}. The constants are the categories and
 * codes of the original platform that clients and tools key on (docs/protocol.md 2.3).
 */
public record ErrorCode(int category, int code) {
  public static final int CATEGORY_TRANSPORT = 6;
  public static final int CATEGORY_DISPATCH = 7;
  public static final int CATEGORY_SECURITY = 9;
  public static final int CATEGORY_LOCATOR = 10;
  public static final int CATEGORY_GENERIC = 12;
  public static final int CATEGORY_PROTOCOL = 13;
  public static final int CATEGORY_WORKER = 42;
  public static final int CATEGORY_WORKER_USER = 43;
  public static final int CATEGORY_NODE = 0x51FF;
  public static final int CATEGORY_OVERSEER = 0x52FF;
  public static final int CATEGORY_SLAVE = 0x53FF;

  public static final ErrorCode FRAME_FORMAT = new ErrorCode(CATEGORY_TRANSPORT, 1);
  public static final ErrorCode HPACK = new ErrorCode(CATEGORY_TRANSPORT, 2);
  public static final ErrorCode PARSE = new ErrorCode(CATEGORY_TRANSPORT, 4);

  public static final ErrorCode INVALID_ARGUMENT = new ErrorCode(CATEGORY_DISPATCH, 2);
  public static final ErrorCode NOT_CONNECTED = new ErrorCode(CATEGORY_DISPATCH, 3);
  public static final ErrorCode REVOKED_CHANNEL = new ErrorCode(CATEGORY_DISPATCH, 4);
  public static final ErrorCode SLOT_NOT_FOUND = new ErrorCode(CATEGORY_DISPATCH, 5);
  public static final ErrorCode UNCAUGHT = new ErrorCode(CATEGORY_DISPATCH, 7);

  public static final ErrorCode TOKEN_NOT_FOUND = new ErrorCode(CATEGORY_SECURITY, 1);
  public static final ErrorCode UNAUTHORIZED = new ErrorCode(CATEGORY_SECURITY, 2);
  public static final ErrorCode PERMISSION_DENIED = new ErrorCode(CATEGORY_SECURITY, 3);

  public static final ErrorCode SERVICE_NOT_AVAILABLE = new ErrorCode(CATEGORY_LOCATOR, 1);
  public static final ErrorCode ROUTING_STORAGE = new ErrorCode(CATEGORY_LOCATOR, 2);

  /** POSIX errno values in the generic category: storage "not found" is [12, 2]. */
  public static final ErrorCode NOT_FOUND = new ErrorCode(CATEGORY_GENERIC, 2);
  public static final ErrorCode IO_ERROR = new ErrorCode(CATEGORY_GENERIC, 5);
  /** EAGAIN: a bounded resource is full right now (open channels, a write queue); retry later. */
  public static final ErrorCode TRY_AGAIN = new ErrorCode(CATEGORY_GENERIC, 11);
  public static final ErrorCode INVALID = new ErrorCode(CATEGORY_GENERIC, 22);
  public static final ErrorCode TOO_BIG = new ErrorCode(CATEGORY_GENERIC, 27);
  /** ENOSPC: a range ran out (no free virtual port left). */
  public static final ErrorCode NO_SPACE = new ErrorCode(CATEGORY_GENERIC, 28);
  /** ENOBUFS: a subscriber did not take its updates and its bounded queue filled up. */
  public static final ErrorCode NO_BUFFERS = new ErrorCode(CATEGORY_GENERIC, 105);

  public static final ErrorCode CLOSED_UPSTREAM = new ErrorCode(CATEGORY_PROTOCOL, 1);

  public static final ErrorCode WORKER_UNCAUGHT = new ErrorCode(CATEGORY_WORKER, 100);
  public static final ErrorCode WORKER_NO_HANDLER = new ErrorCode(CATEGORY_WORKER, 200);
  public static final ErrorCode WORKER_DISCONNECTED = new ErrorCode(CATEGORY_WORKER, 220);
  /** A worker got a message type its channel does not take. */
  public static final ErrorCode WORKER_INVALID_MESSAGE_TYPE = new ErrorCode(CATEGORY_WORKER, 240);

  public static final ErrorCode DEADLINE = new ErrorCode(CATEGORY_NODE, 1);
  /**
   * The original's {@code error::resource_error}: the sessions of a worker that died mid-call (its
   * slave "has unexpectedly disconnected"), and a resource that ran out (a worker's full pipe).
   */
  public static final ErrorCode RESOURCE = new ErrorCode(CATEGORY_NODE, 2);
  public static final ErrorCode TIMEOUT = new ErrorCode(CATEGORY_NODE, 3);
  public static final ErrorCode ALREADY_STARTED = new ErrorCode(CATEGORY_NODE, 5);
  public static final ErrorCode NOT_RUNNING = new ErrorCode(CATEGORY_NODE, 6);
  public static final ErrorCode SPOOL_ERROR = new ErrorCode(CATEGORY_NODE, 7);
  public static final ErrorCode PUBLISH_ERROR = new ErrorCode(CATEGORY_NODE, 8);
  /**
   * This project's own (the original's node codes end at 8): a version that failed its health gate
   * (no worker within the health deadline, or its health event unanswered or answered with an error).
   * Permanent for that version, unlike {@link #TIMEOUT}, which convergence tries again.
   */
  public static final ErrorCode NOT_HEALTHY = new ErrorCode(CATEGORY_NODE, 9);

  public static final ErrorCode QUEUE_IS_FULL = new ErrorCode(CATEGORY_OVERSEER, 1);
  public static final ErrorCode POOL_IS_FULL = new ErrorCode(CATEGORY_OVERSEER, 2);

  public static final ErrorCode SPAWN_TIMEOUT = new ErrorCode(CATEGORY_SLAVE, 1);
  public static final ErrorCode ACTIVATE_TIMEOUT = new ErrorCode(CATEGORY_SLAVE, 4);
  /** C++ node category "slave", code 5 unknown_activate_error: invocations on a worker that ended or never started. */
  public static final ErrorCode UNKNOWN_ACTIVATE = new ErrorCode(CATEGORY_SLAVE, 5);
  public static final ErrorCode SEAL_TIMEOUT = new ErrorCode(CATEGORY_SLAVE, 6);
  public static final ErrorCode TERMINATE_TIMEOUT = new ErrorCode(CATEGORY_SLAVE, 7);
  public static final ErrorCode HEARTBEAT_TIMEOUT = new ErrorCode(CATEGORY_SLAVE, 8);
  public static final ErrorCode INVALID_STATE = new ErrorCode(CATEGORY_SLAVE, 9);
  public static final ErrorCode CONTROL_IPC = new ErrorCode(CATEGORY_SLAVE, 10);
  public static final ErrorCode OVERSEER_SHUTDOWNING = new ErrorCode(CATEGORY_SLAVE, 11);
  public static final ErrorCode COMMITTED_SUICIDE = new ErrorCode(CATEGORY_SLAVE, 12);
  public static final ErrorCode SLAVE_IDLE = new ErrorCode(CATEGORY_SLAVE, 13);
  public static final ErrorCode SLAVE_IS_SEALING = new ErrorCode(CATEGORY_SLAVE, 14);

  @Override
  public String toString() {
    return "[" + category + ", " + code + "]";
  }
}
