package cocaine.node.app;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a running {@link App} moves to a new lineup of versions, on its actor's thread: it starts
 * the versions the lineup adds beside the serving ones (gated: see {@link Generation}), and when
 * all are healthy switches the {@link Traffic} in one step and retires the versions the lineup no
 * longer names (they drain). A version that fails its gate ends the rollover: its generations stop,
 * the serving ones never stopped serving, and whoever asked hears the reason. A newer rollover
 * supersedes one under way.
 */
final class Rollover {
  private static final Logger LOG = LoggerFactory.getLogger(App.class); // the app's own log lines

  private final App app;
  private final ActorContext<App.Command> ctx;
  private final String name;

  Rollover(App app, ActorContext<App.Command> ctx, String name) {
    this.app = app;
    this.ctx = ctx;
    this.name = name;
  }

  Holdings roll(Holdings held, App.Roll m) {
    if (m.lineup().isEmpty() || m.lineup().stream().mapToInt(Share::weight).sum() <= 0) {
      m.replyTo().tell(StatusReply.error(new CocaineException(ErrorCode.INVALID_ARGUMENT, "app '" + name
          + "': a rollover needs a version with a weight above 0, got " + m.lineup())));
      return held;
    }
    Holdings h = held;
    if (h.gens().isRolling()) {
      h = abandon(h, new CocaineException(ErrorCode.TRY_AGAIN, "app '" + name + "': rollover to "
          + h.gens().target() + " superseded by one to " + m.lineup()));
    }
    Generations gens = h.gens().rolling(m.lineup(), m.replyTo());
    for (Share share : m.lineup()) {
      if (m.renew() || gens.serving(share).isEmpty()) {
        gens = app.spawn(gens, share, true);
      }
    }
    LOG.info("app [{}]: rolling over from {} to {}", name, versions(h), m.lineup());
    h = h.with(gens);
    return gens.waitsForReady() ? h : switchOver(h);
  }

  /** A generation's report other than a worker count or a serving one's death. */
  Holdings report(Holdings held, Generation.Report r) {
    var live = held.gens().find(r.from());
    boolean pending = live.filter(l -> l.status() == Generations.Status.PENDING).isPresent();
    if (r instanceof Generation.Ready ready && pending) {
      Holdings h = held.with(held.gens().ready(ready));
      return h.gens().waitsForReady() ? h : switchOver(h);
    }
    if (r instanceof Generation.Failed f && pending && held.gens().isRolling()) {
      return abandon(held.with(held.gens().without(f.from())), f.cause());
    }
    if (r instanceof Generation.Failed || r instanceof Generation.Died) {
      return held.with(held.gens().without(r.from()));
    }
    return held;
  }

  /** A generation stopped (a crash of its actor, or its end after a retirement). */
  Holdings gone(Holdings held, ActorRef<Generation.Command> ref) {
    boolean pending = held.gens().find(ref).filter(l -> l.status() == Generations.Status.PENDING).isPresent();
    Holdings h = held.with(held.gens().without(ref));
    return pending && h.gens().isRolling() ? abandon(h, new CocaineException(ErrorCode.UNCAUGHT, "app '" + name
        + "': a new version's generation stopped before it was ready")) : h;
  }

  private Holdings switchOver(Holdings held) {
    ActorRef<StatusReply<Done>> replyTo = held.gens().replyTo();
    Generations.Switch sw = held.gens().switchOver();
    held.traffic().set(sw.routes());
    sw.retire().forEach(g -> g.tell(new Generation.Retire(ctx.getSystem().ignoreRef(), true, true)));
    Holdings after = held.with(sw.after());
    LOG.info("app [{}] now serves {}; {} generation(s) drain", name, versions(after), sw.retire().size());
    if (replyTo != null) {
      replyTo.tell(StatusReply.success(Done.getInstance()));
    }
    return after;
  }

  private Holdings abandon(Holdings held, CocaineException cause) {
    ActorRef<StatusReply<Done>> replyTo = held.gens().replyTo();
    Generations.Switch sw = held.gens().abandon();
    sw.retire().forEach(g -> g.tell(new Generation.Retire(ctx.getSystem().ignoreRef(), false, true)));
    LOG.warn("app [{}]: rollover given up, still serving {}: {}", name, versions(held), cause.getMessage());
    if (replyTo != null) {
      replyTo.tell(StatusReply.error(cause));
    }
    return held.with(sw.after());
  }

  /** Tells whoever waits for a rollover under way that it will not happen, and why. */
  static void refuse(Holdings held, String why) {
    if (held.gens().isRolling() && held.gens().replyTo() != null) {
      held.gens().replyTo().tell(StatusReply.error(new CocaineException(ErrorCode.NOT_RUNNING, why)));
    }
  }

  /** The serving versions and their weights, for the log: {@code [2 at 80%, 3 at 20%]}. */
  static String versions(Holdings held) {
    return held.gens().with(Generations.Status.SERVING).stream()
        .map(l -> (l.share().version().isEmpty() ? "current" : l.share().version()) + " at " + l.route().weight() + "%")
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** The info map with {@code versions}: each serving version and its weight. */
  static Map<String, Object> withVersions(Holdings held, Map<String, Object> info) {
    Map<String, Object> versions = new LinkedHashMap<>();
    held.gens().with(Generations.Status.SERVING).forEach(l -> versions.put(l.share().version(), l.route().weight()));
    Map<String, Object> out = new LinkedHashMap<>(info);
    out.put("versions", versions);
    return out;
  }

  static List<Share> lineup(Holdings held) {
    return held.gens().with(Generations.Status.SERVING).stream().map(Generations.Live::share).toList();
  }
}
