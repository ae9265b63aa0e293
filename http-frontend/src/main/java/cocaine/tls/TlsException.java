package cocaine.tls;

/** A certificate or key that cannot be used, with the file and what to do in the message. */
public final class TlsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TlsException(String message) {
    super(message);
  }

  public TlsException(String message, Throwable cause) {
    super(message, cause);
  }
}
