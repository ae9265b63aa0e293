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
 * The progress stream of a Docker build, pull or push as plain lines: a build's output line by line,
 * a transfer's status once per layer and step (not per byte count); the stream's error, if any, is
 * thrown by {@link #await}.
 */
public final class DockerProgress<T extends ResponseItem> extends ResultCallback.Adapter<T> {
  private static final java.util.regex.Pattern ANSI = java.util.regex.Pattern.compile("\u001B\\[[0-9;]*m");
  private final Consumer<String> out;
  private final String what;
  private final Map<String, String> layers = new HashMap<>();
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
    String status = item.getStatus();
    if (status == null || item.getId() != null && status.equals(layers.put(item.getId(), status))) {
      return;
    }
    out.accept(what + (item.getId() == null ? "" : item.getId() + ": ") + status);
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
