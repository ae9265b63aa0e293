package cocaine.rpc.service;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Service} whose every channel is one call: its name, version and protocol fixed when it
 * is made, each channel handed by its method id to {@link #call}, and a call refused with a
 * {@link CocaineException} answered with its [category, code] and logged once, as
 * {@code <name>: refused a call from <peer>: <message>}.
 */
public abstract class MethodService implements Service {
  /** The concrete service's logger, so that its lines keep its name. */
  protected final Logger log = LoggerFactory.getLogger(getClass());
  private final String name;
  private final int version;
  private final Protocol protocol;

  protected MethodService(String name, int version, Protocol protocol) {
    this.name = name;
    this.version = version;
    this.protocol = protocol;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final int version() {
    return version;
  }

  @Override
  public final Protocol protocol() {
    return protocol;
  }

  @Override
  public final Source<Message, NotUsed> open(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
    try {
      return call(channel, first, rest);
    } catch (CocaineException e) {
      return refuse(channel, first, e);
    }
  }

  /**
   * Serves one call, as {@link Service#open}; throws a {@link CocaineException} to refuse it
   * ({@link #noMethod} for a method id it does not serve).
   */
  protected abstract Source<Message, NotUsed> call(ChannelContext channel, Message first, Source<Message, NotUsed> rest);

  /**
   * Logs a refused call once and answers it with its error; a service whose refusals read
   * otherwise, or a method with no upstream at all, overrides it.
   */
  protected Source<Message, NotUsed> refuse(ChannelContext channel, Message first, CocaineException refusal) {
    log.warn("{}: refused a call from {}: {}", name, channel.peer(), refusal.getMessage());
    return Source.single(Message.error(refusal));
  }

  /** The refusal of a method id this service does not serve: [category, code] slot not found. */
  protected final CocaineException noMethod(Message first) {
    return new CocaineException(ErrorCode.SLOT_NOT_FOUND, name + " has no method " + first.type());
  }

  /** The answer of a call once {@code answer} completes; a failure is answered as {@link #failed} says. */
  protected final Source<Message, NotUsed> reply(ChannelContext channel, CompletionStage<Message> answer) {
    return Source.completionStage(answer.exceptionally(e -> failed(channel, cause(e))));
  }

  /**
   * The answer of a call to an actor that may not answer within {@code askTimeout}: any failure is
   * answered [category, code] timeout, naming this service and the time it had.
   */
  protected final Source<Message, NotUsed> replyWithin(Duration askTimeout, CompletionStage<Message> answer) {
    return Source.completionStage(answer.exceptionally(e -> Message.error(ErrorCode.TIMEOUT,
        name + " did not answer within " + askTimeout.toMillis() + " ms: " + e)));
  }

  /**
   * What a call whose answer failed is answered: a {@link CocaineException} as itself; anything
   * else, which no caller could act on, as an uncaught error, logged with its stack.
   */
  protected Message failed(ChannelContext channel, Throwable cause) {
    if (cause instanceof CocaineException ce) {
      return Message.error(ce);
    }
    log.error("{}: unexpected failure serving {}", name, channel.peer(), cause);
    return Message.error(ErrorCode.UNCAUGHT, name + " failed: " + cause);
  }

  /** The failure itself, out of the {@link CompletionException} a completion stage wraps it in. */
  protected static Throwable cause(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }
}
