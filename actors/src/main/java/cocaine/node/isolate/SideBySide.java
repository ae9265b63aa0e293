package cocaine.node.isolate;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool folders of side-by-side slots: a version that starts beside a serving one (a rolling
 * update, a canary) unpacks into {@code <spool>/.slot-<n>/<app>} rather than {@code <spool>/<app>}.
 * A generation removes its own folder once retired ({@link Isolate#discard}); what an earlier run of
 * the node left there is removed at the node's start ({@link #sweep}), before any app spools.
 */
public final class SideBySide {
  private static final String PREFIX = ".slot-";
  private static final Logger log = LoggerFactory.getLogger(SideBySide.class);

  private SideBySide() {}

  /** The spool folder of slot {@code slot} (above 0) under {@code spool}. */
  public static Path spool(Path spool, int slot) {
    return spool.resolve(PREFIX + slot);
  }

  /**
   * Removes every {@code .slot-<n>} folder under {@code spool}: at node start no generation uses one.
   * Never fails: what cannot be removed is one log line.
   */
  public static void sweep(Path spool) {
    try (DirectoryStream<Path> slots = Files.newDirectoryStream(spool, PREFIX + "*")) {
      for (Path slot : slots) {
        ProcessIsolate.quietlyDelete(slot);
        log.info("removed [{}], left by an earlier run of this node", slot);
      }
    } catch (NoSuchFileException e) {
      // nothing spooled yet
    } catch (IOException | RuntimeException e) {
      log.warn("cannot look for leftover slot folders in [{}]: {}", spool, e.toString());
    }
  }
}
