package cocaine.node.app;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * The generations of one app on this node and the rollover under way, as its actor keeps them:
 * which serve (and at what weight), which are being started for a rollover (pending), which drain.
 * Immutable and pure; the actor decides with it when a rollover may switch the traffic, what it
 * retires then, and which side-by-side slot a new generation takes.
 *
 * @param all     every generation alive, in the order they started
 * @param target  the lineup the rollover under way asks for, empty when none is
 * @param replyTo who hears how the rollover ended (null when none is, or nobody asked)
 */
record Generations(List<Live> all, List<Share> target, ActorRef<StatusReply<Done>> replyTo) {
  /** How a generation takes part. */
  enum Status { PENDING, SERVING, RETIRING }

  /** One generation: its actor, version, slot, and once ready what it spooled and its route. */
  record Live(ActorRef<Generation.Command> ref, Share share, int slot, Status status, Spooled spooled,
      Traffic.Route route) {
    Live with(Status s) {
      return new Live(ref, share, slot, s, spooled, route);
    }
  }

  Generations {
    all = List.copyOf(all);
    target = List.copyOf(target);
  }

  static Generations none() {
    return new Generations(List.of(), List.of(), null);
  }

  Generations add(ActorRef<Generation.Command> ref, Share share) {
    List<Live> next = new ArrayList<>(all);
    next.add(new Live(ref, share, freeSlot(), Status.PENDING, Spooled.NONE, null));
    return new Generations(next, target, replyTo);
  }

  /** The lowest slot no live generation holds (0 is the app's own folder). */
  int freeSlot() {
    int slot = 0;
    while (true) {
      int s = slot;
      if (all.stream().noneMatch(l -> l.slot() == s)) {
        return s;
      }
      slot++;
    }
  }

  Optional<Live> find(ActorRef<Generation.Command> ref) {
    return all.stream().filter(l -> l.ref().equals(ref)).findFirst();
  }

  Generations map(ActorRef<Generation.Command> ref, UnaryOperator<Live> change) {
    return new Generations(all.stream().map(l -> l.ref().equals(ref) ? change.apply(l) : l).toList(), target,
        replyTo);
  }

  /** A generation is ready: a rollover's waits for the switch, a start's serves at once. */
  Generations ready(Generation.Ready r) {
    Status status = isRolling() ? Status.PENDING : Status.SERVING;
    return map(r.from(), l -> new Live(l.ref(), l.share(), l.slot(), status, r.spooled(), r.route()));
  }

  Generations without(ActorRef<Generation.Command> ref) {
    return new Generations(all.stream().filter(l -> !l.ref().equals(ref)).toList(), target, replyTo);
  }

  Generations rolling(List<Share> lineup, ActorRef<StatusReply<Done>> who) {
    return new Generations(all, lineup, who);
  }

  Generations rolled() {
    return new Generations(all, List.of(), null);
  }

  boolean isRolling() {
    return !target.isEmpty();
  }

  List<Live> with(Status status) {
    return all.stream().filter(l -> l.status() == status).toList();
  }

  /** A pending generation that has not been ready yet. */
  boolean waitsForReady() {
    return with(Status.PENDING).stream().anyMatch(l -> l.route() == null);
  }

  /** The serving generation with the largest weight (the latest on a tie): its profile and workers stand for the app. */
  Optional<Live> primary() {
    return with(Status.SERVING).stream().max(Comparator.comparingInt((Live l) -> l.route().weight())
        .thenComparingInt(l -> all.indexOf(l)));
  }

  /** The serving generation the share keeps (same version and profile), if any. */
  Optional<Live> serving(Share share) {
    return with(Status.SERVING).stream().filter(l -> l.share().sameGeneration(share)).findFirst();
  }

  /**
   * The rollover's switch: for each share of the target, the generation that serves it (kept or
   * new) with the target's weight; every other serving generation retires.
   */
  Switch switchOver() {
    List<Traffic.Route> routes = new ArrayList<>();
    List<Live> next = new ArrayList<>();
    List<ActorRef<Generation.Command>> keep = new ArrayList<>();
    for (Share s : target) {
      Live l = pick(s, Status.PENDING, keep).or(() -> pick(s, Status.SERVING, keep)).orElseThrow();
      keep.add(l.ref());
      routes.add(l.route().withWeight(s.weight()));
    }
    List<ActorRef<Generation.Command>> retire = new ArrayList<>();
    for (Live l : all) {
      int i = keep.indexOf(l.ref());
      if (i >= 0) {
        next.add(new Live(l.ref(), target.get(i), l.slot(), Status.SERVING, l.spooled(), routes.get(i)));
      } else if (l.status() == Status.RETIRING) {
        next.add(l);
      } else {
        retire.add(l.ref());
        next.add(l.with(Status.RETIRING));
      }
    }
    return new Switch(new Generations(next, List.of(), null), routes, retire);
  }

  private Optional<Live> pick(Share s, Status status, List<ActorRef<Generation.Command>> taken) {
    return all.stream().filter(x -> x.status() == status && x.route() != null && x.share().sameGeneration(s)
        && !taken.contains(x.ref())).findFirst();
  }

  /** What a rollover's switch does: the generations after it, the traffic's routes, who retires. */
  record Switch(Generations after, List<Traffic.Route> routes, List<ActorRef<Generation.Command>> retire) {}

  /** The rollover failed: its pending generations retire, the serving ones serve on. */
  Switch abandon() {
    List<ActorRef<Generation.Command>> retire = with(Status.PENDING).stream().map(Live::ref).toList();
    List<Live> next = all.stream().map(l -> l.status() == Status.PENDING ? l.with(Status.RETIRING) : l).toList();
    return new Switch(new Generations(next, List.of(), null), List.of(), retire);
  }
}
