package cocaine.unicorn;

import cocaine.wire.Message;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.BoundedSourceQueue;

/**
 * The unicorn service's long-lived channels: a {@link Watch} per subscription and a {@link Lock}
 * per lock taker, each a child that ends with its caller's channel. Tells how many of each are open.
 */
public final class Unicorn {
  public sealed interface Command {}

  /** Starts feeding {@code queue} with the node's value (or its children) until {@code finished}. */
  public record Subscribe(String path, boolean children, BoundedSourceQueue<Message> queue,
      CompletionStage<Done> finished, String who) implements Command {}

  /** Joins the lock's queue with a znode holding {@code data}; leaves it when {@code released}. */
  public record Take(String path, byte[] data, CompletableFuture<Boolean> acquired, CompletionStage<Done> released,
      String who) implements Command {}

  public record Count(ActorRef<Open> replyTo) implements Command {}

  /** Subscriptions and lock takers (holding or waiting) open now. */
  public record Open(int subscriptions, int locks) {}

  private Unicorn() {}

  /** @param buffer updates a subscriber may leave untaken (subscription-buffer) */
  public static Behavior<Command> create(Znodes znodes, int buffer) {
    return Behaviors.setup(ctx -> serving(ctx, znodes, buffer, 0));
  }

  private static Behavior<Command> serving(ActorContext<Command> ctx, Znodes znodes, int buffer, long spawned) {
    return Behaviors.receive(Command.class)
        .onMessage(Subscribe.class, m -> {
          ctx.spawn(Watch.create(znodes, m.path(), m.children(), m.queue(), m.finished(), buffer, m.who()),
              "watch-" + spawned);
          return serving(ctx, znodes, buffer, spawned + 1);
        })
        .onMessage(Take.class, m -> {
          ctx.spawn(Lock.create(znodes, m.path(), m.data(), m.acquired(), m.released(), m.who()), "lock-" + spawned);
          return serving(ctx, znodes, buffer, spawned + 1);
        })
        .onMessage(Count.class, m -> {
          int watches = 0;
          int locks = 0;
          for (ActorRef<Void> child : ctx.getChildren()) {
            if (child.path().name().startsWith("watch-")) {
              watches++;
            } else {
              locks++;
            }
          }
          m.replyTo().tell(new Open(watches, locks));
          return Behaviors.same();
        })
        .build();
  }
}
