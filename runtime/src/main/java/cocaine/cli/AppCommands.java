package cocaine.cli;

import cocaine.deploy.Units;
import cocaine.client.Connection;
import cocaine.client.ServiceClient;
import cocaine.client.StorageClient;
import cocaine.cluster.desired.AppVersion;
import cocaine.cluster.desired.DesiredApp;
import cocaine.deploy.Releases;
import cocaine.model.Manifest;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Values;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
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
        AppCommands.Info.class, AppCheckCommand.class, AppClusterCommands.Versions.class, AppClusterCommands.Rollback.class,
        AppClusterCommands.Promote.class})
final class AppCommands {
  static final List<String> APP_TAGS = List.of("app");

  /** Refuses [NOT_FOUND] an app whose manifest is not stored. */
  static void requireUploaded(StorageClient storage, String name) {
    if (!storage.find("manifests", APP_TAGS).contains(name)) {
      throw new CocaineException(ErrorCode.NOT_FOUND, "app '" + name + "' is not uploaded");
    }
  }

  /**
   * Packs PATH as the app archive (or takes a ready one with {@code --package}) and stores it with the
   * manifest: {@code --manifest}, else PATH's {@code manifest.json} or {@code manifest}, found in PATH
   * or below it as the original found it.
   */
  @Command(name = "upload", description = "Store an app: its manifest and PATH packed as a tar.gz archive"
      + " (or --package ARCHIVE, or only the manifest).")
  static final class Upload implements Callable<Integer> {
    @Mixin Target target;
    @Parameters(index = "0", arity = "0..1", paramLabel = "PATH", description = "app directory") Path path;
    @Option(names = {"-n", "--name"}, description = "app name (default: PATH's directory name)") String name;
    @Option(names = "--manifest", description = "manifest JSON file or inline JSON (default: manifest.json or manifest"
        + " in PATH or below it)") String manifest;
    @Option(names = "--package", paramLabel = "ARCHIVE", description = "a ready .tar.gz archive of the app instead of"
        + " PATH; needs -n and --manifest") Path archivePath;
    @Option(names = {"--manifest-only", "--manifest_only"}, description = "store the manifest only (e.g. of an app"
        + " whose image is in a registry)") boolean manifestOnly;
    @Option(names = "--release", description = "also record it as the app's next version and run that on the cluster"
        + " with its current profile, as a deploy does (the app must run there: app start --cluster first);"
        + " app rollback goes back") boolean release;
    @Option(names = "--canary", paramLabel = "PERCENT", description = "with --release: run the new version beside the"
        + " current one at PERCENT (1..99) of the new channels on every node, until 'app promote' or 'app rollback'")
    int canary;
    @Option(names = "--wait", paramLabel = "DURATION", converter = DurationConverter.class, description = "with"
        + " --release: wait this long for every node to run it (a node that cannot, its health gate included, rolls"
        + " the cluster back and marks the version failed); 0 = do not wait (default: ${DEFAULT-VALUE})",
        defaultValue = "0s") java.time.Duration await;
    @Option(names = {"--docker-address", "--docker_address"}, hidden = true) String docker;
    @Option(names = "--registry", hidden = true) String registry;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
      if (docker != null || registry != null) {
        throw new IllegalArgumentException("app upload builds no images here: build and push with 'cocaine app deploy"
            + " PATH --docker ADDRESS --registry HOST:PORT', or import a built image with 'cocaine app import IMAGE -n"
            + " NAME'");
      }
      if (path != null && archivePath != null) {
        throw new IllegalArgumentException("give PATH or --package, not both");
      }
      if (!release && (canary != 0 || !await.isZero())) {
        throw new IllegalArgumentException("--canary and --wait go with --release");
      }
      if (path == null && archivePath == null && manifest == null) {
        throw new IllegalArgumentException("give an app directory PATH, --package ARCHIVE with --manifest, or --manifest"
            + " for a manifest-only upload");
      }
      if (path != null && !Files.isDirectory(path)) {
        throw new IllegalArgumentException("'" + path + "' is not a directory");
      }
      if (archivePath != null && (name == null || manifest == null)) {
        throw new IllegalArgumentException("--package needs the app's name (-n) and its manifest (--manifest)");
      }
      if (name == null && path == null) {
        throw new IllegalArgumentException("give the app's name with -n");
      }
      String app = name != null ? name : path.toAbsolutePath().normalize().getFileName().toString();
      String manifestSource = manifest != null ? manifest : findManifest(path).toString();
      Map<String, Object> manifestMap = Printer.readJsonObject(manifestSource, "manifest");
      Manifest.fromMap(app, manifestMap);
      long started = System.nanoTime();
      byte[] archive = manifestOnly ? null : archivePath != null ? readPackage(archivePath) : path == null ? null : tarGz(path);
      long packed = System.nanoTime();
      try (StorageClient storage = target.storage()) {
        Releases releases = release ? AppClusterCommands.releases(target, storage) : null;
        // refused before anything is stored: the upload stays as it was
        String profile = !release ? null : releases.desired(app).map(DesiredApp::profile).orElseThrow(() ->
            new IllegalArgumentException("app '" + app + "' does not run on the cluster yet, so --release has no"
                + " profile to run it with: upload without --release, then 'cocaine app start --cluster -n " + app
                + " -r PROFILE' (that records version 1)"));
        if (archive != null) {
          storage.write("apps", app, Printer.pack(Values.bytes(archive)), APP_TAGS);
        }
        storage.write("manifests", app, Printer.pack(manifestMap), APP_TAGS);
        long stored = System.nanoTime();
        spec.commandLine().getOut().println("app '" + app + "' uploaded" + (archive == null ? " (manifest only)"
            : " (" + archive.length + " bytes archive: " + Units.bytes(archive.length) + " packed in "
            + millis(packed - started) + ", stored in " + millis(stored - packed) + " at "
            + Units.bytes(Math.round(archive.length / Math.max(1e-3, (stored - packed) / 1e9))) + "/s)"));
        if (release) {
          AppClusterCommands.release(target, spec.commandLine().getOut(), storage, releases, app, manifestMap, archive,
              profile, canary, await);
        }
      }
      return 0;
    }

