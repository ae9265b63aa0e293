package cocaine.node.app;

/** The {@code flags} of {@code node.info(app, flags)} (docs/protocol.md 2.6): which parts of the info map to fill. */
public final class InfoFlags {
  /** Queue, pool and request counters. */
  public static final int OVERSEER = 1;
  /** The manifest as stored. */
  public static final int MANIFEST = 2;
  /** The profile's data. */
  public static final int PROFILE = 4;
  public static final int ALL = OVERSEER | MANIFEST | PROFILE;

  private InfoFlags() {}
}
