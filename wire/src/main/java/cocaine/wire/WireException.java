package cocaine.wire;

/**
 * Bytes that cannot be read as frames: undecodable msgpack, a broken frame shape, bad headers or an
 * oversize message. The connection that sent them cannot be resynchronised and is closed.
 */
public final class WireException extends CocaineException {
  public WireException(ErrorCode code, String message) {
    super(code, message);
  }
}
