package cocaine.proxy;

import cocaine.routing.Continuum;
import cocaine.routing.RoutingGroup;
import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.Server;
import cocaine.rpc.service.Service;
import cocaine.rpc.transport.ConnectionSettings;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Values;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;
import org.msgpack.value.ValueFactory;

/**
 * A cluster in miniature for proxy tests, spoken to over the real wire: a locator that resolves
 * names to endpoints (or refuses with [10, 1]), a storage that serves manifests, and app services
 * whose answers each test chooses per event.
 */
public final class FakeCluster implements AutoCloseable {
  private final ActorSystem<?> system;
  private final List<Tcp.ServerBinding> bindings = new ArrayList<>();
  public final Locator locator = new Locator();
  public final Storage storage = new Storage();

  public FakeCluster(ActorSystem<?> system) {
    this.system = system;
    InetSocketAddress storageAt = bind(storage);
    locator.route("storage", storageAt);
    bind(locator);
  }

  /** Port of the locator. */
  public int locatorPort() {
    return locator.address.get().getPort();
  }

  /** Serves app under its name and publishes it in the locator. */
  public App app(String name) {
    App app = new App(name, Materializer.matFromSystem(system));
    locator.route(name, bind(app));
    return app;
  }

  /** Serves an app without publishing it (the test decides where the locator sends whom). */
  public App unpublished(String name) {
    App app = new App(name, Materializer.matFromSystem(system));
    app.address = bind(app);
    return app;
  }

  private InetSocketAddress bind(Service service) {
    Tcp.ServerBinding b = Server.bind(system, "127.0.0.1", 0, service, ConnectionSettings.DEFAULTS)
        .toCompletableFuture().join();
    bindings.add(b);
    if (service instanceof Locator l) {
      l.address.set(b.localAddress());
    }
    return b.localAddress();
  }

  @Override
  public void close() {
    bindings.forEach(b -> b.unbind());
  }

  // ---- the services --------------------------------------------------------------------------

  /**
   * resolve(name) -> [[[host, port]], 1, graph], or [10, 1] for names it does not know (routing
   * groups included: only the proxy's own pick can reach their members);
   * routing(router_id) -> write [{group: [[point, app], ...]}] now and after every change.
   */
  public static final class Locator implements Service {
    final AtomicReference<InetSocketAddress> address = new AtomicReference<>();
    private final Map<String, AtomicReference<InetSocketAddress>> routes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> resolves = new ConcurrentHashMap<>();
    private final Map<String, RoutingGroup> groups = new TreeMap<>();
    private final Set<BoundedSourceQueue<Message>> routers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger routingSubscriptions = new AtomicInteger();

    /** Sets (or replaces) a routing group and sends the new rings to every routing subscriber. */
    public synchronized void group(String name, Map<String, Long> weights) {
      groups.put(name, new RoutingGroup(weights));
      Message rings = rings();
      routers.forEach(q -> offer(q, rings));
    }

    /** Ends every routing stream with close, as a locator that stops does. */
    public synchronized void endRouting() {
      routers.forEach(q -> {
        offer(q, Message.close());
        try {
          q.complete();
        } catch (IllegalStateException alreadyGone) {
          // the subscriber went away and its stream completed the queue already
        }
      });
      routers.clear();
    }

    /** Offers m unless the subscriber is gone already (its queue completed, not yet forgotten). */
    private static void offer(BoundedSourceQueue<Message> q, Message m) {
      try {
        q.offer(m);
      } catch (IllegalStateException alreadyGone) {
        // nothing to tell it
      }
    }

    /** routing subscriptions made so far. */
    public int routingSubscriptions() {
      return routingSubscriptions.get();
    }

    private synchronized Message rings() {
      ValueFactory.MapBuilder map = ValueFactory.newMapBuilder();
      groups.forEach((name, group) -> {
        List<Value> points = new ArrayList<>();
        Continuum.of(group).points().forEach(p -> points.add(Values.array(Values.integer(p.getKey()),
            Values.str(p.getValue()))));
        map.put(Values.str(name), Values.array(points));
      });
      return Message.write(map.build());
    }

    private Source<Message, NotUsed> routing(Source<Message, NotUsed> rest) {
      routingSubscriptions.incrementAndGet();
      return Source.<Message>queue(16)
          .mapMaterializedValue(q -> {
            synchronized (this) {
              q.offer(rings());
              routers.add(q);
            }
            return q;
          })
          // the client's discard or disconnect ends the stream
          .merge(rest.filter(m -> false), true)
          .watchTermination((q, done) -> {
            done.whenComplete((d, failure) -> routers.remove(q));
            return NotUsed.getInstance();
          });
    }

    public void route(String name, InetSocketAddress to) {
      routes.computeIfAbsent(name, n -> new AtomicReference<>()).set(to);
    }

    public int resolves(String name) {
      return resolves.getOrDefault(name, new AtomicInteger()).get();
    }

    @Override
    public String name() {
      return "locator";
    }

    @Override
    public int version() {
      return 3;
    }

    @Override
    public Protocol protocol() {
      return Protocol.builder()
          .method(0, "resolve", Graph.TERMINAL, Graph.PRIMITIVE)
          .method(5, "routing", Graph.builder().edge(0, "discard", Graph.TERMINAL).build(), Graph.STREAMING)
          .build();
    }

