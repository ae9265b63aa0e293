package cocaine.uniresis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.ServiceClient;
import cocaine.rpc.service.Served;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The uniresis service: the node's figures, a uuid that survives a restart, refused state. */
@ExtendWith(TestKitJUnit5Extension.class)
class UniresisServiceTest {
  @JUnit5TestKit ActorTestKit kit = new JUnit5TestKitBuilder().build();
  @TempDir Path state;

  @Test
  void answersCpusMemoryAndAUuidThatTheNextStartKeeps() throws Exception {
    String uuid;
    try (Served served = Served.bind(kit.system(), UniresisService.of(0, state.resolve("node")));
        ServiceClient client = served.client()) {
      assertEquals(List.of(Values.integer(Runtime.getRuntime().availableProcessors())),
          client.call("cpu_count").get(10, TimeUnit.SECONDS));
      long memory = Values.asLong(client.call("memory_count").get(10, TimeUnit.SECONDS).get(0));
      assertTrue(memory >= Runtime.getRuntime().maxMemory() / 4, "the machine's memory in bytes: " + memory);
      uuid = Values.asString(client.call("uuid", "ignored extra").get(10, TimeUnit.SECONDS).get(0));
      UUID.fromString(uuid);
    }
    // a restarted node: same state folder, same uuid; a configured cpu count wins
    try (Served served = Served.bind(kit.system(), UniresisService.of(3, state.resolve("node")));
        WireClient raw = new WireClient(served.port())) {
      long ch = raw.open(Message.of(UniresisService.UUID_METHOD));
      assertEquals(Message.value(Values.str(uuid)).on(ch), raw.next(ch));
      long cpus = raw.open(Message.of(UniresisService.CPU_COUNT, Values.str("extra")));
      assertEquals(Message.value(Values.integer(3)).on(cpus), raw.next(cpus));
    }
  }

  @Test
  void aDamagedUuidFileStopsTheStartWithItsPathAndContent() throws Exception {
    Files.writeString(state.resolve(UniresisService.UUID_FILE), "not-a-uuid");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> UniresisService.nodeUuid(state));
    assertTrue(e.getMessage().contains("not-a-uuid") && e.getMessage().contains(UniresisService.UUID_FILE), e.getMessage());
  }
}
