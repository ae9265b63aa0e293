package cocaine.builder;

import cocaine.deploy.DeployFailed;
import cocaine.deploy.DeployTarget;
import cocaine.deploy.Deployment;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.eclipse.jgit.errors.UnpackException;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UploadPack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One git command over SSH: {@code git-receive-pack 'APP.git'} (a push, which deploys a pushed
 * {@code main} or {@code master} before the branch moves, so a failed deploy rejects the push) or
 * {@code git-upload-pack 'APP.git'} (a clone or fetch of what was deployed). Either is refused before
 * the repository is opened when the session's key is not scoped to APP ({@link PushScope}), and a
 * push is read within {@link PushLimit}.
 */
final class GitCommand implements Command, Runnable {
  /** Branches whose push deploys; others are stored only. */
  static final List<String> DEPLOY_REFS = List.of("refs/heads/main", "refs/heads/master");
  static final Pattern APP = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");
  private static final Logger log = LoggerFactory.getLogger(GitCommand.class);

  private final GitServer server;
  private final String command;
  private InputStream in;
  private OutputStream out;
  private OutputStream err;
  private ExitCallback exit;
  private String peer = "?";
  private Pusher pusher = new Pusher("?", PushScope.none("the session is not authenticated"));

  GitCommand(GitServer server, String command) {
    this.server = server;
    this.command = command;
  }

  @Override
  public void setInputStream(InputStream in) {
    this.in = in;
  }

  @Override
  public void setOutputStream(OutputStream out) {
    this.out = out;
  }

  @Override
  public void setErrorStream(OutputStream err) {
    this.err = err;
  }

  @Override
  public void setExitCallback(ExitCallback exit) {
    this.exit = exit;
  }

  @Override
  public void start(ChannelSession channel, Environment env) {
    peer = String.valueOf(channel.getSession().getClientAddress());
    pusher = Pusher.of(channel.getServerSession(), server.settings().allowUnscopedKeys());
    if (!server.submit(this)) {
      refuse("the builder is busy with " + server.settings().concurrentPushes() + " pushes; push again in a moment");
    }
  }

  @Override
  public void destroy(ChannelSession channel) {
    // the client went away; a running deploy finishes (or fails) on its own and undoes what it must
  }

  @Override
  public void run() {
    String[] parts = command.trim().split("\\s+", 2);
    boolean receive = parts[0].equals("git-receive-pack");
    if (!(receive || parts[0].equals("git-upload-pack")) || parts.length < 2) {
      log.info("refused SSH command [{}] from {} by key {}", command, peer, pusher.key());
      refuse("the builder serves git only: git push ape@HOST:APP.git main (got '" + command + "')");
      return;
    }
    String app = appName(parts[1]);
    if (app == null) {
      log.info("refused repository [{}] from {} by key {}", parts[1], peer, pusher.key());
      refuse("repository " + parts[1] + " is not APP.git with APP of lowercase letters, digits and . _ -");
      return;
    }
    String verb = receive ? "push" : "fetch";
    Optional<String> outOfScope = pusher.scope().refusal(app);
    if (outOfScope.isPresent()) {
      log.info("refused {} of {} from {}: key {} may not: {}", verb, app, peer, pusher.key(), outOfScope.get());
      refuse("key " + pusher.key() + " may not " + verb + " '" + app + "': " + outOfScope.get());
      return;
    }
    if (!receive) {
      upload(app);
      return;
    }
    ReentrantLock lock = server.lockOf(app);
    if (!lock.tryLock()) {
      refuse("a push of '" + app + "' is still deploying; push again when it is done");
      return;
    }
    try (Repository repo = open(app, true)) {
      ReceivePack rp = new ReceivePack(repo);
      rp.setAllowNonFastForwards(true);
      rp.setAllowPushOptions(true); // git push -o canary=PERCENT
      rp.setPreReceiveHook((pack, commands) -> deploy(app, repo, pack, commands));
      server.pushLimit().receive(rp, app, in, out, err);
      finish(0, null);
    } catch (UnpackException e) {
      // the client has its status report with the reason (the push limit, a broken pack)
      log.info("refused push of {} from {} by key {}: {}", app, peer, pusher.key(),
          server.pushLimit().refusal(e, app).orElseGet(() -> reason(e)));
      finish(1, null);
    } catch (IOException | RuntimeException e) {
      log.warn("push of {} from {} by key {} failed: {}", app, peer, pusher.key(), e.toString());
      finish(1, "push failed: " + e.getMessage());
    } finally {
      lock.unlock();
    }
  }

  private void upload(String app) {
    try (Repository repo = open(app, false)) {
      if (repo == null) {
        refuse("no repository " + app + ".git: push to it first");
        return;
      }
      new UploadPack(repo).upload(in, out, err);
      finish(0, null);
    } catch (IOException | RuntimeException e) {
      finish(1, "fetch failed: " + e.getMessage());
    }
  }

  private static String reason(UnpackException e) {
    return e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage();
  }

