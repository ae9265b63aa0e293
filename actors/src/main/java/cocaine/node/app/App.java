package cocaine.node.app;

import cocaine.locator.Endpoint;
import cocaine.locator.ServiceInfo;
import cocaine.model.Manifest;
import cocaine.model.Profile;
import cocaine.node.engine.Engine;
import cocaine.node.isolate.Isolate;
import cocaine.node.slot.SlotSettings;
import cocaine.node.slot.WorkerListener;
import cocaine.rpc.service.Server;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Tcp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One app on this node: spooling -> running -> stopping, or broken. Spooling reads the manifest,
 * profile and archive from storage, unpacks the archive through the isolate, opens the worker
 * pipe, starts the engine, binds the app's invocation service on an ephemeral port and publishes
 * it; only then is the start reported. Any failure leaves the app broken with the cause shown by
 * {@code info}; nothing escapes the actor.
 */
public final class App {
  /** What the node asks of an app. */
  public sealed interface Command {}

  /** The info map (docs/protocol.md 3.6); {@code flags} as in {@link InfoFlags}. */
  public record Info(int flags, ActorRef<Map<String, Object>> replyTo) implements Command {}


  /** Unpublish, unbind, terminate the workers, then stop; {@code replyTo} hears when all is gone. */
  public record Stop(ActorRef<Done> replyTo) implements Command {}

  private record Prepared(Parts parts) implements Command {}

  private record Bound(Tcp.ServerBinding binding) implements Command {}

  private enum Published implements Command { INSTANCE }

  /** The engine's count of active workers changed (drives publish-on / unpublish-under). */
  private record ActiveChanged(int active) implements Command {}

  /** A publish or unpublish after the start finished; {@code failure} is null when it worked. */
  private record PublishChanged(boolean published, Throwable failure) implements Command {}

  private record Failed(Throwable cause) implements Command {}

  private enum Released implements Command { INSTANCE }

  private record EngineStopped() implements Command {}

  private record Described(Map<String, Object> engine, Throwable failure, int flags,
      ActorRef<Map<String, Object>> replyTo) implements Command {}

  /** How a start ended, for {@code start_app}'s reply; {@code from} tells apart two lives of one name. */
  public sealed interface Started {
    String app();

    ActorRef<Command> from();
  }

  public record Running(String app, ActorRef<Command> from) implements Started {}

  public record Broken(String app, ActorRef<Command> from, CocaineException cause) implements Started {}

  /** The node service's version of every app service (docs/protocol.md 2.6). */
  public static final int SERVICE_VERSION = 1;
  private static final int STASH = 64;
  private static final Duration ENGINE_STOP_MARGIN = Duration.ofSeconds(30);
  private static final Logger LOG = LoggerFactory.getLogger(App.class);

  /** What the app acquired so far; released in reverse on stop or failure. */
  private static final class Parts {
    Map<String, Object> manifestData;
    Map<String, Object> profileData;
    Manifest manifest;
    Profile profile;
    Isolate isolate;
    WorkerListener pipe;
    ActorRef<Engine.Command> engine;
    AppService service;
    Tcp.ServerBinding binding;
    /** Closes the clients' connections once the app is stopped; unbinding alone leaves them open. */
    final SharedKillSwitch connections = KillSwitches.shared("app-connections");
    boolean published;
    /** onStart was told the app runs. */
    boolean started;
    ServiceInfo info;
    int active;
    /** A publish or unpublish is on its way; the next one waits for it. */
    boolean publishChanging;
  }

  private final ActorContext<Command> ctx;
  private final org.apache.pekko.actor.typed.ActorSystem<Void> system;
  private final StashBuffer<Command> stash;
  private final AppHost host;
  private final String name;
  private final String profileName;
  private final ActorRef<Started> onStart;

  private App(ActorContext<Command> ctx, StashBuffer<Command> stash, AppHost host, String name, String profileName,
      ActorRef<Started> onStart) {
    this.ctx = ctx;
    this.system = ctx.getSystem();
    this.stash = stash;
    this.host = host;
    this.name = name;
    this.profileName = profileName;
    this.onStart = onStart;
  }

  /**
   * An app that starts at once with the named profile.
   *
   * @param onStart hears {@link Running} once the app is published, or {@link Broken} with the cause
   */
  public static Behavior<Command> create(AppHost host, String name, String profileName, ActorRef<Started> onStart) {
    return Behaviors.setup(ctx -> Behaviors.withStash(STASH,
        stash -> new App(ctx, stash, host, name, profileName, onStart).spooling()));
  }

