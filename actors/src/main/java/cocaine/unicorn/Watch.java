package cocaine.unicorn;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.zookeeper.Watcher;

/**
 * One {@code subscribe} or {@code children_subscribe} channel (a child of {@link Unicorn}): reads
 * the znode (or its children) with a ZooKeeper watch, writes each new state to the caller's queue
 * of at most {@code subscription-buffer} updates, and reads again when the watch fires. A caller
 * that leaves the queue full is failed with {@code [12, 105]} and dropped; the removal of the node
 * ends the stream with {@code [11, 8]}; the caller's close or disconnect stops this actor and its watch.
 */
final class Watch {
  sealed interface Command {}

  /** ZooKeeper fired the watch (on its event thread). */
  private record Fired(Watcher.Event.EventType type, Watcher.Event.KeeperState state) implements Command {}

  /** A state read, with its version (the node's, or its child version). */
  private record Read(long version, Message update) implements Command {}

  private record Failed(Throwable cause) implements Command {}

  private enum Finished implements Command { INSTANCE }

  private final ActorContext<Command> ctx;
  private final Znodes znodes;
  private final String path;
  private final boolean children;
  private final BoundedSourceQueue<Message> queue;
  private final int buffer;
  private final String who;
  private final Watcher watcher;

  private Watch(ActorContext<Command> ctx, Znodes znodes, String path, boolean children,
      BoundedSourceQueue<Message> queue, int buffer, String who) {
    this.ctx = ctx;
    this.znodes = znodes;
    this.path = path;
    this.children = children;
    this.queue = queue;
    this.buffer = buffer;
    this.who = who;
    ActorRef<Command> self = ctx.getSelf();
    this.watcher = event -> self.tell(new Fired(event.getType(), event.getState()));
  }

  /**
   * @param children true for {@code children_subscribe}: writes {@code [cversion, [names]]}; else {@code [[value, version]]}
   * @param finished completes when the caller's stream ends (close, disconnect, or failed by us)
   * @param who the caller, for errors and logs
   */
  static Behavior<Command> create(Znodes znodes, String path, boolean children, BoundedSourceQueue<Message> queue,
      CompletionStage<Done> finished, int buffer, String who) {
    return Behaviors.setup(ctx -> {
      ctx.pipeToSelf(finished, (done, failure) -> Finished.INSTANCE);
      Watch w = new Watch(ctx, znodes, path, children, queue, buffer, who);
      w.read();
      return w.watching(Long.MIN_VALUE);
    });
  }

  /**
   * @param written the version of the last update written: a watch that fires while a read is under
   *     way starts another, and both may read the same state; only a newer one is written
   */
  private Behavior<Command> watching(long written) {
    return Behaviors.receive(Command.class)
        .onMessage(Read.class, m -> m.version() <= written ? Behaviors.same()
            : offer(m.update()) ? watching(m.version()) : Behaviors.stopped())
        .onMessage(Fired.class, this::onFired)
        .onMessage(Failed.class, m -> fail(m.cause()))
        .onMessageEquals(Finished.INSTANCE, Behaviors::stopped)
        .onSignal(PostStop.class, s -> stopped())
        .build();
  }

  private Behavior<Command> onFired(Fired m) {
    switch (m.type()) {
      case NodeCreated, NodeDataChanged, NodeChildrenChanged -> read();
      case NodeDeleted -> {
        return fail(UnicornError.NO_NODE.exception((children ? "children_subscribe" : "subscribe") + "('" + path
            + "'): the node was removed"));
      }
      case None -> {
        if (m.state() == Watcher.Event.KeeperState.Expired) {
          return fail(UnicornError.CONNECTION_LOSS.exception("subscription to '" + path + "' ended: the ZooKeeper "
              + "session expired; subscribe again"));
        }
        // Disconnected or SyncConnected: the client keeps the watch across reconnects of one session
      }
      default -> { }
    }
    return Behaviors.same();
  }

  private void read() {
    CompletionStage<Read> update = children
        ? znodes.watchChildren(path, watcher).thenApply(c -> new Read(c.version(), Message.write(Values.integer(c.version()),
            Values.strings(c.names()))))
        : znodes.watchValue(path, watcher).thenApply(v -> new Read(v.version(), Message.write(v.toValue())));
    ctx.pipeToSelf(update, (read, failure) -> failure == null ? read : new Failed(failure));
  }

  /** False when this subscription is over: the caller left, or was too slow and is failed now. */
  private boolean offer(Message update) {
    QueueOfferResult result = queue.offer(update);
    if (result.isEnqueued()) {
      return true;
    }
    if (result == QueueOfferResult.dropped()) {
      String text = "unicorn: " + who + " is too slow: it left subscription-buffer (" + buffer + ") updates of '"
          + path + "' untaken; subscribe again";
      ctx.getLog().warn("{}", text);
      queue.fail(new CocaineException(ErrorCode.NO_BUFFERS, text));
    }
    return false;
  }

  private Behavior<Command> fail(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (!(cause instanceof CocaineException)) {
      ctx.getLog().error("unicorn: subscription of {} to '{}' failed", who, path, cause);
      cause = UnicornError.BACKEND_INTERNAL_ERROR.exception("subscription to '" + path + "' failed: " + cause);
    }
    try {
      queue.fail(cause);
    } catch (IllegalStateException e) {
      // the caller's stream ended meanwhile
    }
    return Behaviors.stopped();
  }

  private Behavior<Command> stopped() {
    znodes.unwatch(znodes.prefix().znode(path), watcher);
    if (!queue.isCompleted()) {
      try {
        queue.complete();
      } catch (IllegalStateException e) {
        // the stream ended between the check and complete()
      }
    }
    return Behaviors.same();
  }
}
