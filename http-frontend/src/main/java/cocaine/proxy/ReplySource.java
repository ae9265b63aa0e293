package cocaine.proxy;

import cocaine.wire.Message;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * The rest of a long answer of an {@link AppChannel} as a source: a reply is taken (and the channel
 * given credit for another) only when downstream pulls, so a slow HTTP client slows the app's
 * channel. Completes when the app's side ended, fails with its cause when it broke; cancelled, it
 * leaves the channel to whoever cancelled it ({@link ChannelGuard} drains and ends it).
 */
final class ReplySource extends GraphStage<SourceShape<Message>> {
  private final AppChannel channel;
  private final Outlet<Message> out = Outlet.create("ReplySource.out");
  private final SourceShape<Message> shape = SourceShape.of(out);

  ReplySource(AppChannel channel) {
    this.channel = channel;
  }

  @Override
  public SourceShape<Message> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new GraphStageLogic(shape) {
      private final AsyncCallback<Boolean> ready = createAsyncCallback(b -> deliver());

      {
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            deliver();
          }
        });
      }

      @Override
      public void preStart() {
        channel.attach(ready);
        deliver();
      }

      private void deliver() {
        if (!isAvailable(out)) {
          return;
        }
        Message m = channel.take();
        if (m != null) {
          push(out, m);
        } else if (channel.drained()) {
          Throwable failure = channel.failure();
          if (failure != null) {
            failStage(failure);
          } else {
            completeStage();
          }
        }
      }
    };
  }
}
