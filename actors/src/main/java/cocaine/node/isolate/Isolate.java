package cocaine.node.isolate;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletionStage;

/**
 * Where one app's workers run: prepares the app's files once ({@link #spool}), then starts worker
 * processes ({@link #spawn}). Implementations never block the caller; failures complete the stage
 * with a {@link cocaine.wire.CocaineException} that names the cause.
 */
public interface Isolate {
  /**
   * Prepares the app's files: unpacks the archive stored under {@code apps/<app>}, if there is one.
   *
   * @param archive the stored archive (a tar, usually gzip-compressed), empty when none is stored
   */
  CompletionStage<Void> spool(Optional<byte[]> archive);

  /**
   * Starts one worker.
   *
   * @param args the worker's {@code --key value} pairs; passed in the map's (sorted) key order
   * @param env environment added to the runtime's own
   */
  CompletionStage<Worker> spawn(SortedMap<String, String> args, Map<String, String> env);

  /** Releases what {@link #spool} prepared that is not kept between starts; never fails. */
  default void close() {}

  /**
   * Removes the files {@link #spool} unpacked for good (a version retired by a rolling update), once
   * its workers are gone and it is closed; leaves them when another spool of the app has replaced
   * them since. Blocking; never fails (a failure is one log line).
   */
  default void discard() {}

  /** A running worker process as the runtime sees it. */
  interface Worker {
    long pid();

    /** Completes with the exit code (128 + signal when killed by a signal). */
    CompletionStage<Integer> exit();

    /** The last lines the worker wrote to stdout/stderr, oldest first (bounded by crashlog-limit). */
    List<String> output();

    /** Asks the worker to stop (SIGTERM), then forces it (SIGKILL) after the isolate's kill timeout. */
    void kill();
  }

  /** Makes the isolate of one app from the profile's {@code isolate} section. */
  @FunctionalInterface
  interface Factory {
    /**
     * @param app the app's name
     * @param slave the manifest's {@code slave}
     * @param type the profile's {@code isolate.type}
     * @param args the profile's {@code isolate.args}
     * @param output how many output lines to keep (crashlog-limit) and whether to log them
     * @throws cocaine.wire.CocaineException naming the field when the type or an argument is unusable
     */
    Isolate create(String app, String slave, String type, Map<String, Object> args, OutputPolicy output);
  }

  /** Receives every complete line a worker prints, on the isolate's output-reader thread; must not block. */
  @FunctionalInterface
  interface OutputListener {
    OutputListener NONE = (app, worker, line) -> {};

    void line(String app, String worker, String line);
  }

  /** How a worker's output is kept: the last {@code lines} lines, each cut at {@code maxLineBytes}. */
  record OutputPolicy(int lines, int maxLineBytes, boolean log) {
    public OutputPolicy {
      if (lines < 0 || maxLineBytes < 16) {
        throw new IllegalArgumentException("lines: " + lines + ", maxLineBytes: " + maxLineBytes
            + " (expected: lines >= 0, maxLineBytes >= 16)");
      }
    }
  }
}
