package cocaine.locator;

import com.code_intelligence.jazzer.junit.FuzzTest;
import cocaine.rpc.ChannelContext;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireException;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.msgpack.value.Value;

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
    if (input.length < 2) {
      return;
    }
    Value args;
    try {
      args = Values.unpack(input, 1, input.length - 1);
    } catch (WireException e) {
      return; // not msgpack: the frame decoder refuses it before any service sees it
    }
    if (!args.isArrayValue()) {
      return;
    }
    SERVICE.open(new ChannelContext(1, "fuzz", 1), new Message(input[0] & 0x07, args.asArrayValue().list(), List.of()), Source.empty());
  }
}
