package cocaine.node.isolate.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Docker daemon as an app's isolate talks to it: the API client for short calls (with a read
 * timeout, so a hung daemon fails a call instead of holding a thread forever) and a plain HTTP client
 * without one for the streams that last as long as a worker (attach, wait).
 */
final class Daemon implements AutoCloseable {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);
  /** Short calls in flight at once (creates, starts, stops, inspects of one app's workers). */
  private static final int CALL_CONNECTIONS = 16;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  private final URI endpoint;
  private final DockerHttpClient calls;
  private final DockerHttpClient streams;
  private final DockerClient api;

  private Daemon(URI endpoint, DockerHttpClient calls, DockerHttpClient streams, DockerClient api) {
    this.endpoint = endpoint;
    this.calls = calls;
    this.streams = streams;
    this.api = api;
  }

  /**
   * Clients for the daemon at {@code endpoint}; connects lazily, so this does not fail when the
   * daemon is down.
   *
   * @param maxStreams workers whose output may be streamed at once (one connection each)
   * @param stopTimeout longest a stop call may take (the daemon answers after the container exits)
   */
  static Daemon connect(URI endpoint, int maxStreams, Duration stopTimeout) {
    var config = DefaultDockerClientConfig.createDefaultConfigBuilder()
        .withDockerHost(endpoint.toString())
        .withDockerTlsVerify(false)
        .build();
    Duration callTimeout = CALL_TIMEOUT.plus(stopTimeout);
    DockerHttpClient calls = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
        .maxConnections(CALL_CONNECTIONS).connectionTimeout(CONNECT_TIMEOUT).responseTimeout(callTimeout).build();
    DockerHttpClient streams = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
        .maxConnections(Math.max(1, maxStreams)).connectionTimeout(CONNECT_TIMEOUT).build();
    return new Daemon(endpoint, calls, streams, DockerClientImpl.getInstance(config, calls));
  }

  URI endpoint() {
    return endpoint;
  }

  DockerClient api() {
    return api;
  }

  /**
   * Opens the container's output stream (stdout and stderr, multiplexed; see {@link AttachStream}).
   * Call it before the container starts: attaching to a container that has already exited waits forever.
   */
  DockerHttpClient.Response attach(String container) {
    DockerHttpClient.Response response = streams.execute(post("/containers/" + container
        + "/attach?stream=1&stdout=1&stderr=1"));
    if (response.getStatusCode() != 200) {
      String body = text(response);
      response.close();
      throw new IllegalStateException("attach answered " + response.getStatusCode() + ": " + body);
    }
    return response;
  }

  /** Blocks until the container has stopped; its exit code (128 + signal when killed by one). */
  int awaitExit(String container) throws IOException {
    try (DockerHttpClient.Response response = streams.execute(post("/containers/" + container + "/wait"))) {
      String body = text(response);
      if (response.getStatusCode() != 200) {
        throw new IOException("wait answered " + response.getStatusCode() + ": " + body);
      }
      JsonNode status = JSON.readTree(body).get("StatusCode");
      if (status == null || !status.canConvertToInt()) {
        throw new IOException("wait answered without a StatusCode: " + body);
      }
      return status.asInt();
    }
  }

  private static DockerHttpClient.Request post(String path) {
    return DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.POST).path(path).build();
  }

  private static String text(DockerHttpClient.Response response) {
    try (InputStream in = response.getBody()) {
      return new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    for (AutoCloseable c : new AutoCloseable[] {api, calls, streams}) {
      try {
        c.close();
      } catch (Exception e) {
        log.debug("closing the Docker client of [{}]: {}", endpoint, e.toString());
      }
    }
  }
}
