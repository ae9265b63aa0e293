package cocaine.worker;

import static cocaine.worker.Worker.LOG;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Frame;
import java.lang.System.Logger.Level;
import java.util.Map;

/**
 * An invocation served on the reader thread by a {@link ChunkHandler}: each frame of its channel
 * is one call of the handler, with no thread and no buffer of its own.
 */
final class InlineCall {
  private final long channel;
  private final String event;
  private final ChunkHandler handler;
  private final Response response;
  private final Map<Long, Object> sessions;

  /** {@code sessions} holds this call under {@code channel} until its end, which removes it. */
  InlineCall(long channel, String event, ChunkHandler handler, Response response, Map<Long, Object> sessions) {
    this.channel = channel;
    this.event = event;
    this.handler = handler;
    this.response = response;
    this.sessions = sessions;
  }

  /** Reader thread: a write, error or close of this call's channel. */
  void frame(Frame frame) {
    try {
      switch (frame.type()) {
        case 0 -> handler.chunk(Request.toBytes(Request.chunkOf(frame)), response);
        case 1 -> {
          sessions.remove(channel);
          CocaineException cause = frame.message().toException();
          LOG.log(Level.DEBUG, "the runtime failed channel {0} of event ''{1}'': {2}", channel, event, cause.getMessage());
          if (!response.isClosed()) {
            response.error(ErrorCode.WORKER_UNCAUGHT, cause.getMessage());
          }
        }
        case 2 -> {
          sessions.remove(channel);
          handler.end(response);
          if (!response.isClosed()) {
            response.close();
          }
        }
        default -> LOG.log(Level.WARNING, "dropping {0}: message type {1} is not write/error/close", frame, frame.type());
      }
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      sessions.remove(channel);
      response.handlerFailed(event, t);
    }
  }
}
