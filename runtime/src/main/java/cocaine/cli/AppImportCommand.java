package cocaine.cli;

import cocaine.client.StorageClient;
import cocaine.deploy.DeployFailed;
import cocaine.deploy.Deployment;
import cocaine.deploy.DockerDaemon;
import cocaine.deploy.DockerProgress;
import cocaine.model.Manifest;
import cocaine.node.isolate.docker.DockerOptions;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.PushResponseItem;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
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
  @Parameters(index = "0", arity = "0..1", paramLabel = "IMAGE", description = "an image on the daemon or pullable by"
      + " it; with --container-url, the app's directory, whose manifest.json is the manifest (the original's PATH)")
  String image;
  @Option(names = {"--container-url", "--container_url"}, paramLabel = "IMAGE", description = "the image, as the"
      + " original cocaine-tool spelled it (then the argument is the app's directory)") String containerUrl;
  @Option(names = {"-n", "--name"}, required = true, description = "app name") String name;
  @Option(names = "--manifest", description = "manifest JSON file or inline JSON (default: {\"slave\": the image's"
      + " entrypoint or command})") String manifest;
  @Option(names = "--registry", defaultValue = "127.0.0.1:5000",
      description = "registry host[:port] the nodes pull from (default: ${DEFAULT-VALUE})") String registry;
  @Option(names = "--repository", description = "namespace between registry and app name") String repository;
  @Option(names = "--tag", defaultValue = "latest", description = "tag to push (default: ${DEFAULT-VALUE})") String tag;
  @Option(names = {"--docker", "--docker-address", "--docker_address"}, defaultValue = DockerOptions.DEFAULT_ENDPOINT,
      description = "Docker daemon: unix:///path or tcp://host:port (http:// is read as tcp://) (default:"
          + " ${DEFAULT-VALUE})") String docker;
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (containerUrl != null) { // the original's spelling: PATH --container_url IMAGE
      if (image != null && manifest == null) {
        manifest = AppCommands.Upload.findManifest(Path.of(image)).toString();
      }
      image = containerUrl;
    }
    if (image == null) {
      throw new IllegalArgumentException("give the IMAGE to import (or --container-url IMAGE)");
    }
    if (docker.startsWith("http://")) { // the original's docker_address was an HTTP URL
      docker = "tcp://" + docker.substring("http://".length());
    }
    PrintWriter out = spec.commandLine().getOut();
    Map<String, Object> args = new HashMap<>(Map.of("endpoint", docker, "registry", registry, "tag", tag));
    if (repository != null) {
      args.put("repository", repository);
    }
    DockerOptions options = DockerOptions.parse(args); // the same rules as the profile's isolate args
    String destination = options.image(name);
    try (DockerDaemon daemon = DockerDaemon.connect(docker)) {
      DockerClient client = daemon.api();
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
      ProgressLines lines = new ProgressLines(out, Terminal.detect());
      DockerProgress<PushResponseItem> push = new DockerProgress<>(lines, "push");
      try {
        client.pushImageCmd(repo).withTag(destinationTag).withAuthConfig(new AuthConfig()).exec(push);
        push.await("pushing " + destination + " to " + registry, TRANSFER_TIMEOUT);
      } catch (RuntimeException e) {
        lines.finish();
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
    ProgressLines lines = new ProgressLines(out, Terminal.detect());
    DockerProgress<PullResponseItem> pull = new DockerProgress<>(lines, "pull");
    client.pullImageCmd(tagged ? image.substring(0, colon) : image).withTag(tagged ? image.substring(colon + 1) : "latest")
        .exec(pull);
    try {
      pull.await("pulling " + image, TRANSFER_TIMEOUT);
    } finally {
      lines.finish();
    }
    return client.inspectImageCmd(image).exec();
  }

  /** The image's own entrypoint (or command) as the slave; the runtime appends its options to it. */
  private Map<String, Object> defaultManifest(InspectImageResponse source) {
    try {
      return Deployment.defaultManifest(source, image, "give --manifest '{\"slave\": \"/path/in/image\"}'");
    } catch (DeployFailed e) {
      throw new IllegalArgumentException(e.reason());
    }
  }
}
