package cocaine.worker;

import static cocaine.worker.Worker.LOG;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import cocaine.wire.FrameDecoder;
import cocaine.wire.Message;
import cocaine.wire.Values;
import cocaine.wire.WireException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.msgpack.value.Value;

/**
 * The worker's reader thread: reads the socket, decodes frames and routes each to its session
 * (docs/protocol.md 3.3): channel 1 to the {@link Heartbeat}, an invoke on a new channel to a new
 * {@link InlineCall} or {@link Request}, a chunk, error or close to the session of its channel.
 */
final class Dispatcher implements Runnable {
  private final Worker.Settings settings;
  private final Pipe pipe;
  private final Events events;
  private final Map<Long, Object> sessions;
  private final Heartbeat heartbeat;
  private final HandlerThreads handlerThreads;
  private final CompletableFuture<Worker.Exit> exit;
  private long highestChannel = Heartbeat.CONTROL; // the handshake took channel 1
  /**
   * Invocations decoded from the current read, started once the whole read is dispatched. A
   * handler then usually finds its chunks and close already there and need not sleep and be woken
   * for each of them.
   */
  private final List<Runnable> starting = new ArrayList<>();
  /** Requests of an {@link InlineHttp} handler whose head chunk has not come yet, by channel. */
  private final Map<Long, AwaitingHead> awaitingHead = new HashMap<>();

  private record AwaitingHead(InlineHttp handler, Response response) {}

  /** {@code sessions} maps each open channel to its {@link Request} or {@link InlineCall}. */
  Dispatcher(Worker.Settings settings, Pipe pipe, Events events, Map<Long, Object> sessions, Heartbeat heartbeat,
             HandlerThreads handlerThreads, CompletableFuture<Worker.Exit> exit) {
    this.settings = settings;
    this.pipe = pipe;
    this.events = events;
    this.sessions = sessions;
    this.heartbeat = heartbeat;
    this.handlerThreads = handlerThreads;
    this.exit = exit;
  }

  /** Reads until the worker exits; ends it when the socket closes, breaks or carries undecodable data. */
  @Override
  public void run() {
    FrameDecoder decoder = new FrameDecoder(settings.maxFrameBytes());
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    try {
      while (!exit.isDone()) {
        buf.clear();
        int n = pipe.read(buf);
        if (n < 0) {
          finish("the runtime closed the socket");
          return;
        }
        decoder.feed(buf.array(), 0, n);
        pipe.cork();
        try {
          Frame frame;
          while ((frame = decoder.next()) != null) {
            dispatch(frame);
          }
          startHandlers();
        } finally {
          pipe.uncork();
        }
      }
    } catch (WireException e) {
      LOG.log(Level.ERROR, "closing the socket: the runtime sent undecodable data: {0}", e.getMessage());
      finish("undecodable data from the runtime: " + e.getMessage());
    } catch (ClosedChannelException e) {
      finish("the socket was closed");
    } catch (IOException e) {
      finish("socket error: " + e.getMessage());
    } catch (InterruptedException e) {
      finish("interrupted");
    } catch (CocaineException e) {
      finish(e.getMessage());
    }
  }

  private void finish(String why) {
    exit.complete(new Worker.Exit(Worker.Exit.Reason.DISCONNECTED, 0, why));
  }

  private void dispatch(Frame frame) throws InterruptedException {
    long ch = frame.channel();
    if (ch == Heartbeat.CONTROL) {
      heartbeat.control(frame);
    } else if (ch > highestChannel) {
      highestChannel = ch;
      invoke(frame);
    } else {
      Object session = sessions.get(ch);
      if (session == null) {
        LOG.log(Level.DEBUG, "dropping {0}: channel {1} is not open", frame, ch);
        return;
      }
      if (session instanceof InlineCall call) {
        // a handler waiting for the runtime to read its reply holds the reader: not a silent runtime
        heartbeat.readerStalled(true);
        try {
          call.frame(frame);
        } finally {
          heartbeat.readerStalled(false);
        }
        return;
      }
      deliver((Request) session, frame);
    }
  }

