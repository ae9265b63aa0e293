package cocaine.it;

import static cocaine.it.RawClient.str;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.client.Locator;
import cocaine.client.StorageClient;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.value.ArrayValue;

/**
 * Issue 2's "done when": a Java client and a raw-bytes client against {@code bin/cocaine-runtime
 * --role all} in its own process resolve storage, write/read/find/remove, and get the right errors
 * for bad input while the runtime keeps serving.
 */
class FoundationIT {
  @TempDir
  static Path dir;
  static RuntimeProcess runtime;

  @BeforeAll
  static void start() throws Exception {
    runtime = RuntimeProcess.start(dir, "all", "cocaine.network.max-frame-bytes = 1048576");
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void javaClientStoresReadsFindsAndRemoves() throws Exception {
    try (StorageClient storage = StorageClient.connect("127.0.0.1", runtime.locatorPort())) {
      byte[] blob = "hello storage".getBytes(StandardCharsets.UTF_8);
      storage.write("it-java", "k1", blob, List.of("t1", "t2"));
      storage.write("it-java", "k2", blob, List.of("t1"));
      assertArrayEquals(blob, storage.read("it-java", "k1"));
      assertEquals(List.of("k1"), storage.find("it-java", List.of("t1", "t2")));
      assertEquals(List.of("k1", "k2"), storage.find("it-java", List.of("t1")).stream().sorted().toList());
      storage.remove("it-java", "k1");
      CocaineException missing = assertThrows(CocaineException.class, () -> storage.read("it-java", "k1"));
      assertEquals(ErrorCode.NOT_FOUND, missing.code());
      assertEquals(List.of("k2"), storage.find("it-java", List.of("t1")));
    }
  }

  @Test
  void javaClientGetsServiceNotAvailableForUnknownName() throws Exception {
    try (Locator locator = Locator.connect("127.0.0.1", runtime.locatorPort())) {
      CocaineException e = assertThrows(CocaineException.class, () -> locator.resolve("no-such-service"));
      assertEquals(ErrorCode.SERVICE_NOT_AVAILABLE, e.code());
    }
  }

  @Test
  void rawBytesResolveAndStorageRoundTrip() throws Exception {
    int storagePort = resolvePort("storage");
    try (RawClient c = new RawClient(storagePort)) {
      byte[] blob = {1, 2, 3, (byte) 0xff};
      c.send(1, 1, "it-raw", "k1", blob, List.of("a", "b"));
      assertEquals("[1,0,[]]", strip(c.receive()));
      c.send(2, 0, "it-raw", "k1");
      ArrayValue read = c.receive();
      assertEquals(2, read.get(0).asIntegerValue().toInt());
      assertEquals(0, read.get(1).asIntegerValue().toInt());
      assertArrayEquals(blob, read.get(2).asArrayValue().get(0).asRawValue().asByteArray());
      c.send(3, 3, "it-raw", List.of("a", "b"));
      ArrayValue found = c.receive();
      assertEquals("k1", str(found.get(2).asArrayValue().get(0).asArrayValue().get(0)));
      c.send(4, 2, "it-raw", "k1");
      assertEquals("[4,0,[]]", strip(c.receive()));
      c.send(5, 0, "it-raw", "k1");
      assertError(c.receive(), 5, ErrorCode.NOT_FOUND);
    }
  }

  @Test
  void rawBytesResolveReplyHasTheSpecShape() throws Exception {
    try (RawClient c = new RawClient(runtime.locatorPort())) {
      // [1, 0, ["storage"], []] as the Python client sends it.
      c.send(new byte[] {(byte) 0x94, 0x01, 0x00, (byte) 0x91, (byte) 0xa7, 's', 't', 'o', 'r', 'a', 'g', 'e', (byte) 0x90});
      ArrayValue reply = c.receive();
      assertEquals(4, reply.size(), "our frames always carry 4 elements");
      ArrayValue value = reply.get(2).asArrayValue();
      assertEquals(1, value.get(1).asIntegerValue().toInt(), "storage protocol version");
      assertEquals("[\"read\",{},{\"0\":[\"value\",{}],\"1\":[\"error\",{}]}]",
          value.get(2).asMapValue().map().get(org.msgpack.value.ValueFactory.newInteger(0)).toJson()
              .replace(" ", ""));
      c.send(2, 0, "no-such-service");
      assertError(c.receive(), 2, ErrorCode.SERVICE_NOT_AVAILABLE);
    }
  }

  @Test
  void badInputGetsErrorRepliesAndTheConnectionStaysUsable() throws Exception {
    int storagePort = resolvePort("storage");
    try (RawClient c = new RawClient(storagePort)) {
      c.send(1, 9);
      assertError(c.receive(), 1, ErrorCode.SLOT_NOT_FOUND);
      c.send(2, 0, 1, 2);
      assertError(c.receive(), 2, ErrorCode.INVALID_ARGUMENT);
      c.send(3, 3, "it-bad", List.of());
      assertEquals(3, c.receive().get(0).asIntegerValue().toInt());
      c.send(3, 3, "it-bad", List.of());
      assertError(c.receive(), 3, ErrorCode.REVOKED_CHANNEL);
      c.send(2, 0, "it-bad", "k");
      assertError(c.receive(), 2, ErrorCode.REVOKED_CHANNEL);
      long channel = 10;
      for (String key : List.of("..", "a/b", "nul\0byte", "", "x".repeat(300))) {
        c.send(channel++, 1, "it-bad", key, new byte[] {1});
        ArrayValue reply = c.receive();
        assertEquals(1, reply.get(1).asIntegerValue().toInt(), "key '" + key + "' must be refused: " + reply);
        assertEquals(ErrorCode.CATEGORY_GENERIC, reply.get(2).asArrayValue().get(0).asArrayValue().get(0).asIntegerValue().toInt());
      }
      c.send(400, 3, "it-bad", List.of());
      assertEquals(400, c.receive().get(0).asIntegerValue().toInt(), "still serving after all of that");
    }
  }

  @Test
  void garbageAndOversizeFramesCloseOnlyThatConnection() throws Exception {
    int storagePort = resolvePort("storage");
    try (RawClient good = new RawClient(storagePort)) {
      try (RawClient garbage = new RawClient(storagePort)) {
        garbage.send(new byte[] {(byte) 0xc1, 0x00, 0x01});
        assertTrue(garbage.closedByServer(), "undecodable msgpack closes the connection");
      }
      try (RawClient brokenShape = new RawClient(storagePort)) {
        brokenShape.send(new byte[] {(byte) 0x92, 0x01, 0x02});
        assertTrue(brokenShape.closedByServer(), "a frame of 2 elements closes the connection");
      }
      try (RawClient oversize = new RawClient(storagePort)) {
        // [1, 1, ["k", <str32 declaring 100 MiB> ...: refused from the header alone, nothing allocated.
        oversize.send(new byte[] {(byte) 0x93, 0x01, 0x01, (byte) 0x92, (byte) 0xa1, 'k',
            (byte) 0xdb, 0x06, 0x40, 0x00, 0x00, 1, 2, 3});
        assertTrue(oversize.closedByServer(), "a frame over max-frame-bytes closes the connection");
      }
      good.send(1, 3, "it-good", List.of());
      assertEquals(1, good.receive().get(0).asIntegerValue().toInt(), "other connections keep being served");
    }
    assertTrue(runtime.process().isAlive());
  }

  private static int resolvePort(String name) throws Exception {
    try (Locator locator = Locator.connect("127.0.0.1", runtime.locatorPort())) {
      return locator.resolve(name).endpoints().get(0).port();
    }
  }

  private static void assertError(ArrayValue reply, long channel, ErrorCode expected) {
    assertEquals(channel, reply.get(0).asIntegerValue().toLong(), "channel of " + reply);
    assertEquals(1, reply.get(1).asIntegerValue().toInt(), "error type id in " + reply);
    ArrayValue code = reply.get(2).asArrayValue().get(0).asArrayValue();
    assertEquals(expected, new ErrorCode(code.get(0).asIntegerValue().toInt(), code.get(1).asIntegerValue().toInt()),
        "error code in " + reply);
    assertTrue(reply.get(2).asArrayValue().get(1).isRawValue(), "error message present");
  }

  private static String strip(ArrayValue frame) {
    return "[" + frame.get(0) + "," + frame.get(1) + "," + frame.get(2) + "]";
  }

  static final Duration TIMEOUT = Duration.ofSeconds(10);
}
