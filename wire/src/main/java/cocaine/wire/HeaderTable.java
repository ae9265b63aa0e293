package cocaine.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.msgpack.value.ArrayValue;
import org.msgpack.value.Value;

/**
 * The receiving side's header table of one connection direction: the static part shared by all
 * peers plus a dynamic part that lives as long as the connection (docs/protocol.md 1.5). Our encoder
 * never stores entries, so only decoding needs a table.
 */
public final class HeaderTable {
  /** Index of the newest dynamic entry; the static table holds 1-82 and the reserved 0. */
  static final int FIRST_DYNAMIC = 83;
  static final int CAPACITY = 4096;
  private static final int ENTRY_OVERHEAD = 32;
  private static final Header[] STATIC = staticTable();

  private final ArrayDeque<Header> dynamic = new ArrayDeque<>();
  private int size;

  /** Decodes one frame's header list, applying insertions entry by entry as they come. */
  public List<Header> decode(ArrayValue entries) {
    List<Header> out = new ArrayList<>(entries.size());
    for (Value entry : entries) {
      out.add(decodeEntry(entry));
    }
    return out;
  }

  private Header decodeEntry(Value entry) {
    if (entry.isIntegerValue()) {
      return lookup(index(entry));
    }
    if (!entry.isArrayValue() || entry.asArrayValue().size() != 3) {
      throw new WireException(ErrorCode.HPACK, "header entry must be an index or [store, name, value], got " + entry);
    }
    ArrayValue parts = entry.asArrayValue();
    Value store = parts.get(0);
    Value name = parts.get(1);
    Value value = parts.get(2);
    if (!store.isBooleanValue() || !value.isRawValue()) {
      throw new WireException(ErrorCode.HPACK, "header entry must be [bool, name, raw], got " + entry);
    }
    String headerName;
    if (name.isIntegerValue()) {
      headerName = lookup(index(name)).name();
    } else if (name.isRawValue()) {
      headerName = new String(name.asRawValue().asByteArray(), StandardCharsets.UTF_8);
    } else {
      throw new WireException(ErrorCode.HPACK, "header name must be an index or raw, got " + name);
    }
    Header header = new Header(headerName, value.asRawValue().asByteArray());
    if (store.asBooleanValue().getBoolean()) {
      insert(header);
    }
    return header;
  }

  private static int index(Value v) {
    if (!v.asIntegerValue().isInIntRange()) {
      throw new WireException(ErrorCode.HPACK, "header index out of range: " + v);
    }
    return v.asIntegerValue().toInt();
  }

  private Header lookup(int index) {
    if (index >= 1 && index < FIRST_DYNAMIC) {
      return STATIC[index];
    }
    int position = index - FIRST_DYNAMIC;
    if (position < 0 || position >= dynamic.size()) {
      throw new WireException(ErrorCode.HPACK, "header index " + index + " is not in the table (size "
          + (FIRST_DYNAMIC + dynamic.size()) + ")");
    }
    Iterator<Header> it = dynamic.iterator();
    for (int i = 0; i < position; i++) {
      it.next();
    }
    return it.next();
  }

  private void insert(Header header) {
    int entrySize = entrySize(header);
    if (entrySize > CAPACITY) {
      dynamic.clear();
      size = 0;
      return;
    }
    while (size + entrySize > CAPACITY) {
      size -= entrySize(dynamic.removeLast());
    }
    dynamic.addFirst(header);
    size += entrySize;
  }

  private static int entrySize(Header h) {
    return h.name().getBytes(StandardCharsets.UTF_8).length + h.value().length + ENTRY_OVERHEAD;
  }

  /** Number of dynamic entries, for tests. */
  int dynamicCount() {
    return dynamic.size();
  }

  private static Header[] staticTable() {
    String[][] http2 = {
        {":authority", ""}, {":method", "GET"}, {":method", "POST"}, {":path", "/"}, {":path", "/index.html"},
        {":scheme", "http"}, {":scheme", "https"}, {":status", "200"}, {":status", "204"}, {":status", "206"},
        {":status", "304"}, {":status", "400"}, {":status", "404"}, {":status", "500"}, {"accept-charset", ""},
        {"accept-encoding", "gzip, deflate"}, {"accept-language", ""}, {"accept-ranges", ""}, {"accept", ""},
        {"access-control-allow-origin", ""}, {"age", ""}, {"allow", ""}, {"authorization", ""},
        {"cache-control", ""}, {"content-disposition", ""}, {"content-encoding", ""}, {"content-language", ""},
        {"content-length", ""}, {"content-location", ""}, {"content-range", ""}, {"content-type", ""},
        {"cookie", ""}, {"date", ""}, {"etag", ""}, {"expect", ""}, {"expires", ""}, {"from", ""}, {"host", ""},
        {"if-match", ""}, {"if-modified-since", ""}, {"if-none-match", ""}, {"if-range", ""},
        {"if-unmodified-since", ""}, {"last-modified", ""}, {"link", ""}, {"location", ""}, {"max-forwards", ""},
        {"proxy-authenticate", ""}, {"proxy-authorization", ""}, {"range", ""}, {"referer", ""}, {"refresh", ""},
        {"retry-after", ""}, {"server", ""}, {"set-cookie", ""}, {"strict-transport-security", ""},
        {"transfer-encoding", ""}, {"user-agent", ""}, {"vary", ""}, {"via", ""}, {"www-authenticate", ""}};
    Header[] table = new Header[FIRST_DYNAMIC];
    for (int i = 0; i < http2.length; i++) {
      table[i + 1] = Header.of(http2[i][0], http2[i][1]);
    }
    for (int i = 62; i <= 79; i++) {
      table[i] = new Header("", new byte[0]);
    }
    table[80] = new Header(Header.TRACE_ID, new byte[8]);
    table[81] = new Header(Header.SPAN_ID, new byte[8]);
    table[82] = new Header(Header.PARENT_ID, new byte[8]);
    return table;
  }
}
