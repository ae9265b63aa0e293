package cocaine.rpc.channel;

import cocaine.wire.CocaineException;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import java.util.ArrayDeque;
import java.util.List;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * One outbound channel as a flow stage: requests in, replies out. It opens the channel when
 * materialized, buffers at most {@code window} replies (the connection stops reading beyond that)
 * and hands over at most {@code window} requests not yet written.
 */
public final class OutboundChannel extends GraphStage<FlowShape<Message, Message>> {
  private final ClientChannels.Handle connection;
  private final Message first;
  private final Graph upstream;
  private final int window;
  private final Inlet<Message> in = Inlet.create("OutboundChannel.requests");
  private final Outlet<Message> out = Outlet.create("OutboundChannel.replies");
  private final FlowShape<Message, Message> shape = FlowShape.of(in, out);

  OutboundChannel(ClientChannels.Handle connection, Message first, Graph upstream, int window) {
    this.connection = connection;
    this.first = first;
    this.upstream = upstream;
    this.window = window;
  }

  @Override
  public FlowShape<Message, Message> shape() {
    return shape;
  }

  private sealed interface Event {}

  private record Reply(Message message) implements Event {}

  private record End(Throwable failure) implements Event {}

  private record Lost(CocaineException cause) implements Event {}

  private record Ack() implements Event {}

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new GraphStageLogic(shape) {
      private final AsyncCallback<Event> events = createAsyncCallback(this::onEvent);
      private final ArrayDeque<Message> replies = new ArrayDeque<>();
      private long id = -1;
      private boolean ended;
      private Throwable failure;
      private boolean lost;
      private int unacked;

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            Message request = grab(in);
            if (!lost) {
              connection.send(id, request);
              unacked++;
            }
            pullRequests();
          }

          @Override
          public void onUpstreamFinish() {
            // No more requests; the replies go on until the server ends its side.
          }

          @Override
          public void onUpstreamFailure(Throwable ex) {
            // The caller's request source broke; the server's side is still worth reading.
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            deliver();
          }
        });
      }

      @Override
      public void preStart() {
        ClientChannels.Peer peer = new ClientChannels.Peer() {
          @Override
          public void reply(Message message) {
            events.invoke(new Reply(message));
          }

          @Override
          public void end(Throwable failure) {
            events.invoke(new End(failure));
          }

          @Override
          public void lost(CocaineException cause) {
            events.invoke(new Lost(cause));
          }

          @Override
          public void ack() {
            events.invoke(new Ack());
          }
        };
        try {
          id = connection.register(first, List.of(), upstream, window, peer);
        } catch (CocaineException e) {
          failStage(e);
          return;
        }
        pullRequests();
      }

      @Override
      public void postStop() {
        if (id > 0) {
          connection.gone(id);
        }
      }

      private void onEvent(Event event) {
        if (event instanceof Reply r) {
          replies.add(r.message());
        } else if (event instanceof End e) {
          ended = true;
          failure = e.failure();
        } else if (event instanceof Lost l) {
          lost = true;
          if (!ended) {
            ended = true;
            failure = l.cause();
          }
          cancel(in);
        } else {
          unacked--;
          pullRequests();
        }
        deliver();
      }

      private void deliver() {
        if (isClosed(out)) {
          return;
        }
        if (isAvailable(out) && !replies.isEmpty()) {
          push(out, replies.poll());
          connection.credit(id);
        }
        if (replies.isEmpty() && ended) {
          if (failure != null) {
            fail(out, failure);
          } else {
            complete(out);
          }
        }
      }

      private void pullRequests() {
        if (!lost && !isClosed(in) && !hasBeenPulled(in) && unacked < window) {
          pull(in);
        }
      }
    };
  }
}
