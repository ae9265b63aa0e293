package cocaine.storage.zookeeper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The pointer a key's znode holds when its value lives in chunks. */
class ChunkPointerTest {

  @Test
  void anEncodedPointerIsMarkedAndGivesBackItsFields() {
    byte[] data = ChunkPointer.encode("7f3a", 3, 3_000_017L);
    assertTrue(ChunkPointer.marks(data));
    assertArrayEquals(new String[] {"7f3a", "3", "3000017"}, ChunkPointer.fields(data));
  }

  @Test
  void plainValuesAreNotTakenForPointers() {
    assertFalse(ChunkPointer.marks(null), "no znode");
    assertFalse(ChunkPointer.marks(new byte[0]));
    assertFalse(ChunkPointer.marks("cocaine-chunks 1 2 3".getBytes(StandardCharsets.US_ASCII)), "no NUL bytes");
    byte[] data = ChunkPointer.encode("s", 1, 1);
    byte[] markerOnly = Arrays.copyOf(data, data.length - "s 1 1".length());
    assertFalse(ChunkPointer.marks(markerOnly), "the marker alone points at nothing");
    data[1] ^= 1;
    assertFalse(ChunkPointer.marks(data), "one byte off");
  }

  @Test
  void aPointerWithoutThreeFieldsIsADamagedPointer() {
    byte[] data = ChunkPointer.encode("s", 1, 1);
    byte[] cut = Arrays.copyOf(data, data.length - 2);
    CocaineException e = assertThrows(CocaineException.class, () -> ChunkPointer.fields(cut));
    assertEquals(ErrorCode.IO_ERROR, e.code());
    assertEquals("damaged chunk pointer: s 1", e.getMessage());
  }
}
