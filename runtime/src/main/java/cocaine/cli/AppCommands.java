package cocaine.cli;

import cocaine.client.Connection;
import cocaine.client.ServiceClient;
import cocaine.client.StorageClient;
import cocaine.model.Manifest;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Values;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.msgpack.value.Value;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cocaine app ...}: upload apps to storage and run them on the node (ECOSYSTEM.md 1.3-1.4). */
@Command(name = "app", description = "Upload, list, start and stop apps.",
    subcommands = {AppCommands.Upload.class, AppImportCommand.class, AppDeployCommand.class, AppCommands.ListApps.class, AppCommands.View.class,
        AppCommands.Remove.class, AppCommands.Start.class, AppCommands.Stop.class, AppCommands.Restart.class,
        AppCommands.Info.class, AppClusterCommands.Versions.class, AppClusterCommands.Rollback.class})
final class AppCommands {
  static final List<String> APP_TAGS = List.of("app");

  /** Packs PATH as the app archive and stores it with the manifest. */
  @Command(name = "upload", description = "Store an app: its manifest and PATH packed as a tar.gz archive.")
  static final class Upload implements Callable<Integer> {
    @Mixin Target target;
    @Parameters(index = "0", arity = "0..1", paramLabel = "PATH", description = "app directory") Path path;
    @Option(names = {"-n", "--name"}, description = "app name (default: PATH's directory name)") String name;
    @Option(names = "--manifest", description = "manifest JSON file or inline JSON (default: PATH/manifest.json)")
    String manifest;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
      if (path == null && manifest == null) {
        throw new IllegalArgumentException("give an app directory PATH, or --manifest for a manifest-only upload");
      }
      if (path != null && !Files.isDirectory(path)) {
        throw new IllegalArgumentException("'" + path + "' is not a directory");
      }
      String app = name != null ? name : path.toAbsolutePath().normalize().getFileName().toString();
      String manifestSource = manifest != null ? manifest : path.resolve("manifest.json").toString();
      Map<String, Object> manifestMap = Printer.readJsonObject(manifestSource, "manifest");
      Manifest.fromMap(app, manifestMap);
      byte[] archive = path == null ? null : tarGz(path);
      try (StorageClient storage = target.storage()) {
        if (archive != null) {
          storage.write("apps", app, Printer.pack(Values.bytes(archive)), APP_TAGS);
        }
        storage.write("manifests", app, Printer.pack(manifestMap), APP_TAGS);
      }
      spec.commandLine().getOut().println("app '" + app + "' uploaded" + (archive == null ? " (manifest only)"
          : " (" + archive.length + " bytes archive)"));
      return 0;
    }