  private void invoke(Frame frame) {
    long ch = frame.channel();
    if (frame.type() != 0 || frame.args().isEmpty() || !frame.args().get(0).isRawValue()) {
      LOG.log(Level.WARNING, "refusing {0}: a new channel must start with invoke [event]", frame);
      pipe.sendQuietly(ch, Message.error(ErrorCode.WORKER_INVALID_MESSAGE_TYPE,
          "a new channel must start with invoke [event] (type 0), got type " + frame.type() + " " + frame.args()));
      return;
    }
    String event = Values.asString(frame.args().get(0));
    ChunkHandler chunkHandler = events.chunkHandler(event);
    if (chunkHandler != null) {
      sessions.put(ch, new InlineCall(ch, event, chunkHandler, new Response(pipe, ch), sessions));
      return;
    }
    Handler handler = events.handler(event);
    if (handler == null) {
      LOG.log(Level.WARNING, "no handler for event ''{0}'' (channel {1}); handlers: {2}", event, ch, events.names());
      pipe.sendQuietly(ch, Message.error(ErrorCode.WORKER_NO_HANDLER, "there is no handler for event '" + event + "'"));
      return;
    }
    Request request = new Request(ch, event, frame.headers(), settings.requestBuffer(), settings.maxBodyBytes());
    Response response = new Response(pipe, ch);
    sessions.put(ch, request);
    if (handler instanceof InlineHttp inline) {
      awaitingHead.put(ch, new AwaitingHead(inline, response));
      return;
    }
    starting.add(() -> handlerThreads.start(handler, request, response));
  }

  /** A write, error or close for the request of a blocking handler. */
  private void deliver(Request request, Frame frame) throws InterruptedException {
    long ch = frame.channel();
    AwaitingHead inline = awaitingHead.remove(ch);
    if (inline != null) {
      head(inline, request, frame);
      return;
    }
    switch (frame.type()) {
      case 0 -> {
        Value chunk = Request.chunkOf(frame);
        if (!request.offer(chunk)) {
          startHandlers(); // its handler may be among them: it must run to make room
          pipe.uncork(); // replies queued so far must not wait for this chunk's room
          heartbeat.readerStalled(true);
          try {
            request.push(chunk);
          } finally {
            heartbeat.readerStalled(false);
            pipe.cork();
          }
        }
      }
      case 1 -> {
        sessions.remove(ch);
        request.fail(frame.message().toException());
      }
      case 2 -> {
        sessions.remove(ch);
        request.end();
      }
      default -> LOG.log(Level.WARNING, "dropping {0}: message type {1} is not write/error/close", frame, frame.type());
    }
  }

  /** The first frame of an {@link InlineHttp} request: its head chunk, or its end before one. */
  private void head(AwaitingHead inline, Request request, Frame frame) {
    long ch = frame.channel();
    switch (frame.type()) {
      case 0 -> {
        // a handler waiting for the runtime to read its reply holds the reader: not a silent runtime
        heartbeat.readerStalled(true);
        try {
          inline.handler().head(Request.chunkOf(frame), request, inline.response(), handlerThreads);
        } finally {
          heartbeat.readerStalled(false);
        }
      }
      case 1 -> {
        sessions.remove(ch);
        request.fail(frame.message().toException());
        inline.handler().noHead(request, inline.response(), handlerThreads);
      }
      case 2 -> {
        sessions.remove(ch);
        request.end();
        inline.handler().noHead(request, inline.response(), handlerThreads);
      }
      default -> {
        awaitingHead.put(ch, inline);
        LOG.log(Level.WARNING, "dropping {0}: message type {1} is not write/error/close", frame, frame.type());
      }
    }
  }

  private void startHandlers() {
    for (Runnable r : starting) {
      r.run();
    }
    starting.clear();
  }
}
