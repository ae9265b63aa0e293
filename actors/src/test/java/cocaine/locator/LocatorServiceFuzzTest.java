package cocaine.locator;

import cocaine.fuzz.FuzzedCall;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;

/**
 * Any arguments a client sends to the locator's methods (resolve, publish with its protocol
 * graph, refresh, routing, ...) get a reply or an error message; the service never throws at its
 * caller. Input: one byte of method id, then the msgpack argument array. Regression inputs live in
 * {@code LocatorServiceFuzzTestInputs/}.
 */
class LocatorServiceFuzzTest {
  private static final ActorTestKit KIT = ActorTestKit.create();
  private static final ActorRef<Locator.Command> LOCATOR = KIT.spawn(Behaviors.ignore());
  // the locator actor never answers; a short ask lets each input's ask end at once
  private static final LocatorService SERVICE = new LocatorService(KIT.system(), LOCATOR, "fuzz-node", Duration.ofMillis(1));

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @FuzzTest(maxDuration = "5s")
  void anyArgumentsGetAReplyNotAnException(byte[] input) {
    FuzzedCall.open(SERVICE, input);
  }
}