  // Reading the stored objects, unpacking, opening the worker pipe.
  private Behavior<Command> spooling() {
    Parts parts = new Parts();
    ctx.pipeToSelf(prepare(parts), (p, e) -> e == null ? new Prepared(p) : new Failed(e));
    return starting("spooling", parts, Behaviors.receive(Command.class)
        .onMessage(Prepared.class, m -> binding(m.parts())));
  }

  // The engine runs; binding the invocation service on an ephemeral port.
  private Behavior<Command> binding(Parts parts) {
    var slots = new SlotSettings(name, parts.profile, parts.isolate, parts.pipe, host.config().locatorArgument(),
        parts.manifest.environment(), host.storage());
    parts.engine = ctx.spawn(Engine.create(slots, ctx.messageAdapter(Engine.ActiveWorkers.class,
        a -> new ActiveChanged(a.active()))), "engine");
    ctx.watchWith(parts.engine, new EngineStopped());
    parts.service = new AppService(name, parts.profile, parts.engine, ctx.getSelf(), ctx.getSystem(),
        host.config().askTimeout(), host.config().connection().channelBuffer());
    ctx.pipeToSelf(Server.bind(ctx.getSystem(), host.config().bindHost(), 0, parts.service, host.config().connection(),
        parts.connections),
        (b, e) -> e == null ? new Bound(b) : new Failed(e));
    return starting("spooling", parts, Behaviors.receive(Command.class)
        .onMessage(Bound.class, m -> publishing(parts, m.binding())));
  }

  private Behavior<Command> publishing(Parts parts, Tcp.ServerBinding binding) {
    parts.binding = binding;
    int port = binding.localAddress().getPort();
    parts.info = new ServiceInfo(name, List.of(new Endpoint(host.config().announceHost(), port)),
        SERVICE_VERSION, AppService.PROTOCOL);
    int publishOn = parts.profile.publishOn();
    if (publishOn > 0 && parts.active < publishOn) {
      // docs/protocol.md 3.6: published once publish-on workers are active (the engine starts them)
      LOG.info("app [{}] waits for [{}] active workers (publish-on) before it is published", name, publishOn);
      return starting("spooling", parts, Behaviors.receive(Command.class)
          .onMessage(ActiveChanged.class, m -> {
            parts.active = m.active();
            return m.active() >= publishOn ? publishing(parts, binding) : Behaviors.same();
          }));
    }
    ctx.pipeToSelf(host.publisher().publish(parts.info), (d, e) -> e == null ? Published.INSTANCE : new Failed(e));
    return starting("spooling", parts, Behaviors.receive(Command.class)
        .onMessage(Published.class, m -> running(parts, System.nanoTime())));
  }

  /** The common part of the start states: failures break the app, stops wait until the start ends. */
  private Behavior<Command> starting(String state, Parts parts,
      org.apache.pekko.actor.typed.javadsl.BehaviorBuilder<Command> builder) {
    return builder
        .onMessage(Failed.class, m -> broken(parts, startError(m.cause())))
        .onMessage(EngineStopped.class, m -> broken(parts, engineDied(parts)))
        .onMessage(Info.class, m -> reply(m.replyTo(), base(state, parts, m.flags(), 0)))
        .onMessage(Stop.class, m -> {
          stash.stash(m);
          return Behaviors.same();
        })
        .onMessage(Described.class, m -> Behaviors.same())
        .onMessage(ActiveChanged.class, m -> {
          parts.active = m.active();
          return Behaviors.same();
        })
        .build();
  }

  // Published: takes events until stopped.
  private Behavior<Command> running(Parts parts, long sinceNanos) {
    parts.published = true;
    parts.started = true;
    LOG.info("app [{}] is running with profile [{}] on port [{}]", name, profileName,
        parts.binding.localAddress().getPort());
    host.running().add(name, parts.service); // before anyone hears it runs
    onStart.tell(new Running(name, ctx.getSelf()));
    return stash.unstashAll(Behaviors.receive(Command.class)
        .onMessage(Info.class, m -> describe(parts, m))
        .onMessage(Described.class, m -> reply(m.replyTo(), report(parts, sinceNanos, m)))
        .onMessage(Stop.class, m -> stopping(parts, new ArrayList<>(List.of(m.replyTo()))))
        .onMessage(EngineStopped.class, m -> broken(parts, engineDied(parts)))
        .onSignal(PostStop.class, m -> {
          host.running().remove(name, parts.service); // stopped by a failure: no stale entry
          return Behaviors.same();
        })
        .onMessage(ActiveChanged.class, m -> {
          parts.active = m.active();
          return republish(parts);
        })
        .onMessage(PublishChanged.class, m -> {
          parts.publishChanging = false;
          if (m.failure() != null) {
            LOG.warn("app [{}]: could not {}: {}", name, m.published() ? "publish" : "unpublish", m.failure().toString());
          } else {
            parts.published = m.published();
            LOG.info("app [{}] {} with [{}] active workers", name, m.published() ? "published again" : "unpublished",
                parts.active);
          }
          return republish(parts);
        })
        .build());
  }

