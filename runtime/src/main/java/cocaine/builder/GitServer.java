package cocaine.builder;

import cocaine.config.BuilderSettings;
import cocaine.deploy.DeployTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The builder's SSH server: user {@value #USER} with the keys of an authorized_keys file, each
 * scoped to the apps it may push ({@link PushScope}), git commands only ({@link GitCommand}), pushes
 * up to a size ({@link PushLimit}), a bounded number of pushes at a time.
 */
public final class GitServer implements AutoCloseable {
  /** The one user name pushes use, as in the original platform's builder: {@code ape@HOST:APP.git}. */
  public static final String USER = "ape";
  private static final Logger log = LoggerFactory.getLogger(GitServer.class);

  private final BuilderSettings settings;
  private final DeployTarget target;
  private final PushLimit pushLimit;
  private final SshServer sshd;
  private final ThreadPoolExecutor pushes;
  private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  private GitServer(BuilderSettings settings, DeployTarget target) {
    this.settings = settings;
    this.target = target;
    this.pushLimit = new PushLimit(settings.maxPushBytes());
    AtomicInteger n = new AtomicInteger();
    // no queue: a push beyond the bound is refused at once instead of waiting unseen
    this.pushes = new ThreadPoolExecutor(settings.concurrentPushes(), settings.concurrentPushes(), 60,
        TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
          Thread t = new Thread(r, "builder-push-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.pushes.allowCoreThreadTimeOut(true);
    this.sshd = SshServer.setUpDefaultServer();
  }

  /**
   * Starts the SSH server on the settings' host and port; the host key is made at the first start and
   * kept in the data folder, so clients see the same key after a restart.
   */
  public static GitServer start(BuilderSettings settings, DeployTarget target) throws IOException {
    Files.createDirectories(settings.data().resolve("repos"));
    GitServer server = new GitServer(settings, target);
    SshServer sshd = server.sshd;
    sshd.setHost(settings.host());
    sshd.setPort(settings.port());
    sshd.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(settings.data().resolve("ssh_host_key")));
    sshd.setPasswordAuthenticator(null);
    sshd.setKeyboardInteractiveAuthenticator(null);
    sshd.setGSSAuthenticator(null);
    sshd.setPublickeyAuthenticator(new ApeKeys(settings));
    sshd.setCommandFactory((channel, command) -> new GitCommand(server, command));
    try {
      sshd.start();
    } catch (IOException e) {
      server.close();
      throw new IOException("cannot listen for SSH on " + settings.host() + ":" + settings.port() + ": "
          + e.getMessage(), e);
    }
    return server;
  }

  /** The port the SSH server listens on (the configured one, or the OS-assigned one for 0). */
  public int port() {
    return sshd.getPort();
  }

  BuilderSettings settings() {
    return settings;
  }

  DeployTarget target() {
    return target;
  }

  PushLimit pushLimit() {
    return pushLimit;
  }

  /** Runs a git command on a push thread; false when every one is busy. */
  boolean submit(GitCommand command) {
    try {
      pushes.execute(command);
      return true;
    } catch (RejectedExecutionException e) {
      log.warn("refused a git command: {} pushes in progress", settings.concurrentPushes());
      return false;
    }
  }

  ReentrantLock lockOf(String app) {
    return locks.computeIfAbsent(app, a -> new ReentrantLock());
  }

  @Override
  public void close() {
    try {
      sshd.stop(true);
    } catch (IOException e) {
      log.debug("stopping the SSH server: {}", e.toString());
    }
    pushes.shutdownNow();
  }

  /** The authorized_keys file for user {@value #USER} only; every refusal is logged once with its key. */
  private static final class ApeKeys extends AuthorizedKeysAuthenticator {
    ApeKeys(BuilderSettings settings) {
      super(settings.authorizedKeys());
    }

    @Override
    protected boolean isValidUsername(String username, ServerSession session) {
      return USER.equals(username);
    }

    @Override
    public boolean authenticate(String username, java.security.PublicKey key, ServerSession session) {
      boolean ok = super.authenticate(username, key, session);
      if (!ok) {
        log.info("refused SSH key {} for user '{}' from {}{}", KeyUtils.getFingerPrint(key), username,
            session.getClientAddress(), USER.equals(username) ? "" : " (only '" + USER + "' may push)");
      }
      return ok;
    }
  }
}
