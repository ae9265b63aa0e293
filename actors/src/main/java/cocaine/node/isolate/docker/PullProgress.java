package cocaine.node.isolate.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.PullResponseItem;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The progress stream of one image pull for an app's spool, as log lines: the pull's own steps at
 * info, each layer's steps at debug once each (not every progress tick). The stream's error, if any,
 * is kept for the spool's error instead of being logged.
 */
final class PullProgress extends ResultCallback.Adapter<PullResponseItem> {
  // the isolate's logger: a pull is a step of its app's spool, found under one name
  private static final Logger log = LoggerFactory.getLogger(DockerIsolate.class);

  private final String app;
  private final String image;
  private final Map<String, String> layers = new LinkedHashMap<>();
  private volatile String error;

  PullProgress(String app, String image) {
    this.app = app;
    this.image = image;
  }

  /** The daemon's or the stream's error; null while there is none. */
  String error() {
    return error;
  }

  @Override
  public void onError(Throwable t) {
    // kept for the spool's error; the default would log it with a stack trace as well
    error = DockerIsolate.reason(t);
    closeQuietly();
  }

  @Override
  public void onNext(PullResponseItem item) {
    if (item.getErrorDetail() != null || item.getError() != null) {
      error = item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null
          ? item.getErrorDetail().getMessage() : item.getError();
      return;
    }
    String status = item.getStatus();
    if (status == null) {
      return;
    }
    if (item.getId() == null) {
      log.info("app [{}]: pull [{}]: {}", app, image, status);
    } else if (!status.equals(layers.put(item.getId(), status))) {
      // one line per layer and step, not per progress tick
      log.debug("app [{}]: pull [{}]: layer {}: {}", app, image, item.getId(), status);
    }
  }

  /** Stops the stream (given up, or failed); never fails. */
  void closeQuietly() {
    try {
      close();
    } catch (Exception e) {
      log.debug("closing {}: {}", this, e.toString());
    }
  }
}
