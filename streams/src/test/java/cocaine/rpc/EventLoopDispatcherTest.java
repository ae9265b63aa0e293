package cocaine.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.Frame;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Values;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class EventLoopDispatcherTest {
  @Test
  void runsEveryTaskFromLoopsAndFromOutsideAndStopsOnShutdown() throws Exception {
    EventLoopGroup group = new EventLoopGroup(2, Executors.defaultThreadFactory());
    int outside = 4;
    int perThread = 20_000;
    CountDownLatch done = new CountDownLatch(outside * perThread * 2);
    Set<String> threads = ConcurrentHashMap.newKeySet();
    AtomicInteger onLoop = new AtomicInteger();
    Runnable task = () -> {
      threads.add(Thread.currentThread().getName());
      if (EventLoop.current() != null) {
        onLoop.incrementAndGet();
      }
      done.countDown();
    };
    var submitters = Executors.newFixedThreadPool(outside);
    for (int t = 0; t < outside; t++) {
      submitters.execute(() -> {
        for (int i = 0; i < perThread; i++) {
          // one from outside, one more from the loop that runs it: both must run, none twice
          group.execute(() -> {
            task.run();
            group.execute(task);
          });
        }
      });
    }
    assertTrue(done.await(30, TimeUnit.SECONDS), "tasks left: " + done.getCount());
    assertEquals(outside * perThread * 2, onLoop.get());
    assertEquals(2, threads.size(), "both loops ran tasks: " + threads);
    submitters.shutdown();
    group.shutdown();
    assertTrue(group.awaitTermination(10, TimeUnit.SECONDS));
    assertTrue(group.isTerminated());
  }

  @Test
  void aServerOnAnEventLoopSystemServesItsConnectionsOnTheLoops() throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "event-loops", ConfigFactory.parseString(
        "pekko.actor.default-dispatcher { executor = \"cocaine.rpc.EventLoopDispatcher\", event-loop.threads = 2 }")
        .withFallback(ConfigFactory.load()));
    Set<Boolean> servedOnLoop = ConcurrentHashMap.newKeySet();
    Service echo = new Service() {
      @Override
      public String name() {
        return "echo";
      }

      @Override
      public int version() {
        return 1;
      }

      @Override
      public Protocol protocol() {
        return Protocol.builder().method(0, "echo", Graph.TERMINAL, Graph.PRIMITIVE).build();
      }

      @Override
      public Source<Message, NotUsed> open(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
        servedOnLoop.add(EventLoop.current() != null);
        return Source.single(Message.value(first.args().toArray(new org.msgpack.value.Value[0])));
      }
    };
    try {
      Tcp.ServerBinding binding = Server.bind(system, "127.0.0.1", 0, echo, new ConnectionSettings(1 << 20, 64, 16))
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      try (WireClient a = new WireClient(binding.localAddress().getPort());
           WireClient b = new WireClient(binding.localAddress().getPort())) {
        for (int i = 1; i <= 200; i++) {
          a.send(i, Message.of(0, Values.str("a" + i)));
          b.send(i, Message.of(0, Values.str("b" + i)));
          assertEquals(new Frame(i, 0, List.of(Values.str("a" + i)), List.of()), a.read());
          assertEquals(new Frame(i, 0, List.of(Values.str("b" + i)), List.of()), b.read());
        }
      }
      assertEquals(Set.of(true), servedOnLoop, "the connections' streams ran on event loops");
      assertNotNull(binding);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