  /** The pre-receive hook: the deploy runs on the received objects; a failure rejects the branch update. */
  private void deploy(String app, Repository repo, ReceivePack pack, Collection<ReceiveCommand> commands) {
    // build output arrives on the Docker client's thread: one writer at a time on the side band
    Consumer<String> say = line -> {
      synchronized (pack) {
        pack.sendMessage(line);
        try {
          pack.getMessageOutputStream().flush();
        } catch (IOException e) {
          // the client went away; the deploy goes on
        }
      }
    };
    ReceiveCommand deploy = commands.stream()
        .filter(c -> c.getType() != ReceiveCommand.Type.DELETE && DEPLOY_REFS.contains(c.getRefName()))
        .findFirst().orElse(null);
    if (deploy == null) {
      say.accept("builder: only a push of main or master deploys; stored without deploying");
      return;
    }
    RevCommit commit;
    try (RevWalk walk = new RevWalk(repo)) {
      commit = walk.parseCommit(deploy.getNewId()); // the pack's own walk drops commit bodies
    } catch (IOException e) {
      deploy.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "cannot read the pushed commit: " + e.getMessage());
      return;
    }
    String version = commit.abbreviate(7).name();
    int canary;
    try {
      canary = canary(pack.getPushOptions());
    } catch (IllegalArgumentException e) {
      log.warn("push of {} from {}: {}", app, peer, e.getMessage());
      say.accept("builder: " + e.getMessage());
      rejectAll(commands, e.getMessage());
      return;
    }
    log.info("push of {} {} from {}: deploying{}", app, version, peer, canary > 0 ? " as a canary at " + canary + "%"
        : "");
    try {
      Deployment.Deployed d = Deployment.run(server.target(), app, version, new GitTree(repo, commit, app + ".git"),
          say, "key:" + pusher.key(), canary);
      say.accept(String.format("deployed '%s' version %s as %s in %.1f s", app, version, d.image(),
          d.took().toMillis() / 1000.0));
      log.info("push of {} {} from {}: deployed as {} in {} ms", app, version, peer, d.image(), d.took().toMillis());
    } catch (DeployFailed e) {
      log.warn("push of {} {} from {}: deploy failed at {}: {}", app, version, peer, e.step(), e.getMessage());
      say.accept("deploy of '" + app + "' version " + version + " FAILED at step " + e.step() + ": " + e.reason());
      say.accept("the previous version keeps running; " + deploy.getRefName() + " is not updated");
      rejectAll(commands, "deploy failed at " + e.step());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      rejectAll(commands, "the builder is stopping");
    }
  }

  /**
   * The canary percent of {@code git push -o canary=PERCENT}, 0 without it.
   *
   * @throws IllegalArgumentException naming the option when it is not canary=1..99 (other options are refused too)
   */
  static int canary(java.util.List<String> options) {
    int percent = 0;
    for (String o : options == null ? java.util.List.<String>of() : options) {
      if (!o.startsWith("canary=")) {
        throw new IllegalArgumentException("unknown push option '" + o + "' (the builder takes -o canary=PERCENT)");
      }
      try {
        percent = Integer.parseInt(o.substring(7));
      } catch (NumberFormatException e) {
        percent = -1;
      }
      if (percent < 1 || percent > 99) {
        throw new IllegalArgumentException("push option '" + o + "': the canary must be a percent of 1..99");
      }
    }
    return percent;
  }

  private static void rejectAll(Collection<ReceiveCommand> commands, String why) {
    for (ReceiveCommand c : commands) {
      if (c.getResult() == ReceiveCommand.Result.NOT_ATTEMPTED) {
        c.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, why);
      }
    }
  }

  /** {@code 'echo.git'}, {@code '/echo.git'}, {@code '~/echo'} -> {@code echo}; null if not an app name. */
  static String appName(String arg) {
    String name = arg.trim();
    if (name.length() >= 2 && (name.startsWith("'") && name.endsWith("'") || name.startsWith("\"") && name.endsWith("\""))) {
      name = name.substring(1, name.length() - 1);
    }
    if (name.startsWith("~/")) {
      name = name.substring(2);
    }
    while (name.startsWith("/")) {
      name = name.substring(1);
    }
    if (name.endsWith("/")) {
      name = name.substring(0, name.length() - 1);
    }
    if (name.endsWith(".git")) {
      name = name.substring(0, name.length() - 4);
    }
    return APP.matcher(name).matches() ? name : null;
  }

  /** The app's bare repository, created on first push; null if it does not exist and {@code create} is false. */
  private Repository open(String app, boolean create) throws IOException {
    Path dir = server.settings().data().resolve("repos").resolve(app + ".git");
    File gitDir = dir.toFile();
    if (!gitDir.isDirectory()) {
      if (!create) {
        return null;
      }
      Repository repo = new FileRepositoryBuilder().setGitDir(gitDir).setBare().build();
      repo.create(true);
      log.info("created repository {}", dir);
      return repo;
    }
    return new FileRepositoryBuilder().setGitDir(gitDir).setBare().setMustExist(true).build();
  }

  /**
   * Refuses a git command before its protocol starts: git prints the ERR packet as
   * {@code fatal: remote error: builder: ...} and sends nothing (another SSH command gets the line on stderr).
   */
  private void refuse(String message) {
    if (!command.trim().startsWith("git-")) {
      finish(1, message);
      return;
    }
    try {
      new PacketLineOut(out).writeString("ERR builder: " + message + "\n");
      out.flush();
    } catch (IOException e) {
      // the client went away
    }
    exit.onExit(1, message);
  }

  private void finish(int code, String message) {
    try {
      if (message != null) {
        err.write(("builder: " + message + "\n").getBytes(StandardCharsets.UTF_8));
        err.flush();
      }
      out.flush();
    } catch (IOException e) {
      // the client went away
    }
    exit.onExit(code, message == null ? "" : message);
  }
}
