package cocaine.rpc.channel;

import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.InHandler;

/**
 * What a stage that serves many channels reads one channel's messages through: a materialized
 * sub-stream ({@link #of(GraphStageLogic.SubSinkInlet)}) or, without materializing anything, a
 * {@link FeedInlet}. The methods are those of Pekko's {@code SubSinkInlet}, called on the owning
 * stage's thread.
 */
public interface ChannelInlet<T> {
  void setHandler(InHandler handler);

  /** Asks for the next element; a {@link FeedInlet} may push it before this returns. */
  void pull();

  T grab();

  boolean isClosed();

  boolean hasBeenPulled();

  void cancel();

  /** A materialized sub-stream's inlet as a channel inlet. */
  static <T> ChannelInlet<T> of(GraphStageLogic.SubSinkInlet<T> inlet) {
    return new ChannelInlet<>() {
      @Override
      public void setHandler(InHandler handler) {
        inlet.setHandler(handler);
      }

      @Override
      public void pull() {
        inlet.pull();
      }

      @Override
      public T grab() {
        return inlet.grab();
      }

      @Override
      public boolean isClosed() {
        return inlet.isClosed();
      }

      @Override
      public boolean hasBeenPulled() {
        return inlet.hasBeenPulled();
      }

      @Override
      public void cancel() {
        inlet.cancel();
      }
    };
  }
}
