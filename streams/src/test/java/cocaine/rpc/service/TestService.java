package cocaine.rpc.service;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Values;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/** A tiny service with one method per behaviour the connection layer must handle. */
final class TestService implements Service {
  static final int ECHO = 0;
  static final int STREAM = 1;
  static final int FLOOD = 2;
  static final int FAIL = 3;
  static final int CRASH = 4;
  static final int SILENT = 5;
  static final int RUDE = 6;
  static final int PUBLISH = 7;
  static final int HANG = 8;
  static final int NOTE = 9;

  static final int FLOOD_CHUNKS = 5000;
  static final int FLOOD_CHUNK_BYTES = 16 * 1024;

  /** How many chunks the flood method's source has produced (been pulled for). */
  final AtomicInteger floodPulled = new AtomicInteger();
  /** What publish channels saw on their rest: messages' types, then "end" or the failure. */
  final ConcurrentLinkedQueue<String> publishEvents = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<ChannelContext> contexts = new ConcurrentLinkedQueue<>();
  /** The first arg of every note (a call with no reply, like logging's emit) seen. */
  final ConcurrentLinkedQueue<String> notes = new ConcurrentLinkedQueue<>();

  private static final Graph DISCARD = Graph.builder().edge(0, "discard", Graph.TERMINAL).build();

  @Override
  public String name() {
    return "test";
  }

  @Override
  public int version() {
    return 1;
  }

  @Override
  public Protocol protocol() {
    return Protocol.builder()
        .method(ECHO, "echo", Graph.TERMINAL, Graph.PRIMITIVE)
        .method(STREAM, "stream", Graph.STREAMING, Graph.STREAMING)
        .method(FLOOD, "flood", Graph.TERMINAL, Graph.STREAMING)
        .method(FAIL, "fail", Graph.TERMINAL, Graph.PRIMITIVE)
        .method(CRASH, "crash", Graph.TERMINAL, Graph.PRIMITIVE)
        .method(SILENT, "silent", Graph.TERMINAL, Graph.PRIMITIVE)
        .method(RUDE, "rude", Graph.TERMINAL, Graph.PRIMITIVE)
        .method(PUBLISH, "publish", DISCARD, Graph.PRIMITIVE)
        .method(HANG, "hang", Graph.TERMINAL, Graph.PRIMITIVE)
        .method(NOTE, "note", Graph.TERMINAL, Graph.TERMINAL)
        .build();
  }

  @Override
  public Source<Message, NotUsed> open(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
    contexts.add(channel);
    switch (first.type()) {
      case ECHO:
        return Source.single(new Message(0, first.args(), List.of()));
      case STREAM:
        // Echoes each write; answers the client's close with its own close.
        return rest.filter(m -> m.type() == Graph.WRITE)
            .map(m -> Message.write(m.args().toArray(new org.msgpack.value.Value[0])))
            .concat(Source.single(Message.close()));
      case FLOOD:
        return Source.fromIterator(() -> new Iterator<Message>() {
          int sent;

          @Override
          public boolean hasNext() {
            return sent < FLOOD_CHUNKS;
          }

          @Override
          public Message next() {
            sent++;
            floodPulled.incrementAndGet();
            return Message.write(Values.bytes(new byte[FLOOD_CHUNK_BYTES]), Values.integer(sent));
          }
        }).concat(Source.single(Message.close()));
      case FAIL:
        return Source.failed(new CocaineException(ErrorCode.NOT_FOUND, "no such key"));
      case CRASH:
        return Source.failed(new IllegalStateException("boom"));
      case SILENT:
        return Source.empty();
      case RUDE:
        // close (2) is not in the primitive graph: it must never reach the client.
        return Source.from(List.of(Message.close(), Message.value(Values.str("ok"))));
      case PUBLISH:
        rest.runForeach(m -> publishEvents.add("type " + m.type()), TestSystem.get())
            .whenComplete((done, failure) -> publishEvents.add(failure == null ? "end" : failure.toString()));
        return Source.single(Message.value());
      case HANG:
        return Source.never();
      case NOTE:
        notes.add(Values.asString(first.args().get(0)));
        // a service may finish a no-reply call's upstream late (or never): it must not hold a slot
        return Source.never();
      default:
        throw new IllegalArgumentException("unreachable: the connection checks method ids");
    }
  }
}