  /** Unpublished below unpublish-under active workers, published again at publish-on (both > 0). */
  private Behavior<Command> republish(Parts parts) {
    int publishOn = parts.profile.publishOn();
    int unpublishUnder = parts.profile.unpublishUnder();
    if (parts.publishChanging) {
      return Behaviors.same();
    }
    if (parts.published && unpublishUnder > 0 && parts.active < unpublishUnder) {
      parts.publishChanging = true;
      ctx.pipeToSelf(host.publisher().unpublish(name), (d, e) -> new PublishChanged(false, e));
    } else if (!parts.published && parts.active >= Math.max(1, publishOn)) {
      parts.publishChanging = true;
      ctx.pipeToSelf(host.publisher().publish(parts.info), (d, e) -> new PublishChanged(true, e));
    }
    return Behaviors.same();
  }

  // Unpublished first so no new client comes, then unbound, workers terminated, pipe closed.
  private Behavior<Command> stopping(Parts parts, List<ActorRef<Done>> waiting) {
    LOG.info("app [{}] is stopping", name);
    host.running().remove(name, parts.service);
    ctx.unwatch(parts.engine);
    ctx.pipeToSelf(release(parts), (d, e) -> Released.INSTANCE);
    return Behaviors.receive(Command.class)
        .onMessage(Released.class, m -> {
          waiting.forEach(r -> r.tell(Done.getInstance()));
          return Behaviors.stopped();
        })
        .onMessage(Stop.class, m -> {
          waiting.add(m.replyTo());
          return Behaviors.same();
        })
        .onMessage(Info.class, m -> reply(m.replyTo(), base("stopping", parts, m.flags(), 0)))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  // Failed to start or lost its engine: shows the cause until stopped.
  private Behavior<Command> broken(Parts parts, CocaineException cause) {
    LOG.warn("app [{}] is broken: {} {}", name, cause.code(), cause.getMessage());
    host.running().remove(name, parts.service);
    if (parts.engine != null) {
      ctx.unwatch(parts.engine);
    }
    if (!parts.started) {
      onStart.tell(new Broken(name, ctx.getSelf(), cause));
    }
    ctx.pipeToSelf(release(parts), (d, e) -> Released.INSTANCE);
    Map<String, Object> info = base("broken", parts, InfoFlags.MANIFEST | InfoFlags.PROFILE, 0);
    info.put("error", cause.getMessage());
    info.put("cause", List.of(cause.code().category(), cause.code().code()));
    return stash.unstashAll(brokenReleasing(info, new ArrayList<>()));
  }

  private Behavior<Command> brokenReleasing(Map<String, Object> info, List<ActorRef<Done>> waiting) {
    return Behaviors.receive(Command.class)
        .onMessage(Released.class, m -> {
          waiting.forEach(r -> r.tell(Done.getInstance()));
          return waiting.isEmpty() ? brokenReleased(info) : Behaviors.stopped();
        })
        .onMessage(Stop.class, m -> {
          waiting.add(m.replyTo());
          return Behaviors.same();
        })
        .onMessage(Info.class, m -> reply(m.replyTo(), info))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private Behavior<Command> brokenReleased(Map<String, Object> info) {
    return Behaviors.receive(Command.class)
        .onMessage(Stop.class, m -> {
          m.replyTo().tell(Done.getInstance());
          return Behaviors.stopped();
        })
        .onMessage(Info.class, m -> reply(m.replyTo(), info))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private Behavior<Command> describe(Parts parts, Info m) {
    if ((m.flags() & InfoFlags.OVERSEER) == 0) {
      ctx.getSelf().tell(new Described(Map.of(), null, m.flags(), m.replyTo()));
      return Behaviors.same();
    }
    @SuppressWarnings({"unchecked", "rawtypes"})
    Class<Map<String, Object>> mapClass = (Class) Map.class;
    ctx.ask(mapClass, parts.engine, host.config().askTimeout(), Engine.Describe::new,
        (report, e) -> new Described(report, e, m.flags(), m.replyTo()));
    return Behaviors.same();
  }

  private Map<String, Object> report(Parts parts, long sinceNanos, Described m) {
    Map<String, Object> out = base("running", parts, m.flags(), (System.nanoTime() - sinceNanos) / 1_000_000_000);
    if (m.engine() != null) {
      out.putAll(m.engine());
    }
    if (m.failure() != null) {
      out.put("error", "the engine did not answer within ask-timeout: " + m.failure().getMessage());
    }
    return out;
  }

  private Map<String, Object> base(String state, Parts parts, int flags, long uptimeSeconds) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("state", state);
    out.put("uptime", uptimeSeconds);
    Map<String, Object> profile = new LinkedHashMap<>();
    profile.put("name", profileName);
    if ((flags & InfoFlags.PROFILE) != 0 && parts.profileData != null) {
      profile.put("data", parts.profileData);
    }
    out.put("profile", profile);
    out.put("publushed", parts.published); // sic: the C++ runtime's key
    if ((flags & InfoFlags.MANIFEST) != 0 && parts.manifestData != null) {
      out.put("manifest", parts.manifestData);
    }
    return out;
  }

  private static <T> Behavior<Command> reply(ActorRef<T> to, T value) {
    to.tell(value);
    return Behaviors.same();
  }

  // ---- start and stop steps, off the actor: every stage completes, none throws into the actor

  private CompletionStage<Parts> prepare(Parts parts) {
    return StoredApp.read(host.storage(), name, profileName).thenCompose(d -> {
      parts.manifestData = d.manifestData();
      parts.profileData = d.profileData();
      parts.manifest = d.manifest();
      parts.profile = d.profile();
      var policy = new Isolate.OutputPolicy(parts.profile.crashlogLimit(), OUTPUT_LINE_BYTES, parts.profile.logOutput());
      parts.isolate = host.isolates().create(name, parts.manifest.slave(), parts.profile.isolate().type(),
          parts.profile.isolate().args(), policy);
      return parts.isolate.spool(d.archive());
    }).thenApplyAsync(v -> {
      Path socket = host.config().runtimeDir().resolve(name + "." + ProcessHandle.current().pid());
      try {
        parts.pipe = WorkerListener.bind(system, name, socket, host.config().connection().maxFrameBytes());
      } catch (IOException e) {
        throw new CocaineException(ErrorCode.SPOOL_ERROR, "app '" + name + "': cannot open the worker pipe: "
            + e.getMessage(), e);
      }
      return parts;
    }, host.blocking());
  }

  /** Longest output line kept for crashlogs; the rest of a longer line is cut. */
  static final int OUTPUT_LINE_BYTES = 4096;

  /** Undoes what {@code parts} holds, in reverse order; completes when done, whatever failed. */
  private CompletionStage<Done> release(Parts parts) {
    CompletionStage<Done> chain = CompletableFuture.completedFuture(Done.getInstance());
    if (parts.published) {
      chain = quietly(host.publisher().unpublish(name), "unpublish");
    }
    if (parts.binding != null) {
      Tcp.ServerBinding binding = parts.binding;
      chain = chain.thenCompose(d -> quietly(binding.unbind().thenApply(x -> Done.getInstance()), "unbind"));
    }
    if (parts.engine != null) {
      ActorRef<Engine.Command> engine = parts.engine;
      Duration limit = parts.profile.timeouts().terminate().plus(ENGINE_STOP_MARGIN);
      chain = chain.thenCompose(d -> quietly(AskPattern.<Engine.Command, Done>ask(engine, Engine.Stop::new, limit,
          system.scheduler()), "terminate the workers"));
    }
    WorkerListener pipe = parts.pipe;
    Isolate isolate = parts.isolate;
    return chain.thenApply(d -> {
      // after the workers: sessions still running finished or were ended by the engine's stop
      parts.connections.shutdown();
      if (pipe != null) {
        pipe.close();
      }
      if (isolate != null) {
        isolate.close();
      }
      return Done.getInstance();
    });
  }

  private CompletionStage<Done> quietly(CompletionStage<Done> step, String what) {
    return step.handle((d, e) -> {
      if (e != null) {
        LOG.warn("app [{}]: cannot {}: {}", name, what, asCocaine(e).getMessage());
      }
      return Done.getInstance();
    });
  }

  private CocaineException startError(Throwable t) {
    CocaineException c = asCocaine(t);
    if (c.getMessage() != null && c.getMessage().contains("'" + name + "'")) {
      return c;
    }
    return new CocaineException(c.code(), "app '" + name + "': " + c.getMessage(), c);
  }

  private CocaineException engineDied(Parts parts) {
    parts.engine = null; // nothing to ask to stop
    return new CocaineException(ErrorCode.UNCAUGHT, "app '" + name + "': its engine stopped unexpectedly");
  }

  /** The CocaineException inside a failed stage; anything else becomes an uncaught error. */
  static CocaineException asCocaine(Throwable t) {
    Throwable cause = t;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof CocaineException c) {
      return c;
    }
    return new CocaineException(ErrorCode.UNCAUGHT, String.valueOf(cause.getMessage() != null ? cause.getMessage() : cause));
  }
}
