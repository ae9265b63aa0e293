package cocaine.cli;

import cocaine.client.StorageClient;
import cocaine.model.Manifest;
import cocaine.node.isolate.docker.DockerIsolate;
import cocaine.node.isolate.docker.DockerOptions;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.PushResponseItem;
import com.github.dockerjava.api.model.ResponseItem;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cocaine app import IMAGE}: makes an existing Docker image an app (ECOSYSTEM.md 1.3): pulls it
 * if the daemon lacks it, tags it {@code [registry/][repository/]<name>:<tag>} (the name the docker
 * isolate pulls), pushes it, and only then stores the manifest, so a failed push lists no app.
 */
@Command(name = "import", description = "Make an existing Docker image an app: tag it for the registry, push it,"
    + " store the manifest.")
final class AppImportCommand implements Callable<Integer> {
  private static final Duration TRANSFER_TIMEOUT = Duration.ofMinutes(30);

  @Mixin Target target;
  @Parameters(index = "0", paramLabel = "IMAGE", description = "an image on the daemon or pullable by it") String image;
  @Option(names = {"-n", "--name"}, required = true, description = "app name") String name;
  @Option(names = "--manifest", description = "manifest JSON file or inline JSON (default: {\"slave\": the image's"
      + " entrypoint or command})") String manifest;
  @Option(names = "--registry", defaultValue = "127.0.0.1:5000",
      description = "registry host[:port] the nodes pull from (default: ${DEFAULT-VALUE})") String registry;
  @Option(names = "--repository", description = "namespace between registry and app name") String repository;
  @Option(names = "--tag", defaultValue = "latest", description = "tag to push (default: ${DEFAULT-VALUE})") String tag;
  @Option(names = "--docker", defaultValue = DockerOptions.DEFAULT_ENDPOINT,
      description = "Docker daemon (default: ${DEFAULT-VALUE})") String docker;
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Map<String, Object> args = new HashMap<>(Map.of("endpoint", docker, "registry", registry, "tag", tag));
    if (repository != null) {
      args.put("repository", repository);
    }
    DockerOptions options = DockerOptions.parse(args); // the same rules as the profile's isolate args
    String destination = options.image(name);
    var config = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(docker).build();
    try (var http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
        .connectionTimeout(Duration.ofSeconds(5)).build();
        DockerClient client = DockerClientImpl.getInstance(config, http)) {
      try {
        client.pingCmd().exec();
      } catch (RuntimeException e) {
        throw new CocaineException(ErrorCode.IO_ERROR, "cannot reach the Docker daemon at " + docker + ": "
            + DockerIsolate.reason(e));
      }
      InspectImageResponse source = inspectOrPull(client, out);
      Map<String, Object> manifestMap = manifest != null ? Printer.readJsonObject(manifest, "manifest")
          : defaultManifest(source);
      Manifest.fromMap(name, manifestMap);

      int colon = destination.lastIndexOf(':');
      String repo = destination.substring(0, colon);
      String destinationTag = destination.substring(colon + 1);
      boolean tagExisted = exists(client, destination);
      client.tagImageCmd(source.getId(), repo, destinationTag).withForce(true).exec();
      out.println("tagged " + image + " as " + destination);
      out.flush();
      Progress<PushResponseItem> push = new Progress<>(out, "push");
      try {
        client.pushImageCmd(repo).withTag(destinationTag).withAuthConfig(new AuthConfig()).exec(push);
        push.await("pushing " + destination + " to " + registry);
      } catch (RuntimeException e) {
        if (!tagExisted) {
          untag(client, destination); // a failed import leaves the daemon as it was
        }
        throw e;
      }

      try (StorageClient storage = target.storage()) {
        storage.write("manifests", name, Printer.pack(manifestMap), AppCommands.APP_TAGS);
      }
      out.println("app '" + name + "' imported as " + destination + " (slave " + manifestMap.get("slave") + "); run it"
          + " with a profile whose isolate is {\"type\": \"docker\", \"args\": {\"registry\": \"" + registry + "\""
          + (repository == null ? "" : ", \"repository\": \"" + repository + "\"")
          + (tag.equals("latest") ? "" : ", \"tag\": \"" + tag + "\"") + "}}");
      return 0;
    }
  }

  private static boolean exists(DockerClient client, String name) {
    try {
      client.inspectImageCmd(name).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  private static void untag(DockerClient client, String name) {
    try {
      client.removeImageCmd(name).withNoPrune(true).exec();
    } catch (RuntimeException e) {
      // the tag stays; the error the caller sees is the push's
    }
  }

  private InspectImageResponse inspectOrPull(DockerClient client, PrintWriter out) throws InterruptedException {
    try {
      return client.inspectImageCmd(image).exec();
    } catch (NotFoundException e) {
      out.println(image + " is not on the daemon: pulling it");
      out.flush();
    }
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    boolean tagged = colon > slash;
    Progress<PullResponseItem> pull = new Progress<>(out, "pull");
    client.pullImageCmd(tagged ? image.substring(0, colon) : image).withTag(tagged ? image.substring(colon + 1) : "latest")
        .exec(pull);
    pull.await("pulling " + image);
    return client.inspectImageCmd(image).exec();
  }

  /** The image's own entrypoint (or command) as the slave; the runtime appends its options to it. */
  private Map<String, Object> defaultManifest(InspectImageResponse source) {
    var c = source.getConfig();
    String[] entry = c == null ? null : c.getEntrypoint() != null && c.getEntrypoint().length > 0 ? c.getEntrypoint()
        : c.getCmd();
    if (entry == null || entry.length != 1 || entry[0].isBlank()) {
      throw new IllegalArgumentException("image " + image + " has no single-executable ENTRYPOINT or CMD"
          + (entry == null ? "" : " (it has " + List.of(entry) + ")")
          + "; give --manifest '{\"slave\": \"/path/in/image\"}'");
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("slave", entry[0]);
    return m;
  }

  /** Prints the daemon's progress as plain lines: one per layer and step, not per byte count. */
  private static final class Progress<T extends ResponseItem> extends ResultCallback.Adapter<T> {
    private final PrintWriter out;
    private final String what;
    private final Map<String, String> layers = new HashMap<>();
    private volatile String error;

    Progress(PrintWriter out, String what) {
      this.out = out;
      this.what = what;
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
      String status = item.getStatus();
      if (status == null || item.getId() != null && status.equals(layers.put(item.getId(), status))) {
        return;
      }
      synchronized (out) {
        out.println(what + ": " + (item.getId() == null ? "" : item.getId() + ": ") + status);
        out.flush();
      }
    }

    void await(String doing) throws InterruptedException {
      try {
        if (!awaitCompletion(TRANSFER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          throw new CocaineException(ErrorCode.TIMEOUT, doing + " took longer than " + TRANSFER_TIMEOUT.toMinutes()
              + " min");
        }
      } catch (CocaineException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new CocaineException(ErrorCode.IO_ERROR, doing + " failed: " + DockerIsolate.reason(e));
      }
      if (error != null) {
        throw new CocaineException(ErrorCode.IO_ERROR, doing + " failed: " + error);
      }
    }
  }
}