    private static String millis(long nanos) {
      return nanos / 1_000_000 + " ms";
    }

    /** {@code manifest.json}, else {@code manifest}, in {@code dir}, else the shallowest one below it. */
    static Path findManifest(Path dir) throws IOException {
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException("'" + dir + "' is not a directory");
      }
      for (String file : List.of("manifest.json", "manifest")) {
        if (Files.isRegularFile(dir.resolve(file))) {
          return dir.resolve(file);
        }
      }
      try (Stream<Path> all = Files.walk(dir)) {
        return all.filter(p -> Files.isRegularFile(p) && List.of("manifest.json", "manifest").contains(
                p.getFileName().toString()))
            .min(Comparator.comparingInt(Path::getNameCount).thenComparing(Path::toString))
            .orElseThrow(() -> new IllegalArgumentException("no manifest.json (or manifest) in " + dir + " or below it:"
                + " write one, e.g. {\"slave\": \"app.sh\"}, or give --manifest FILE"));
      }
    }

    private static byte[] readPackage(Path archive) throws IOException {
      if (!Files.isRegularFile(archive)) {
        throw new IllegalArgumentException("--package '" + archive + "' is not a file");
      }
      byte[] bytes = Files.readAllBytes(archive);
      if (bytes.length < 2 || (bytes[0] & 0xff) != 0x1f || (bytes[1] & 0xff) != 0x8b) {
        throw new IllegalArgumentException("--package '" + archive + "' is not a gzip archive: pack the app with"
            + " 'tar -czf app.tar.gz -C DIR .'");
      }
      return bytes;
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
  static final class ListApps extends StorageCommand {
    @Override
    void run(StorageClient storage, PrintWriter out) {
      HumanOutput.print(target, out, storage.find("manifests", APP_TAGS), "APP");
    }
  }

  @Command(name = "view", description = "Print an app's manifest.")
  static final class View extends StorageCommand.Named {
    @Override
    void run(StorageClient storage, PrintWriter out) {
      HumanOutput.print(target, out, Printer.unpack(storage.read("manifests", name)), "KEY");
    }
  }

  @Command(name = "remove", description = "Remove an app's manifest and archive.")
  static final class Remove extends StorageCommand.Named {
    @Override
    void run(StorageClient storage, PrintWriter out) {
      requireUploaded(storage, name);
      storage.remove("manifests", name);
      storage.remove("apps", name);
      out.println("app '" + name + "' removed");
    }
  }

  @Command(name = "start", description = "Start an app on the node with a profile.")
  static final class Start implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, required = true) String name;
    @Option(names = {"-r", "--profile"}, required = true) String profile;
    @Option(names = "--cluster", description = "on every node: set the cluster's desired state") boolean cluster;
    @Option(names = "--nodes", split = ",", paramLabel = "NODE", description = "with --cluster: only on these nodes"
        + " (their cocaine.node.name, comma-separated; 'all': every node); the other nodes resolve it through their"
        + " locators (default: the nodes it was placed on, at first every node)") List<String> nodes;
    @Option(names = "--count", paramLabel = "N", description = "with --cluster: on N of the nodes that report to the"
        + " cluster, chosen by a rendezvous hash of the app's and the nodes' names (the same nodes give the same"
        + " choice; apps spread) and written as their names: a node that leaves is replaced at the next start")
    Integer count;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      if ((nodes != null || count != null) && !cluster) {
        throw new IllegalArgumentException((nodes != null ? "--nodes" : "--count") + " goes with --cluster");
      }
      if (nodes != null && count != null) {
        throw new IllegalArgumentException("--nodes names the nodes, --count says how many: give one of them");
      }
      if (cluster) {
        return AppClusterCommands.start(target, spec.commandLine().getOut(), name, profile,
            Optional.ofNullable(nodes), Optional.ofNullable(count));
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

  /**
   * Per-app runtime state from the node: pool, queue, slaves. Also the top-level {@code cocaine info}
   * (and {@code cocaine i}, the original's alias). A name with {@code *}, {@code ?} or {@code [...]} is a
   * shell wildcard over the running apps, as in the original.
   */
  @Command(name = "info", aliases = "i", description = "Show the running state of apps on the node.")
  static final class Info implements Callable<Integer> {
    @Mixin Target target;
    @Option(names = {"-n", "--name"}, description = "only this app, or the apps a shell wildcard matches (e.g. 'echo*')")
    String name;
    @Option(names = {"-m", "--manifest"}, description = "expand the manifest") boolean expandManifest;
    @Option(names = {"-p", "--profile"}, description = "expand the profile") boolean expandProfile;
    @Option(names = {"-b", "--brief"}, description = "only the brief state (ignores -m and -p)") boolean brief;
    @Option(names = "-w", hidden = true, description = "the original's wildcard switch; wildcards always apply")
    boolean wildcard;
    @Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      int flags = brief ? 0 : 1 | (expandManifest ? 2 : 0) | (expandProfile ? 4 : 0);
      boolean pattern = name != null && isWildcard(name);
      Map<String, Object> out = new LinkedHashMap<>();
      try (ServiceClient node = target.service("node")) {
        List<String> apps;
        if (name != null && !pattern) {
          apps = List.of(name);
        } else {
          apps = Values.asStrings(Connection.await(node.call("list"), target.timeout, "node.list").get(0));
          if (pattern) {
            apps = matching(apps, name);
          }
        }
        for (String app : apps) {
          try {
            List<Value> reply = Connection.await(node.callWith("info", target.authorization(), app, flags), target.timeout, "node.info");
            out.put(app, Values.toJava(reply.get(0)));
          } catch (CocaineException e) {
            if (name != null && !pattern) {
              throw e;
            }
            out.put(app, Map.of("state", "unresponsive", "error", e.toString()));
          }
        }
      }
      if (name != null && !pattern && target.json) {
        Printer.print(spec.commandLine().getOut(), out.get(name));
      } else if (name != null && !pattern) {
        AppInfoView.details(spec.commandLine().getOut(), Terminal.detect(), name,
            out.get(name) instanceof Map<?, ?> m ? m : Map.of());
      } else if (target.json) {
        Printer.print(spec.commandLine().getOut(), out);
      } else if (out.isEmpty()) {
        spec.commandLine().getOut().println(name == null ? "no apps run on this node" : "no running app matches '" + name + "'");
      } else {
        AppInfoView.table(out, Terminal.detect()).print(spec.commandLine().getOut(), Terminal.detect());
      }
      return 0;
    }

    static boolean isWildcard(String name) {
      return name.indexOf('*') >= 0 || name.indexOf('?') >= 0 || name.indexOf('[') >= 0;
    }

    /** The apps {@code pattern} matches as a shell wildcard ({@code *}, {@code ?}, {@code [abc]}, {@code [!abc]}), sorted. */
    static List<String> matching(List<String> apps, String pattern) {
      PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
      return apps.stream().filter(app -> matcher.matches(Path.of(app))).sorted().toList();
    }
  }
}