    @Override
    public Source<Message, NotUsed> open(ChannelContext ctx, Message first, Source<Message, NotUsed> rest) {
      if (first.type() == 5) {
        return routing(rest);
      }
      String name = Values.asString(first.args().get(0));
      resolves.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
      AtomicReference<InetSocketAddress> to = routes.get(name);
      if (to == null || to.get() == null) {
        return Source.failed(new CocaineException(ErrorCode.SERVICE_NOT_AVAILABLE, "service is not available"));
      }
      InetSocketAddress a = to.get();
      Value endpoints = Values.array(Values.array(Values.str(a.getHostString()), Values.integer(a.getPort())));
      Protocol app = Protocol.builder().method(0, "enqueue", Graph.STREAMING, Graph.STREAMING).build();
      return Source.single(Message.value(endpoints, Values.integer(1), app.toValue()));
    }
  }

  /** read(collection, key) of msgpack blobs; a missing key is [12, 2]. */
  public static final class Storage implements Service {
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();

    public void manifest(String app, Map<String, Object> manifest) {
      blobs.put("manifests/" + app, FrameEncoder.encodeValue(Values.fromJava(manifest)));
    }

    @Override
    public String name() {
      return "storage";
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public Protocol protocol() {
      return Protocol.builder().method(0, "read", Graph.TERMINAL, Graph.PRIMITIVE).build();
    }

    @Override
    public Source<Message, NotUsed> open(ChannelContext ctx, Message first, Source<Message, NotUsed> rest) {
      String key = Values.asString(first.args().get(0)) + "/" + Values.asString(first.args().get(1));
      byte[] blob = blobs.get(key);
      return blob == null
          ? Source.failed(new CocaineException(ErrorCode.NOT_FOUND, key + ": No such file or directory"))
          : Source.single(Message.value(Values.bytes(blob)));
    }
  }

  /** One request as an app saw it. */
  public record Request(long connection, String event, List<Header> headers, Message firstChunk, CompletableFuture<List<Message>> rest) {
    /** The first write's payload: the packed HTTP request. */
    public byte[] payload() {
      return firstChunk.args().get(0).asRawValue().asByteArray();
    }

    public List<Value> fields() {
      try (MessageUnpacker u = MessagePack.newDefaultUnpacker(payload())) {
        return u.unpackValue().asArrayValue().list();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    public String method() {
      return Values.asString(fields().get(0));
    }

    public String uri() {
      return Values.asString(fields().get(1));
    }

    public String body() {
      return Values.asString(fields().get(4));
    }

    public List<String> header(String name) {
      List<String> out = new ArrayList<>();
      for (Value h : fields().get(3).asArrayValue()) {
        if (Values.asString(h.asArrayValue().get(0)).equalsIgnoreCase(name)) {
          out.add(Values.asString(h.asArrayValue().get(1)));
        }
      }
      return out;
    }

    public long traceHeader(String name) {
      return Header.find(headers, name).flatMap(Header::asLong).orElseThrow();
    }
  }

  /** An app service: enqueue(event) with streams both ways; answers chosen per event. */
  public static final class App implements Service {
    final String name;
    public volatile InetSocketAddress address;
    public final AtomicInteger enqueues = new AtomicInteger();
    public final ConcurrentLinkedQueue<Request> seen = new ConcurrentLinkedQueue<>();
    private final Map<String, Function<Request, Source<Message, NotUsed>>> handlers = new ConcurrentHashMap<>();
    private volatile Function<Request, Source<Message, NotUsed>> fallback = App::echo;
    private final Materializer mat;

    App(String name, Materializer mat) {
      this.name = name;
      this.mat = mat;
    }

    public App on(String event, Function<Request, Source<Message, NotUsed>> handler) {
      handlers.put(event, handler);
      return this;
    }

    public App otherwise(Function<Request, Source<Message, NotUsed>> handler) {
      fallback = handler;
      return this;
    }

    public Request last() {
      Request r = null;
      for (Request x : seen) {
        r = x;
      }
      return r;
    }

    /** 200 text/plain "METHOD URI BODY". */
    public static Source<Message, NotUsed> echo(Request r) {
      return Source.from(List.of(head(200, "Content-Type", "text/plain"),
          chunk(r.method() + " " + r.uri() + " " + r.body()), Message.close()));
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public Protocol protocol() {
      return Protocol.builder().method(0, "enqueue", Graph.STREAMING, Graph.STREAMING).build();
    }

    @Override
    public Source<Message, NotUsed> open(ChannelContext ctx, Message first, Source<Message, NotUsed> rest) {
      enqueues.incrementAndGet();
      String event = Values.asString(first.args().get(0));
      return rest.prefixAndTail(1).flatMapConcat(pair -> {
        CompletableFuture<List<Message>> after = pair.second().runWith(Sink.seq(), mat)
            .toCompletableFuture();
        Request r = new Request(ctx.connectionId(), event, first.headers(), pair.first().isEmpty() ? null : pair.first().get(0), after);
        seen.add(r);
        return handlers.getOrDefault(event, fallback).apply(r);
      });
    }

  }

  /** An app's response head chunk: [code, [[name, value], ...]]. */
  public static Message head(int code, String... nameValues) {
    List<Value> pairs = new ArrayList<>();
    for (int i = 0; i < nameValues.length; i += 2) {
      pairs.add(Values.array(Values.str(nameValues[i]), Values.str(nameValues[i + 1])));
    }
    return Message.write(Values.bytes(FrameEncoder.encodeValue(Values.array(Values.integer(code),
        Values.array(pairs)))));
  }

  public static Message chunk(String text) {
    return Message.write(Values.str(text));
  }
}
