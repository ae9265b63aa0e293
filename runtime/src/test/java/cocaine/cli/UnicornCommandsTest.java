package cocaine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What {@code cocaine unicorn} refuses before it talks to anything. */
class UnicornCommandsTest {
  @Test
  void aValueThatIsNotJsonIsABadValueThatSaysHowToQuoteIt() {
    for (String verb : new String[] {"put", "create"}) {
      CliRun r = CliRun.of("unicorn", verb, "/a", "hello", "--port", "1");
      assertEquals(2, r.exit(), r.toString());
      assertTrue(r.err().contains("VALUE must be JSON") && r.err().contains("'\"hello\"'"), r.toString());
    }
  }

  @Test
  void theGroupListsItsVerbs() {
    CliRun r = CliRun.of("unicorn", "--help");
    assertEquals(0, r.exit(), r.toString());
    for (String verb : new String[] {"get", "put", "create", "remove", "children"}) {
      assertTrue(r.out().contains(verb), verb + " in " + r);
    }
  }
}
