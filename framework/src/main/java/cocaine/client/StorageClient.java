package cocaine.client;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Graph;
import cocaine.wire.Header;
import cocaine.wire.Message;
import cocaine.wire.Values;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.msgpack.value.Value;

/**
 * Blocking client of the {@code storage} service: blobs by collection and key, with tags for
 * {@code find} (docs/protocol.md 2.6). A missing key fails with {@code [12, 2]}.
 */
public final class StorageClient implements AutoCloseable {
  private final ServiceClient service;
  private final Duration timeout;
  private final List<Header> headers;

  public StorageClient(ServiceClient service, Duration timeout) {
    this(service, timeout, List.of());
  }

  /**
   * @param headers sent with every call, e.g. the {@code authorization} of a runtime with an access token
   *                (docs/protocol.md 2.6 says which calls need it)
   */
  public StorageClient(ServiceClient service, Duration timeout, List<Header> headers) {
    this.service = service;
    this.timeout = timeout;
    this.headers = List.copyOf(headers);
  }

  /** Resolves {@code storage} at the locator and connects to it. */
  public static StorageClient connect(String locatorHost, int locatorPort) throws IOException {
    return new StorageClient(ServiceClient.connect(locatorHost, locatorPort, "storage"), Locator.DEFAULT_TIMEOUT);
  }

  public byte[] read(String collection, String key) {
    List<Value> args = Connection.await(service.callWith("read", headers, collection, key), timeout, what("read", collection, key));
    if (args.isEmpty()) {
      throw new CocaineException(ErrorCode.FRAME_FORMAT, what("read", collection, key) + " returned no blob");
    }
    return Values.asBytes(args.get(0));
  }

  public void write(String collection, String key, byte[] blob, List<String> tags) {
    Connection.await(service.callWith("write", headers, collection, key, blob, tags), timeout, what("write", collection, key));
  }

  /** Removing a missing key succeeds. */
  public void remove(String collection, String key) {
    Connection.await(service.callWith("remove", headers, collection, key), timeout, what("remove", collection, key));
  }

  /** Keys of the collection that carry all of the tags. */
  public List<String> find(String collection, List<String> tags) {
    List<Value> args = Connection.await(service.callWith("find", headers, collection, tags), timeout,
        "storage find('" + collection + "', " + tags + ")");
    return args.isEmpty() ? List.of() : Values.asStrings(args.get(0));
  }

  /**
   * Follows {@code collection} (method {@code watch}, docs/protocol.md 2.6): the key of each create,
   * change or removal from now on, pushed by the storage (ZooKeeper's watches in a cluster). Open it
   * before reading what it guards, so a change in between is read twice rather than missed.
   */
  public Watch watch(String collection) {
    return new Watch(collection, service.stream("watch", headers, collection));
  }

  /** One open {@link #watch}; close it to stop. */
  public static final class Watch implements AutoCloseable {
    /** The one message a watcher may send: stop ({@code {0: ["discard", {}]}}). */
    private static final int DISCARD = 0;
    private final String collection;
    private final ClientChannel channel;

    private Watch(String collection, ClientChannel channel) {
      this.collection = collection;
      this.channel = channel;
    }

    /**
     * The next key changed, or empty when none within {@code timeout}.
     *
     * @throws CocaineException the watch ended: the storage's error (a watcher too slow is failed
     *     with {@code [12, 105]}), its close, or {@code [7, 3]} when the connection is gone; open
     *     another and read again
     */
    public Optional<String> next(Duration timeout) {
      Message m = channel.receive(timeout);
      if (m == null) {
        return Optional.empty();
      }
      return switch (m.type()) {
        case Graph.WRITE -> Optional.of(Values.asString(m.args().get(0)));
        case Graph.ERROR -> throw m.toException();
        default -> throw new CocaineException(ErrorCode.NOT_CONNECTED, "storage watch('" + collection
            + "'): the storage ended it");
      };
    }

    /** Sends the watch's {@code discard}, so the storage stops following, and drops what still comes. */
    @Override
    public void close() {
      try {
        channel.send(Message.of(DISCARD));
      } catch (RuntimeException e) {
        // the connection is gone or the storage ended the watch: there is nothing left to stop
      }
      channel.cancel();
    }
  }

  public ServiceClient service() {
    return service;
  }

  private static String what(String op, String collection, String key) {
    return "storage " + op + "('" + collection + "', '" + key + "')";
  }

  @Override
  public void close() {
    service.close();
  }
}
