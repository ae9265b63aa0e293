package cocaine.worker;

import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.msgpack.value.Value;

/**
 * The reply to an {@link HttpRequest}: a head chunk {@code [code, [[name, value]...]]} (sent before
 * the first body chunk, or at close), raw body chunks, close. Empty body chunks are not sent,
 * because proxies in HTTP 1.1 mode end the response at an empty chunk.
 */
public final class HttpResponse {
  private final Response response;
  private final List<Map.Entry<String, String>> headers = new ArrayList<>();
  private int status = 200;
  private boolean headSent;

  /** Wraps a raw response, for handlers that detect HTTP themselves (see {@link HttpRequest#decode}). */
  public HttpResponse(Response response) {
    this.response = response;
  }

  /** Sets the status code of the head (default 200); only before the head is sent. */
  public synchronized HttpResponse status(int code) {
    requireNoHead();
    this.status = code;
    return this;
  }

  /** Adds a header to the head; only before the head is sent. */
  public synchronized HttpResponse header(String name, String value) {
    requireNoHead();
    headers.add(Map.entry(name, value));
    return this;
  }

  /** Sends the head now with these headers (besides any added before). */
  public synchronized void writeHead(int code, List<Map.Entry<String, String>> extra) {
    requireNoHead();
    status = code;
    headers.addAll(extra);
    sendHead();
  }

  public synchronized void write(byte[] body) {
    if (!headSent) {
      sendHead();
    }
    if (body.length > 0) {
      response.write(body);
    }
  }

  public void write(String text) {
    write(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Ends the response, sending the head first if nothing was written. */
  public synchronized void close() {
    if (!headSent && !response.isClosed()) {
      sendHead();
    }
    response.close();
  }

  public synchronized boolean headSent() {
    return headSent;
  }

  /** The underlying response stream, e.g. to end it with a Cocaine error instead. */
  public Response response() {
    return response;
  }

  synchronized void finish() {
    if (!response.isClosed()) {
      close();
    }
  }

  private void sendHead() {
    List<Value> pairs = new ArrayList<>(headers.size());
    for (Map.Entry<String, String> h : headers) {
      pairs.add(Values.array(Values.str(h.getKey()), Values.str(h.getValue())));
    }
    byte[] head = FrameEncoder.encodeValue(Values.array(Values.integer(status), Values.array(pairs)));
    headSent = true;
    response.write(head);
  }

  private void requireNoHead() {
    if (headSent) {
      throw new IllegalStateException("the HTTP head of channel " + response.channel() + " was already sent");
    }
  }
}
