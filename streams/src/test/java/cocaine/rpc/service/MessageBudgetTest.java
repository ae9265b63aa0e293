package cocaine.rpc.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.rpc.transport.ConnectionSettings;
import cocaine.rpc.transport.WireBudget;
import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Values;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The process's {@link WireBudget#messages()} across many server connections: their decoded
 * messages stay under one ceiling in total, nothing is lost, and replies flow while it is full.
 */
@Timeout(120)
class MessageBudgetTest {
  private static final int CONNECTIONS = 200;
  private static final int MESSAGES = 200;
  private static final long CEILING = 256 * 1024;
  /** Far above what one connection holds here (~120 KiB): only the process's ceiling can stop the reads. */
  private static final ConnectionSettings SETTINGS = new ConnectionSettings(1 << 20, 10_000, 64, 1 << 20);
  private static final String CHUNK = "x".repeat(512);

  /** Says "accepted" on each upload at once, then takes its chunks only once {@link #gate} opens. */
  private static final class GatedService implements Service {
    final CompletableFuture<Done> gate = new CompletableFuture<>();
    final Map<Long, List<Long>> received = new ConcurrentHashMap<>();

    @Override
    public String name() {
      return "gated";
    }

    @Override
    public int version() {
      return 1;
    }

    @Override
    public Protocol protocol() {
      return Protocol.builder().method(0, "upload", Graph.STREAMING, Graph.STREAMING)
          .method(1, "ping", Graph.TERMINAL, Graph.PRIMITIVE).build();
    }

    @Override
    public Source<Message, NotUsed> open(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
      if (first.type() == 1) {
        return Source.single(Message.value(first.args().get(0)));
      }
      List<Long> got = received.computeIfAbsent(channel.connectionId(), c -> new CopyOnWriteArrayList<>());
      Source<Message, NotUsed> taken = Source.completionStage(gate)
          .flatMapConcat(open -> rest.map(m -> {
            got.add(m.args().get(0).asIntegerValue().toLong());
            return m;
          }))
          .filter(m -> false);
      return Source.single(Message.write(Values.str("accepted"))).concat(taken);
    }
  }

  private record Connection(UniqueKillSwitch kill, List<Frame> replies) {}

  /** A client that sends {@code frames} and keeps its connection open; counts what was read. */
  private static Connection connect(GatedService service, WireBudget budget, long id, Source<Frame, NotUsed> frames,
      AtomicInteger framesRead) {
    List<Frame> replies = new CopyOnWriteArrayList<>();
    UniqueKillSwitch kill = frames.map(f -> {
      framesRead.incrementAndGet();
      return f;
    }).concat(Source.never())
        .via(Flow.fromGraph(new ServerChannels(service, SETTINGS, id, "client-" + id, budget)))
        .viaMat(KillSwitches.single(), Keep.right())
        .to(Sink.foreach(replies::add))
        .run(TestSystem.get());
    return new Connection(kill, replies);
  }

  private static Source<Frame, NotUsed> upload() {
    return Source.single(Message.of(0).on(1)).concat(Source.range(1, MESSAGES)
        .map(n -> Message.write(Values.integer(n), Values.str(CHUNK)).on(1)));
  }

  @Test
  void manyConnectionsStayUnderTheCeilingTogetherAndDeliverEverythingOnceInOrder() {
    WireBudget budget = WireBudget.forMessages(CEILING);
    GatedService service = new GatedService();
    AtomicInteger framesRead = new AtomicInteger();
    List<Connection> connections = new ArrayList<>();
    for (long id = 0; id < CONNECTIONS; id++) {
      connections.add(connect(service, budget, id, upload(), framesRead));
    }
    int[] last = {-1};
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
      int now = framesRead.get();
      boolean settled = now > 0 && now == last[0];
      last[0] = now;
      return settled;
    });
    // Without the ceiling every connection reads all of its uploads: ~24 MB held in total, each
    // connection under its own 1 MiB. With it: the ceiling, plus at most one message (~600 bytes)
    // and one reply per connection read while it held nothing.
    long bound = CEILING + CONNECTIONS * 1024L;
    assertTrue(budget.peak() <= bound, "peak " + budget.peak() + " over " + bound);
    assertTrue(framesRead.get() < CONNECTIONS * (MESSAGES + 1), "frames read: " + framesRead.get());
    assertTrue(budget.held() >= CEILING, "held " + budget.held());
    assertTrue(budget.pauses() > 0);

    // The budget is full: replies still go out, and a connection holding nothing is served.
    await().atMost(Duration.ofSeconds(30)).until(() -> connections.stream().allMatch(c -> c.replies().size() == 1));
    AtomicInteger pingsRead = new AtomicInteger();
    Connection pinger = connect(service, budget, CONNECTIONS, Source.range(1, 50)
        .map(n -> Message.of(1, Values.integer(n)).on(n)), pingsRead);
    await().atMost(Duration.ofSeconds(30)).until(() -> pinger.replies().size() == 50);
    assertEquals(LongStream.rangeClosed(1, 50).mapToObj(n -> Message.value(Values.integer(n)).on(n))
        .collect(Collectors.toSet()), Set.copyOf(pinger.replies()));
    assertTrue(budget.held() >= CEILING, "still full: held " + budget.held());

    service.gate.complete(Done.getInstance());
    List<Long> all = LongStream.rangeClosed(1, MESSAGES).boxed().toList();
    await().atMost(Duration.ofSeconds(60)).until(() -> service.received.size() == CONNECTIONS
        && service.received.values().stream().allMatch(got -> got.size() >= MESSAGES));
    service.received.forEach((id, got) -> assertEquals(all, got, "connection " + id));
    await().atMost(Duration.ofSeconds(10)).until(() -> budget.held() == 0);

    connections.forEach(c -> c.kill().shutdown());
    pinger.kill().shutdown();
    assertEquals(0, budget.held());
  }

  @Test
  void closedConnectionsGiveBackWhatTheyHeld() {
    WireBudget budget = WireBudget.forMessages(CEILING);
    GatedService service = new GatedService();
    AtomicInteger framesRead = new AtomicInteger();
    List<Connection> connections = new ArrayList<>();
    for (long id = 0; id < 20; id++) {
      connections.add(connect(service, budget, id, upload(), framesRead));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> budget.held() >= CEILING);
    connections.forEach(c -> c.kill().shutdown());
    await().atMost(Duration.ofSeconds(10)).until(() -> budget.held() == 0);
  }
}
