package cocaine.logging;

/** How serious a log record is; the ordinal is the level on the wire (0 debug .. 3 error). */
public enum Severity {
  DEBUG, INFO, WARNING, ERROR;

  /** The severity of a wire level, or null when the level is not 0..3. */
  public static Severity ofLevel(long level) {
    return level >= 0 && level < values().length ? values()[(int) level] : null;
  }

  public int level() {
    return ordinal();
  }

  /** Lower-case name as written in logs and config: "debug", "warning", ... */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
