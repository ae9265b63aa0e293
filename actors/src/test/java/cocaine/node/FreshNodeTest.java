package cocaine.node;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A test class whose every test runs on a fresh node ({@link #node}), started before the test and
 * closed after it. The nodes of one class share that class's own test kit, shut down after it.
 */
abstract class FreshNodeTest {
  @RegisterExtension
  static final KitPerClass KITS = new KitPerClass();

  /** This test's node. */
  NodeFixture node;

  @BeforeEach
  void startNode() throws Exception {
    node = new NodeFixture(KITS.of(getClass()));
  }

  @AfterEach
  void closeNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  /** Each test class's own test kit: made before its first test, shut down after its last. */
  static final class KitPerClass implements BeforeAllCallback, AfterAllCallback {
    private final Map<Class<?>, ActorTestKit> kits = new ConcurrentHashMap<>();

    ActorTestKit of(Class<?> testClass) {
      return kits.get(testClass);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
      kits.put(context.getRequiredTestClass(), ActorTestKit.create());
    }

    @Override
    public void afterAll(ExtensionContext context) {
      kits.remove(context.getRequiredTestClass()).shutdownTestKit();
    }
  }
}
