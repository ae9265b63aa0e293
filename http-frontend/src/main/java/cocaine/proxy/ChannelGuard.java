package cocaine.proxy;

import java.time.Duration;
import java.util.function.Consumer;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;

/**
 * Sits between an app channel's replies and their consumer (the HTTP response). When the consumer
 * goes away (client disconnected, timeout, a response cut short) it tells the request side
 * ({@code onCancel} with the cancellation's cause, which sends {@code error} to the app) and keeps reading and dropping replies
 * until the app ends its side, so the channel closes cleanly instead of being dropped mid-way; it
 * gives up after {@code drainFor}.
 */
final class ChannelGuard<T> extends GraphStage<FlowShape<T, T>> {
  private final Consumer<Throwable> onCancel;
  private final Duration drainFor;
  private final Inlet<T> in = Inlet.create("ChannelGuard.in");
  private final Outlet<T> out = Outlet.create("ChannelGuard.out");
  private final FlowShape<T, T> shape = FlowShape.of(in, out);

  ChannelGuard(Consumer<Throwable> onCancel, Duration drainFor) {
    this.onCancel = onCancel;
    this.drainFor = drainFor;
  }

  @Override
  public FlowShape<T, T> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new TimerGraphStageLogic(shape) {
      private boolean draining;

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            T element = grab(in);
            if (draining) {
              pull(in);
            } else {
              push(out, element);
            }
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            pull(in);
          }

          @Override
          public void onDownstreamFinish(Throwable cause) {
            draining = true;
            onCancel.accept(cause);
            if (!hasBeenPulled(in)) {
              pull(in);
            }
            scheduleOnce("drain", drainFor);
          }
        });
      }

      @Override
      public void onTimer(Object key) {
        cancel(in);
      }
    };
  }
}