    private static byte[] tarGz(Path dir) throws IOException, InterruptedException {
      Process tar = new ProcessBuilder("tar", "-czf", "-", "-C", dir.toString(), ".")
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (InputStream in = tar.getInputStream()) {
        in.transferTo(out);
      }
      if (tar.waitFor() != 0) {
        throw new IOException("tar failed to pack " + dir + " (exit " + tar.exitValue() + ")");
      }
      return out.toByteArray();
    }
  }

  @Command(name = "list", description = "List uploaded apps.")
  static final class ListApps implements Callable<Integer> {
    @Mixin Target target;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (StorageClient storage = target.storage()) {
        Printer.print(spec.commandLine().getOut(), storage.find("manifests", APP_TAGS));
      }
      return 0;
    }
  }

  @Command(name = "view", description = "Print an app's manifest.")
  static final class View implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (StorageClient storage = target.storage()) {
        Printer.print(spec.commandLine().getOut(), Printer.unpack(storage.read("manifests", name)));
      }
      return 0;
    }
  }

  @Command(name = "remove", description = "Remove an app's manifest and archive.")
  static final class Remove implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (StorageClient storage = target.storage()) {
        if (!storage.find("manifests", APP_TAGS).contains(name)) {
          throw new CocaineException(ErrorCode.NOT_FOUND, "app '" + name + "' is not uploaded");
        }
        storage.remove("manifests", name);
        storage.remove("apps", name);
      }
      spec.commandLine().getOut().println("app '" + name + "' removed");
      return 0;
    }
  }

  @Command(name = "start", description = "Start an app on the node with a profile.")
  static final class Start implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Option(names = {"-r", "--profile"}, required = true) String profile;
    @Option(names = "--cluster", description = "on every node: set the cluster's desired state") boolean cluster;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      if (cluster) {
        return AppClusterCommands.start(target, spec.commandLine().getOut(), name, profile);
      }
      try (ServiceClient node = target.service("node")) {
        Connection.await(node.callWith("start_app", target.authorization(), name, profile), target.timeout, "node.start_app");
      }
      spec.commandLine().getOut().println("app '" + name + "' started with profile '" + profile + "'");
      return 0;
    }
  }

  @Command(name = "stop", aliases = "pause", description = "Stop an app on the node.")
  static final class Stop implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Option(names = "--cluster", description = "on every node: set the cluster's desired state") boolean cluster;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      if (cluster) {
        return AppClusterCommands.stop(target, spec.commandLine().getOut(), name);
      }
      try (ServiceClient node = target.service("node")) {
        Connection.await(node.callWith("pause_app", target.authorization(), name), target.timeout, "node.pause_app");
      }
      spec.commandLine().getOut().println("app '" + name + "' stopped");
      return 0;
    }
  }

  @Command(name = "restart", description = "Stop and start an app, with its running profile unless -r is given.")
  static final class Restart implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Option(names = {"-r", "--profile"}) String profile;
    @Option(names = "--cluster", description = "on every node: set the cluster's desired state") boolean cluster;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() throws IOException {
      if (cluster) {
        return AppClusterCommands.restart(target, spec.commandLine().getOut(), name);
      }
      try (ServiceClient node = target.service("node")) {
        String use = profile;
        if (use == null) {
          Object info = Values.toJava(Connection.await(node.callWith("info", target.authorization(), name, 0), target.timeout, "node.info").get(0));
          Object p = info instanceof Map<?, ?> m ? m.get("profile") : null;
          if (p instanceof Map<?, ?> pm && pm.get("name") instanceof String n) {
            use = n;
          } else {
            throw new IllegalArgumentException("cannot tell which profile '" + name + "' runs with; give -r PROFILE");
          }
        }
        Connection.await(node.callWith("pause_app", target.authorization(), name), target.timeout, "node.pause_app");
        Connection.await(node.callWith("start_app", target.authorization(), name, use), target.timeout, "node.start_app");
        spec.commandLine().getOut().println("app '" + name + "' restarted with profile '" + use + "'");
      }
      return 0;
    }
  }

  /** Per-app runtime state from the node: pool, queue, slaves. Also the top-level {@code cocaine info}. */
  @Command(name = "info", description = "Show the running state of apps on the node.")
  static final class Info implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, description = "only this app") String name;
    @Option(names = {"-m", "--manifest"}, description = "expand the manifest") boolean expandManifest;
    @Option(names = {"-p", "--profile"}, description = "expand the profile") boolean expandProfile;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      int flags = 1 | (expandManifest ? 2 : 0) | (expandProfile ? 4 : 0);
      Map<String, Object> out = new LinkedHashMap<>();
      try (ServiceClient node = target.service("node")) {
        List<String> apps;
        if (name != null) {
          apps = List.of(name);
        } else {
          apps = Values.asStrings(Connection.await(node.call("list"), target.timeout, "node.list").get(0));
        }
        for (String app : apps) {
          try {
            List<Value> reply = Connection.await(node.callWith("info", target.authorization(), app, flags), target.timeout, "node.info");
            out.put(app, Values.toJava(reply.get(0)));
          } catch (CocaineException e) {
            if (name != null) {
              throw e;
            }
            out.put(app, Map.of("state", "unresponsive", "error", e.toString()));
          }
        }
      }
      Printer.print(spec.commandLine().getOut(), name != null ? out.get(name) : out);
      return 0;
    }
  }
}
