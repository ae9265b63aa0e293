package cocaine.unicorn;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import org.apache.zookeeper.KeeperException;

/**
 * The unicorn service's errors, category 11 of the original platform (cocaine-core's
 * {@code unicorn_errors}, docs/protocol.md 2.3), and how ZooKeeper's result codes map onto them as
 * the original's {@code map_zoo_error} maps them.
 */
public enum UnicornError {
  CHILD_NOT_ALLOWED(1),
  INVALID_TYPE(2),
  INVALID_VALUE(3),
  UNKNOWN_ERROR(4),
  INVALID_NODE_NAME(5),
  INVALID_PATH(6),
  VERSION_NOT_ALLOWED(7),
  NO_NODE(8),
  NODE_EXISTS(9),
  CONNECTION_LOSS(10),
  BACKEND_INTERNAL_ERROR(11);

  public static final int CATEGORY = 11;

  private final ErrorCode code;

  UnicornError(int code) {
    this.code = new ErrorCode(CATEGORY, code);
  }

  public ErrorCode code() {
    return code;
  }

  /** The error a caller gets, with a message that says what failed and where. */
  public CocaineException exception(String message) {
    return new CocaineException(code, message);
  }

  /** The category-11 error for a ZooKeeper result code (connection loss, no node, node exists, bad version). */
  public static UnicornError of(KeeperException.Code rc) {
    switch (rc) {
      case CONNECTIONLOSS:
      case SESSIONEXPIRED:
      case SESSIONMOVED:
      case OPERATIONTIMEOUT:
        return CONNECTION_LOSS;
      case NONODE:
        return NO_NODE;
      case NODEEXISTS:
        return NODE_EXISTS;
      case BADVERSION:
        return VERSION_NOT_ALLOWED;
      default:
        return BACKEND_INTERNAL_ERROR;
    }
  }
}
