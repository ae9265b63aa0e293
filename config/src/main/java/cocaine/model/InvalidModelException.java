package cocaine.model;

/**
 * A stored object (manifest, profile, runlist, routing group) that cannot be used. The message
 * names the object and the bad field, e.g.
 * {@code profile 'default': 'pool-limit' must be a positive integer, got -1}.
 */
public final class InvalidModelException extends IllegalArgumentException {
  private final String subject;
  private final String detail;

  public InvalidModelException(String subject, String detail) {
    super(subject + ": " + detail);
    this.subject = subject;
    this.detail = detail;
  }

  /** The object, e.g. {@code profile 'default'}. */
  public String subject() {
    return subject;
  }

  /** What is wrong, without the subject, e.g. {@code 'pool-limit' must be a positive integer, got -1}. */
  public String detail() {
    return detail;
  }

  /** The same problem told about a named object, once the caller knows the storage key. */
  public InvalidModelException about(String namedSubject) {
    InvalidModelException renamed = new InvalidModelException(namedSubject, detail);
    renamed.setStackTrace(getStackTrace());
    return renamed;
  }
}
