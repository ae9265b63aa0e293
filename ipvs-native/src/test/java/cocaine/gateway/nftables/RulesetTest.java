package cocaine.gateway.nftables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RulesetTest {
  static final Ruleset.Real A = new Ruleset.Real("10.0.2.2", 5000, 1);
  static final Ruleset.Real B = new Ruleset.Real("10.0.3.2", 5001, 1);

  @Test
  void equalWeightsGoRoundRobinInPreroutingAndOutput() {
    String script = Ruleset.render(Optional.of("10.0.1.1"),
        Map.of("echo", new Ruleset.Virtual(30000, Map.of("node-b", B, "node-a", A))), true);
    String rule = "ip daddr 10.0.1.1 tcp dport 30000 ct mark set 0x636f6361 dnat ip to numgen inc mod 2"
        + " map { 0 : 10.0.2.2 . 5000, 1 : 10.0.3.2 . 5001 } comment \"echo\"";
    assertEquals(2, script.split(java.util.regex.Pattern.quote(rule), -1).length - 1, script);
    assertTrue(script.startsWith("table ip cocaine\ndelete table ip cocaine\ntable ip cocaine {\n"), script);
    assertTrue(script.contains("ct mark 0x636f6361 masquerade"), script);
  }

  @Test
  void unequalWeightsTakeShareOfARandomNumber() {
    String script = Ruleset.render(Optional.empty(), Map.of("echo", new Ruleset.Virtual(30000,
        Map.of("node-a", new Ruleset.Real("10.0.2.2", 5000, 3), "node-b", B))), false);
    assertTrue(script.contains("tcp dport 30000 ct mark set 0x636f6361 dnat ip to numgen random mod 4"
        + " map { 0-2 : 10.0.2.2 . 5000, 3 : 10.0.3.2 . 5001 }"), script);
    assertTrue(!script.contains("ip daddr"), "no address = every address: " + script);
    assertTrue(!script.contains("masquerade"), script);
  }

  @Test
  void appsWithoutRealsGetNoRuleAndNamesCannotBreakTheScript() {
    String script = Ruleset.render(Optional.of("10.0.1.1"), Map.of(
        "idle", new Ruleset.Virtual(30001, Map.of()),
        "we\"ird\nname", new Ruleset.Virtual(30002, Map.of("n", A))), true);
    assertTrue(!script.contains("30001"), script);
    assertTrue(script.contains("comment \"we_ird_name\""), script);
  }

  @Test
  void deleteToleratesAMissingTable() {
    assertEquals("table ip cocaine\ndelete table ip cocaine\n", Ruleset.delete());
  }
}
