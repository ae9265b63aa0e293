package cocaine.deploy;

import cocaine.node.isolate.docker.DockerIsolate;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.ResponseItem;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The progress stream of a Docker build, pull or push as plain lines: a build's output line by line
 * (its {@code Step N/M} among them), a transfer's status once per layer and step, and its bytes summed
 * over the layers by a {@link TransferMeter} (a line every {@link #PERIOD}, and one at the end); the
 * stream's error, if any, is thrown by {@link #await}.
 */
public final class DockerProgress<T extends ResponseItem> extends ResultCallback.Adapter<T> {
  private static final java.util.regex.Pattern ANSI = java.util.regex.Pattern.compile("\u001B\\[[0-9;]*m");
  private final Consumer<String> out;
  private final String what;
  /** How often a transfer tells its bytes, rate and time left. */
  public static final Duration PERIOD = Duration.ofSeconds(2);
  private final Map<String, String> layers = new HashMap<>();
  private final TransferMeter meter = new TransferMeter(System.nanoTime(), PERIOD);
  private volatile String error;

  /** {@code what} prefixes each line ("push", "pull"); empty for a build's own output. */
  public DockerProgress(Consumer<String> out, String what) {
    this.out = out;
    this.what = what.isEmpty() ? "" : what + ": ";
  }

  @Override
  public void onError(Throwable t) {
    // reported once by await(); the default would also log it with a stack trace
    error = DockerIsolate.reason(t);
    try {
      close();
    } catch (java.io.IOException e) {
      // closing a finished stream
    }
  }

  @Override
  public void onNext(T item) {
    if (item.getErrorDetail() != null || item.getError() != null) {
      error = item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null
          ? item.getErrorDetail().getMessage() : item.getError();
      return;
    }
    if (item.getStream() != null) {
      // a build's stderr comes wrapped in terminal colour codes, which a git client prints raw
      ANSI.matcher(item.getStream()).replaceAll("").lines().map(String::stripTrailing).filter(l -> !l.isBlank()).forEach(l -> out.accept(what + l));
      return;
    }
    if (item.getId() != null && item.getProgressDetail() != null && item.getProgressDetail().getTotal() != null
        && item.getProgressDetail().getCurrent() != null) {
      synchronized (meter) {
        meter.update(item.getId(), item.getProgressDetail().getCurrent(), item.getProgressDetail().getTotal(),
            System.nanoTime()).ifPresent(line -> out.accept(what + line));
      }
    }
    String status = item.getStatus();
    if (status == null || item.getId() != null && status.equals(layers.put(item.getId(), status))) {
      return;
    }
    out.accept(what + (item.getId() == null ? "" : item.getId() + ": ") + status);
  }

  @Override
  public void onComplete() {
    if (error == null) {
      synchronized (meter) {
        meter.finish(System.nanoTime()).ifPresent(line -> out.accept(what + line));
      }
    }
    super.onComplete();
  }

  /**
   * Waits for the end of the stream.
   *
   * @throws CocaineException [TIMEOUT] past {@code timeout}, [IO_ERROR] with the daemon's error
   */
  public void await(String doing, Duration timeout) throws InterruptedException {
    try {
      if (!awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        close();
        throw new CocaineException(ErrorCode.TIMEOUT, doing + " took longer than " + timeout.toSeconds() + " s");
      }
    } catch (CocaineException e) {
      throw e;
    } catch (java.io.IOException | RuntimeException e) {
      throw new CocaineException(ErrorCode.IO_ERROR, doing + " failed: " + DockerIsolate.reason(e));
    }
    if (error != null) {
      throw new CocaineException(ErrorCode.IO_ERROR, doing + " failed: " + error);
    }
  }
}
