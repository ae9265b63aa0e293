package cocaine.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.locator.ServiceInfo;
import cocaine.node.app.AppService;
import cocaine.node.app.NodeConfig;
import cocaine.node.app.Share;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import cocaine.wire.ErrorCode;
import cocaine.wire.CocaineException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A running app moved to another version on one node with real workers: the new version starts
 * beside the old under the same service, takes new channels once healthy, the old drains; a version
 * that never becomes healthy leaves the old serving; a canary splits new channels by weight.
 */
class RolloverTest {
  static final ActorTestKit testKit = ActorTestKit.create();
  static final String VERSION = "env:VERSION";
  NodeFixture node;

  @BeforeEach
  void start() throws Exception {
    node = new NodeFixture(testKit, "default", f -> {},
        new NodeConfig.Rollover(Duration.ofSeconds(20), Duration.ofSeconds(20)));
    node.storage.putMap("profiles", "echo", NodeFixture.profile("pool-limit", 1));
    version(1, Map.of());
    version(2, Map.of("health", Map.of("event", "ping", "timeout", 5))); // answered: the gate passes
  }

  @AfterEach
  void stop() throws Exception {
    node.close();
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** Records version {@code n} of app 'echo': the test worker with VERSION=n in its environment. */
  private void version(int n, Map<String, Object> extra) {
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("slave", node.workerScript.toString());
    manifest.put("environment", Map.of("VERSION", String.valueOf(n), "TEST_WORKER_MODE",
        extra.getOrDefault("mode", "normal")));
    if (extra.containsKey("health")) {
      manifest.put("health", extra.get("health"));
    }
    node.storage.putMap("versions", "echo@" + n, Map.of("version", n, "manifest", manifest, "profile", "echo"));
  }

  private StatusReply<Done> roll(List<Share> lineup) throws Exception {
    return AskPattern.<Node.Command, StatusReply<Done>>ask(node.node, r -> new Node.RollApp("echo", lineup, false, r),
        Duration.ofSeconds(60), testKit.system().scheduler()).toCompletableFuture().get();
  }

  private static String served(WireClient client) throws Exception {
    long ch = client.open(Message.of(AppService.ENQUEUE, Values.str(VERSION)));
    client.send(Message.close().on(ch)); // the client's side ends too, so the worker's slot is free again
    List<Frame> frames = client.all(ch);
    assertEquals(2, frames.size(), "one answer and its close: " + frames);
    assertEquals(Message.close().on(ch), frames.get(1), frames.toString());
    return Values.asString(frames.get(0).args().get(0));
  }

  @Test
  void requestsDuringASwitchAreAllAnsweredExactlyOnceAndTheNewVersionTakesOverOnTheSamePort() throws Exception {
    assertTrue(roll(Share.only("1", "echo")).isSuccess());
    ServiceInfo before = node.publisher.published.get("echo");
    List<String> answers = new ArrayList<>();
    AtomicBoolean stopLoad = new AtomicBoolean();
    CompletableFuture<Void> load = new CompletableFuture<>();
    Thread loader = new Thread(() -> {
      try (WireClient client = node.appClient("echo")) {
        while (!stopLoad.get()) {
          String v = served(client);
          synchronized (answers) {
            answers.add(v);
          }
        }
        load.complete(null);
      } catch (Throwable e) {
        load.completeExceptionally(e);
      }
    }, "load");
    loader.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      if (load.isCompletedExceptionally()) {
        load.join();
      }
      synchronized (answers) {
        return answers.size() >= 5;
      }
    });

    StatusReply<Done> rolled = roll(Share.only("2", "echo"));

