package cocaine.locator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(TestKitJUnit5Extension.class)
class SubscriptionTest {
  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  record Running(ActorRef<Subscription.Command> subscription, TestSubscriber.Probe<Message> stream) {}

  Running start(int buffer) {
    Pair<Pair<BoundedSourceQueue<Message>, CompletionStage<Done>>, TestSubscriber.Probe<Message>> mat =
        Source.<Message>queue(buffer).watchTermination(Keep.both())
            .toMat(TestSink.create(testKit.system()), Keep.both()).run(testKit.system());
    ActorRef<Subscription.Command> sub = testKit.spawn(Subscription.create("connect from node 'n1'",
        mat.first().first(), mat.first().second(), buffer, write("snapshot")));
    return new Running(sub, mat.second());
  }

  static Message write(String text) {
    return Message.write(Values.str(text));
  }

  @Test
  void snapshotThenPushesReachTheStreamInOrder() {
    Running r = start(8);
    r.subscription().tell(new Subscription.Push(write("a")));
    r.subscription().tell(new Subscription.Push(write("b")));
    r.stream().request(3).expectNext(write("snapshot"), write("a"), write("b"));
  }

  @Test
  void cancelledStreamStopsTheSubscription() {
    Running r = start(8);
    TestProbe<Object> watcher = testKit.createTestProbe();
    r.stream().request(1).expectNext(write("snapshot"));
    r.stream().cancel();
    watcher.expectTerminated(r.subscription());
  }

  @Test
  void subscriberThatTakesNothingIsFailedWithEnobufsOnceTheBufferIsFull() {
    Running r = start(4);
    TestProbe<Object> watcher = testKit.createTestProbe();
    for (int i = 0; i < 10; i++) {
      r.subscription().tell(new Subscription.Push(write("update " + i)));
    }
    watcher.expectTerminated(r.subscription());
    r.stream().request(100);
    Throwable error = r.stream().expectError();
    CocaineException e = (CocaineException) error;
    assertEquals(ErrorCode.NO_BUFFERS, e.code());
    assertTrue(e.getMessage().contains("connect from node 'n1' is too slow"), e.getMessage());
    assertTrue(e.getMessage().contains("subscription-buffer (4)"), e.getMessage());
  }

  @Test
  void stoppingTheSubscriptionCompletesTheStream() {
    Running r = start(8);
    testKit.stop(r.subscription());
    r.stream().request(2).expectNext(write("snapshot")).expectComplete();
  }
}
