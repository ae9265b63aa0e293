package cocaine.wire;

/**
 * A failure that reaches a caller as an {@code error} message: a wire code plus a message a person
 * can act on ("app 'echo' is not running on this node").
 */
public class CocaineException extends RuntimeException {
  private final ErrorCode code;

  public CocaineException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public CocaineException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  @Override
  public String toString() {
    return code + " " + getMessage();
  }
}