    assertTrue(rolled.isSuccess(), () -> "rollover: " + rolled);
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      synchronized (answers) {
        return answers.contains("2") && answers.lastIndexOf("2") >= answers.indexOf("2") + 5;
      }
    });
    stopLoad.set(true);
    load.get(); // a failed or doubled answer failed the load
    int first2 = answers.indexOf("2");
    assertTrue(first2 > 0, answers.toString());
    assertTrue(answers.subList(0, first2).stream().allMatch("1"::equals), answers.toString());
    assertTrue(answers.subList(first2, answers.size()).stream().allMatch("2"::equals),
        "after the switch every new channel goes to the new version: " + answers);
    assertEquals(before, node.publisher.published.get("echo"), "the same service and port throughout");
    assertEquals(Map.of("2", 100L), node.info("echo").get("versions"));
  }

  @Test
  void aVersionWhoseHealthEventFailsIsGivenUpAndTheOldOneNeverStopsServing() throws Exception {
    version(3, Map.of("health", Map.of("event", "fail", "timeout", 5)));
    assertTrue(roll(Share.only("1", "echo")).isSuccess());

    StatusReply<Done> rolled = roll(Share.only("3", "echo"));

    assertTrue(rolled.isError(), rolled.toString());
    String reason = rolled.getError().getMessage();
    assertTrue(reason.contains("version 3 is not healthy") && reason.contains("health event 'fail'"), reason);
    assertEquals(ErrorCode.NOT_HEALTHY, ((CocaineException) rolled.getError()).code(),
        "a failed gate has a code of its own, not a timeout's: convergence does not try it again");
    try (WireClient client = node.appClient("echo")) {
      assertEquals("1", served(client));
    }
    assertEquals(Map.of("1", 100L), node.info("echo").get("versions"));
  }

  @Test
  void aVersionWithoutAHandshakeWithinTheDeadlineIsGivenUp() throws Exception {
    node.close();
    node = new NodeFixture(testKit, "default", f -> {}, new NodeConfig.Rollover(Duration.ofSeconds(3),
        Duration.ofSeconds(20)));
    node.storage.putMap("profiles", "echo", NodeFixture.profile("pool-limit", 1));
    version(1, Map.of());
    version(4, Map.of("mode", "no-handshake"));
    assertTrue(roll(Share.only("1", "echo")).isSuccess());

    StatusReply<Done> rolled = roll(Share.only("4", "echo"));

    assertTrue(rolled.isError(), rolled.toString());
    assertTrue(rolled.getError().getMessage().contains("no worker handshook"), rolled.getError().getMessage());
    try (WireClient client = node.appClient("echo")) {
      assertEquals("1", served(client));
    }
  }

  @Test
  void theReplacedVersionDrainsAChannelStillOpenOnIt() throws Exception {
    assertTrue(roll(Share.only("1", "echo")).isSuccess());
    try (WireClient held = node.appClient("echo"); WireClient fresh = node.appClient("echo")) {
      long ch = held.open(Message.of(AppService.ENQUEUE, Values.str("hold")));
      await().atMost(Duration.ofSeconds(20)).until(() -> {
        Object load = NodeFixture.at(node.info("echo", 1), "pool", "active");
        return load != null && ((Number) load).intValue() >= 1;
      });

      assertTrue(roll(Share.only("2", "echo")).isSuccess());
      assertEquals("2", served(fresh));

      held.send(Message.close().on(ch)); // the old version still serves the channel opened on it
      assertEquals(List.of(Message.close().on(ch)), held.all(ch));
    }
  }

  @Test
  void aCanarySplitsNewChannelsByWeightAndPromoteLeavesOnlyIt() throws Exception {
    assertTrue(roll(Share.only("1", "echo")).isSuccess());

    assertTrue(roll(List.of(new Share("1", "echo", 80), new Share("2", "echo", 20))).isSuccess());

    int canary = 0;
    try (WireClient client = node.appClient("echo")) {
      for (int i = 0; i < 100; i++) {
        canary += served(client).equals("2") ? 1 : 0;
      }
      assertEquals(20, canary, "smooth weighted round-robin: exactly 20 of 100");
      assertTrue(roll(Share.only("2", "echo")).isSuccess());
      for (int i = 0; i < 10; i++) {
        assertEquals("2", served(client));
      }
    }
    assertFalse(node.info("echo").containsKey("error"));
    assertEquals(Map.of("2", 100L), node.info("echo").get("versions"));
  }
}
