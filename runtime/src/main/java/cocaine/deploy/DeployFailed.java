package cocaine.deploy;

/**
 * A deploy stopped at {@code step} for {@code reason}; what was already done is undone, so the
 * previous version keeps running and storage holds what it held before.
 */
public final class DeployFailed extends RuntimeException {
  private final String step;
  private final String reason;

  public DeployFailed(String step, String reason) {
    super(step + " failed: " + reason);
    this.step = step;
    this.reason = reason;
  }

  /** Why the step failed, without the step's name. */
  public String reason() {
    return reason;
  }

  /** The pipeline step that failed: check, build, manifest, push, store or start. */
  public String step() {
    return step;
  }
}
