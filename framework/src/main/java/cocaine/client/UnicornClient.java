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
import org.msgpack.value.Value;

/**
 * Blocking client of the {@code unicorn} service (docs/protocol.md 2.6): msgpack values in a
 * ZooKeeper tree with versions, subscriptions and locks. Each call opens a channel and closes it
 * once answered, as the service expects; a subscription or a held lock keeps its channel until
 * closed. Errors are thrown as {@link CocaineException}: {@code [11, 8]} no node, {@code [11, 9]}
 * node exists, {@code [11, 7]} a version that is not allowed, and so on.
 */
public final class UnicornClient implements AutoCloseable {
  /** A value and its version; version -1 means there is no node. */
  public record Versioned(Value value, long version) {}

  /** What {@code put} did: {@code written} false means the version did not match and {@code now} is what is stored. */
  public record Put(boolean written, Versioned now) {}

  /** A node's children and its child version. */
  public record Children(long version, List<String> names) {}

  /** The only message a caller sends after its call ({@code {0: close}}): ends a subscription, releases a lock. */
  private static final Message CLOSE = Message.of(0);

  private final ServiceClient service;
  private final Duration timeout;
  private final List<Header> headers;

  /** @param headers sent with every call, e.g. the {@code authorization} that writes need on a runtime with a token */
  public UnicornClient(ServiceClient service, Duration timeout, List<Header> headers) {
    this.service = service;
    this.timeout = timeout;
    this.headers = List.copyOf(headers);
  }

  /** Resolves {@code unicorn} at the locator and connects to it. */
  public static UnicornClient connect(String locatorHost, int locatorPort) throws IOException {
    return new UnicornClient(ServiceClient.connect(locatorHost, locatorPort, "unicorn"), Locator.DEFAULT_TIMEOUT, List.of());
  }

  /** The value at path, or a null value with version -1 when there is no node. */
  public Versioned get(String path) {
    return versioned(call("get", path).get(0));
  }

  /** Writes when the node's version is {@code version}; else answers what is stored (written = false). */
  public Put put(String path, Object value, long version) {
    List<Value> args = call("put", path, value, version);
    return new Put(args.get(0).asBooleanValue().getBoolean(), versioned(args.get(1)));
  }

  /** Creates the node (and missing parents); {@code [11, 9]} when it exists. */
  public boolean create(String path, Object value) {
    return call("create", path, value).get(0).asBooleanValue().getBoolean();
  }

  /** Removes a node without children if its version is {@code version} (-1: any). */
  public boolean remove(String path, long version) {
    return call("remove", path, version).get(0).asBooleanValue().getBoolean();
  }

  /** Adds {@code delta} (an integer or a float) to the number stored, creating it when missing. */
  public Versioned increment(String path, Number delta) {
    return versioned(call("increment", path, delta).get(0));
  }

  /** Follows a node's value: the first update is its value now ({@code [null, -1]} if missing). */
  public Subscription subscribe(String path) {
    return new Subscription(service.stream("subscribe", headers, path));
  }

  /** Follows a node's children: the first update is its children now. */
  public Subscription subscribeChildren(String path) {
    return new Subscription(service.stream("children_subscribe", headers, path));
  }

  /** Waits up to {@code wait} for the lock at path; it is held until the returned handle is closed. */
  public Held lock(String path, Duration wait) {
    return take(service.stream("lock", headers, path), path, wait);
  }

  /** {@link #lock} whose znode holds {@code name}, so others can see who holds it. */
  public Held namedLock(String path, Object name, Duration wait) {
    return take(service.stream("named_lock", headers, path, name), path, wait);
  }

  private Held take(ClientChannel channel, String path, Duration wait) {
    try {
      reply(channel, wait, "unicorn lock('" + path + "')");
    } catch (RuntimeException e) {
      channel.send(CLOSE);
      throw e;
    }
    return new Held(channel);
  }

  private List<Value> call(String method, Object... args) {
    ClientChannel channel = service.stream(method, headers, args);
    try {
      return reply(channel, timeout, "unicorn " + method + "('" + args[0] + "')");
    } finally {
      channel.send(CLOSE);
    }
  }

  private static List<Value> reply(ClientChannel channel, Duration wait, String what) {
    Message m = channel.receive(wait);
    if (m == null) {
      throw new CocaineException(ErrorCode.TIMEOUT, what + " got no reply within " + wait.toMillis() + " ms");
    }
    if (m.type() == Graph.ERROR) {
      throw m.toException();
    }
    if (m.args().isEmpty()) {
      throw new CocaineException(ErrorCode.FRAME_FORMAT, what + " returned no value");
    }
    return m.args();
  }

  private static Versioned versioned(Value v) {
    List<Value> pair = v.asArrayValue().list();
    return new Versioned(pair.get(0), pair.get(1).asIntegerValue().toLong());
  }

  public ServiceClient service() {
    return service;
  }

  @Override
  public void close() {
    service.close();
  }

  /** A held lock: closing it releases the lock. */
  public static final class Held implements AutoCloseable {
    private final ClientChannel channel;

    Held(ClientChannel channel) {
      this.channel = channel;
    }

    @Override
    public void close() {
      channel.send(CLOSE);
    }
  }

  /** The updates of {@code subscribe} or {@code children_subscribe}; closing it ends them. */
  public static final class Subscription implements AutoCloseable {
    private final ClientChannel channel;

    Subscription(ClientChannel channel) {
      this.channel = channel;
    }

    /** The next update's args, or null if none came within {@code wait}; an error is thrown. */
    public List<Value> next(Duration wait) {
      Message m = channel.receive(wait);
      if (m == null) {
        return null;
      }
      if (m.type() == Graph.ERROR) {
        throw m.toException();
      }
      if (m.type() != Graph.WRITE) {
        throw new CocaineException(ErrorCode.CLOSED_UPSTREAM, "the subscription on channel " + channel.id() + " ended");
      }
      return m.args();
    }

    /** The next {@code subscribe} update, or null within {@code wait}. */
    public Versioned nextValue(Duration wait) {
      List<Value> args = next(wait);
      return args == null ? null : versioned(args.get(0));
    }

    /** The next {@code children_subscribe} update, or null within {@code wait}. */
    public Children nextChildren(Duration wait) {
      List<Value> args = next(wait);
      return args == null ? null : new Children(args.get(0).asIntegerValue().toLong(), Values.asStrings(args.get(1)));
    }

    @Override
    public void close() {
      channel.send(CLOSE);
    }
  }
}
