package cocaine.storage;

import static cocaine.wire.Signature.Type.STR;
import static cocaine.wire.Signature.Type.STRS;
import static cocaine.wire.Signature.optional;
import static cocaine.wire.Signature.required;

import cocaine.rpc.service.ChannelContext;
import cocaine.rpc.service.MethodService;
import cocaine.security.AccessToken;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Protocol;
import cocaine.wire.Signature;
import cocaine.wire.Values;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.msgpack.value.Value;

/**
 * The {@code storage} service (version 1, docs/protocol.md 2.6): read, write, remove and find over a
 * {@link Storage} backend. It holds no state of its own, so it is not an actor: each channel is one
 * asynchronous backend call, and the backend bounds and serialises its own IO. With access control
 * on, writes need the token outside the open collections, and reads of the platform's and the
 * private collections need it too ({@link AccessToken}).
 */
public final class StorageService extends MethodService {
  public static final String NAME = "storage";
  public static final int VERSION = 1;
  public static final int READ = 0;
  public static final int WRITE = 1;
  public static final int REMOVE = 2;
  public static final int FIND = 3;
  /** Streams {@code write [key]} for each key of the collection created, changed or removed from now on. */
  public static final int WATCH = 4;
  /** Changes a watcher may leave untaken before its watch fails with [12, 105] (it then lists and reads again). */
  static final int WATCH_BUFFER = 256;
  private static final Graph DISCARD = Graph.builder().edge(0, "discard", Graph.TERMINAL).build();
  public static final Protocol PROTOCOL = Protocol.builder()
      .method(READ, "read", Signature.of(required("collection", STR), required("key", STR)), Graph.TERMINAL, Graph.PRIMITIVE)
      .method(WRITE, "write", Signature.of(required("collection", STR), required("key", STR), required("blob", STR, "raw"),
          optional("tags", STRS)), Graph.TERMINAL, Graph.PRIMITIVE)
      .method(REMOVE, "remove", Signature.of(required("collection", STR), required("key", STR)), Graph.TERMINAL, Graph.PRIMITIVE)
      .method(FIND, "find", Signature.of(required("collection", STR), required("tags", STRS)), Graph.TERMINAL, Graph.PRIMITIVE)
      .method(WATCH, "watch", Signature.of(required("collection", STR)), DISCARD, Graph.STREAMING)
      .build();

  private final Storage storage;
  private final AccessToken access;
  private final KeyWatch watch;

  public StorageService(Storage storage) {
    this(storage, AccessToken.NONE);
  }

  /** @param access the token writes and removes need, except in its open collections, and reads of its private ones */
  public StorageService(Storage storage, AccessToken access) {
    this(storage, access, null);
  }

  /**
   * @param access the token writes and removes need, except in its open collections, and reads of its private ones
   * @param watch  what {@code watch} follows; null: {@code watch} is refused
   */
  public StorageService(Storage storage, AccessToken access, KeyWatch watch) {
    super(NAME, VERSION, PROTOCOL);
    this.storage = storage;
    this.access = access;
    this.watch = watch;
  }

  @Override
  protected Source<Message, NotUsed> call(ChannelContext channel, Message first, Source<Message, NotUsed> rest) {
    if (first.type() == WATCH) {
      return watched(str(first.args(), 0), first.headers(), rest);
    }
    return reply(channel, backend(first));
  }

  private CompletionStage<Message> backend(Message first) {
    List<Value> args = first.args();
    List<Header> headers = first.headers();
    switch (first.type()) {
      case READ:
        authorizeRead(headers, "read('" + str(args, 0) + "', '" + str(args, 1) + "')", str(args, 0));
        return storage.read(str(args, 0), str(args, 1)).thenApply(blob -> Message.value(Values.bytes(blob)));
      case WRITE:
        authorize(headers, "write", str(args, 0), str(args, 1));
        List<String> tags = args.size() == 4 ? Values.asStrings(args.get(3)) : List.of();
        return storage.write(str(args, 0), str(args, 1), Values.asBytes(args.get(2)), tags).thenApply(v -> Message.value());
      case REMOVE:
        authorize(headers, "remove", str(args, 0), str(args, 1));
        return storage.remove(str(args, 0), str(args, 1)).thenApply(v -> Message.value());
      case FIND:
        authorizeRead(headers, "find('" + str(args, 0) + "', " + Values.asStrings(args.get(1)) + ")", str(args, 0));
        return storage.find(str(args, 0), Values.asStrings(args.get(1)))
            .thenApply(keys -> Message.value(Values.strings(keys)));
      default:
        throw noMethod(first);
    }
  }

  /**
   * The keys of collection that change, until the client's discard or disconnect. A client that
   * leaves {@link #WATCH_BUFFER} changes untaken is failed rather than buffered without bound.
   */
  private Source<Message, NotUsed> watched(String collection, List<Header> headers, Source<Message, NotUsed> rest) {
    authorizeRead(headers, "watch('" + collection + "')", collection);
    if (watch == null) {
      throw new CocaineException(ErrorCode.SLOT_NOT_FOUND, "this storage service cannot watch collections");
    }
    return Source.<Message>queue(WATCH_BUFFER, OverflowStrategy.fail())
        .mapMaterializedValue(queue -> {
          AutoCloseable handle = watch.watch(collection, key -> queue.offer(Message.write(Values.str(key))));
          queue.watchCompletion().whenComplete((done, failure) -> {
            try {
              handle.close();
            } catch (Exception e) {
              log.debug("storage: closing the watch of '{}' failed: {}", collection, e.toString());
            }
          });
          return NotUsed.getInstance();
        })
        .merge(rest.filter(m -> false), true)
        .concat(Source.single(Message.close()));
  }

  private void authorize(List<Header> headers, String method, String collection, String key) {
    if (!access.isOpen(collection)) {
      access.check(headers, "storage." + method + "('" + collection + "', '" + key + "')");
    }
  }

  /** @param call the call for the message, e.g. {@code read('manifests', 'echo')} */
  private void authorizeRead(List<Header> headers, String call, String collection) {
    if (access.isPrivate(collection)) {
      access.check(headers, "storage." + call + " reads a private collection and");
    }
  }

  private static String str(List<Value> args, int i) {
    return Values.asString(args.get(i));
  }
}
