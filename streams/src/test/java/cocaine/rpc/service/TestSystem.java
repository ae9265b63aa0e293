package cocaine.rpc.service;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;

/** One actor system for all tests of this module, shut down with the JVM. */
public final class TestSystem {
  private static final ActorTestKit KIT = ActorTestKit.create("streams-test");

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(KIT::shutdownTestKit));
  }

  private TestSystem() {}

  public static ActorSystem<Void> get() {
    return KIT.system();
  }

  /** For the stream testkit, which takes a classic system. */
  public static org.apache.pekko.actor.ActorSystem classic() {
    return KIT.system().classicSystem();
  }
}
