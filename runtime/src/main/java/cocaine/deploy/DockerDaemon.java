package cocaine.deploy;

import cocaine.node.isolate.docker.DockerIsolate;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.time.Duration;

/**
 * A Docker API client for builds, pushes and imports: no response timeout, because a build or a
 * push streams progress for as long as it runs (callers bound the whole transfer instead).
 */
public final class DockerDaemon implements AutoCloseable {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private final String endpoint;
  private final ApacheDockerHttpClient http;
  private final DockerClient api;

  private DockerDaemon(String endpoint, ApacheDockerHttpClient http, DockerClient api) {
    this.endpoint = endpoint;
    this.http = http;
    this.api = api;
  }

  /**
   * Connects to the daemon at {@code endpoint} ({@code unix:///path} or {@code tcp://host:port}) and
   * pings it.
   *
   * @throws CocaineException [IO_ERROR] naming the endpoint when the daemon does not answer
   */
  public static DockerDaemon connect(String endpoint) {
    var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(endpoint)
        .withDockerTlsVerify(false).build();
    var http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
        .connectionTimeout(CONNECT_TIMEOUT).build();
    DockerDaemon daemon = new DockerDaemon(endpoint, http, DockerClientImpl.getInstance(config, http));
    try {
      daemon.api.pingCmd().exec();
    } catch (RuntimeException e) {
      daemon.close();
      throw new CocaineException(ErrorCode.IO_ERROR, "cannot reach the Docker daemon at " + endpoint + ": "
          + DockerIsolate.reason(e));
    }
    return daemon;
  }

  public DockerClient api() {
    return api;
  }

  public String endpoint() {
    return endpoint;
  }

  @Override
  public void close() {
    try {
      api.close();
      http.close();
    } catch (IOException e) {
      // closing idle connections; nothing left to do
    }
  }
}
