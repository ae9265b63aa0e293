package cocaine.node;

import static cocaine.node.NodeFixture.at;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import cocaine.cluster.CapturedLog;
import cocaine.node.app.AppService;
import cocaine.wire.Frame;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A profile written for 0.11/0.12, with keys this runtime does not read and the 0.11 names of its
 * timeouts, starts on the real node with one warning per key in the node's log (docs/protocol.md 4.3).
 */
class ProfileMigrationTest extends FreshNodeTest {
  @Test
  void anOldProfileStartsAndEachRenamedOrUnknownKeyIsLoggedOnce() throws Exception {
    Map<String, Object> profile = new LinkedHashMap<>(NodeFixture.profile());
    profile.remove("spawn-timeout");
    profile.remove("handshake-timeout");
    profile.remove("terminate-timeout");
    profile.put("startup-timeout", 20.0);
    profile.put("termination-timeout", 3.0);
    profile.put("pool_limit", 7);
    profile.put("isolate", Map.of("type", "process", "args", Map.of("cgroup", Map.of("cpu", 512))));
    node.app("legacy", Map.of(), profile);

    List<String> expected = List.of(
        "app 'legacy': profile 'legacy': 'startup-timeout' is the 0.11 name of 'spawn-timeout' and 'handshake-timeout':"
            + " read as 'spawn-timeout' and 'handshake-timeout' = 20.0",
        "app 'legacy': profile 'legacy': 'termination-timeout' is the 0.11 name of 'terminate-timeout': read as"
            + " 'terminate-timeout' = 3.0",
        "app 'legacy': profile 'legacy': unknown key 'pool_limit' is ignored (did you mean 'pool-limit'?)",
        "app 'legacy': profile 'legacy': unknown arg 'isolate.args.cgroup' of the process isolate is ignored");
    try (CapturedLog log = CapturedLog.capture()) {
      Frame started = node.startApp("legacy", "legacy");
      assertEquals(0, started.type(), started.toString());
      try (WireClient client = node.appClient("legacy")) {
        long ch = client.open(Message.of(AppService.ENQUEUE, Values.str("ping")));
        assertEquals(Message.write(Values.str("pong")).on(ch), client.next(ch));
      }
      for (String line : expected) {
        assertEquals(1, log.countExactly(Level.WARN, line), "once: " + line + "\nlogged:\n" + log.lines());
      }
    }
    assertEquals(2L, at(node.info("legacy"), "pool", "capacity"), "pool_limit is not pool-limit");
  }
}
