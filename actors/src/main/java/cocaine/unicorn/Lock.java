package cocaine.unicorn;

import cocaine.wire.CocaineException;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.zookeeper.Watcher;

/**
 * One {@code lock} or {@code named_lock} channel (a child of {@link Unicorn}), ZooKeeper's lock
 * recipe: an ephemeral sequential znode {@code <path>/lock<seq>} joins the queue of takers, the
 * lowest sequence holds the lock, and each waiter watches the one just before it. The caller is
 * answered {@code true} when it holds the lock; its close or disconnect removes the znode, which
 * lets the next waiter in (and if this process dies, ZooKeeper removes it with the session).
 */
final class Lock {
  sealed interface Command {}

  private record Created(String znode) implements Command {}

  private record Listed(List<String> nodes) implements Command {}

  private record PredecessorChecked(boolean exists) implements Command {}

  /** The watch on the predecessor fired (on ZooKeeper's event thread). */
  private enum PredecessorGone implements Command { INSTANCE }

  private record Failed(Throwable cause) implements Command {}

  /** The caller closed the channel or went away. */
  private enum Released implements Command { INSTANCE }

  private final ActorContext<Command> ctx;
  private final Znodes znodes;
  private final String path;
  private final CompletableFuture<Boolean> acquired;
  private final String who;
  private final Watcher watcher;

  private Lock(ActorContext<Command> ctx, Znodes znodes, String path, CompletableFuture<Boolean> acquired, String who) {
    this.ctx = ctx;
    this.znodes = znodes;
    this.path = path;
    this.acquired = acquired;
    this.who = who;
    ActorRef<Command> self = ctx.getSelf();
    this.watcher = event -> {
      if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
        self.tell(PredecessorGone.INSTANCE);
      }
    };
  }

  /**
   * @param data     what the lock's znode holds: msgpack of the time (lock) or of the caller's value (named_lock)
   * @param acquired completed with true once the lock is held, or failed with the reason it cannot be
   * @param released completes when the caller closes the channel or disconnects
   */
  static Behavior<Command> create(Znodes znodes, String path, byte[] data, CompletableFuture<Boolean> acquired,
      CompletionStage<Done> released, String who) {
    return Behaviors.setup(ctx -> {
      ctx.pipeToSelf(released, (done, failure) -> Released.INSTANCE);
      ctx.pipeToSelf(znodes.createLockNode(path, data), (znode, failure) -> failure == null
          ? new Created(znode) : new Failed(failure));
      return new Lock(ctx, znodes, path, acquired, who).creating();
    });
  }

  /** Waiting for our znode; a release meanwhile must still remove it once it exists. */
  private Behavior<Command> creating() {
    return Behaviors.receive(Command.class)
        .onMessage(Created.class, m -> list(m.znode()))
        .onMessage(Failed.class, m -> fail(m.cause()))
        .onMessageEquals(Released.INSTANCE, this::abandoned)
        .build();
  }

  private Behavior<Command> abandoned() {
    acquired.cancel(false);
    return Behaviors.receive(Command.class)
        .onMessage(Created.class, m -> {
          znodes.deleteQuietly(m.znode());
          return Behaviors.stopped();
        })
        .onMessage(Failed.class, m -> Behaviors.stopped())
        .build();
  }

  private Behavior<Command> list(String znode) {
    ctx.pipeToSelf(znodes.lockNodes(path), (nodes, failure) -> failure == null ? new Listed(nodes) : new Failed(failure));
    return queued(znode, null);
  }

  /** In the queue of takers; {@code predecessor} is the znode watched, null while listing. */
  private Behavior<Command> queued(String znode, String predecessor) {
    return Behaviors.receive(Command.class)
        .onMessage(Listed.class, m -> onListed(znode, m.nodes()))
        .onMessage(PredecessorChecked.class, m -> m.exists() ? Behaviors.same() : list(znode))
        .onMessageEquals(PredecessorGone.INSTANCE, () -> list(znode))
        .onMessage(Failed.class, m -> fail(m.cause()))
        .onMessageEquals(Released.INSTANCE, Behaviors::stopped)
        .onSignal(PostStop.class, s -> release(znode, predecessor))
        .build();
  }

  private Behavior<Command> onListed(String znode, List<String> nodes) {
    String ours = znode.substring(znode.lastIndexOf('/') + 1);
    List<String> queue = nodes.stream().filter(n -> n.startsWith("lock") && n.length() > 4)
        .sorted(Comparator.comparing(n -> n.substring(4))).toList();
    int at = queue.indexOf(ours);
    if (at < 0) {
      return fail(UnicornError.CONNECTION_LOSS.exception("lock('" + path + "'): the lock's node vanished (the ZooKeeper"
          + " session expired); lock again"));
    }
    if (at == 0) {
      acquired.complete(true);
      ctx.getLog().debug("unicorn: {} holds the lock '{}'", who, path);
      return held(znode);
    }
    String predecessor = znode.substring(0, znode.lastIndexOf('/') + 1) + queue.get(at - 1);
    ctx.pipeToSelf(znodes.watchExists(predecessor, watcher), (exists, failure) -> failure == null
        ? new PredecessorChecked(exists) : new Failed(failure));
    return queued(znode, predecessor);
  }

  private Behavior<Command> held(String znode) {
    return Behaviors.receive(Command.class)
        .onMessageEquals(Released.INSTANCE, Behaviors::stopped)
        .onSignal(PostStop.class, s -> release(znode, null))
        .build();
  }

  private Behavior<Command> fail(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (!(cause instanceof CocaineException)) {
      ctx.getLog().error("unicorn: lock of '{}' for {} failed", path, who, cause);
      cause = UnicornError.BACKEND_INTERNAL_ERROR.exception("lock('" + path + "') failed: " + cause);
    }
    acquired.completeExceptionally(cause);
    // a znode of ours is removed by the state's PostStop
    return Behaviors.stopped();
  }

  private Behavior<Command> release(String znode, String predecessor) {
    if (predecessor != null) {
      znodes.unwatch(predecessor, watcher);
    }
    znodes.deleteQuietly(znode);
    if (!acquired.isDone()) {
      acquired.cancel(false);
    }
    return Behaviors.same();
  }
}
