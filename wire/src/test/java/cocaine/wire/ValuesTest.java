package cocaine.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ValuesTest {
  @Test
  void leadingObjectLengthIgnoresWhatFollowsAndRefusesAPartialObject() {
    byte[] two = {(byte) 0x92, 0x01, (byte) 0xa1, 'x', (byte) 0xc1, (byte) 0xff};
    assertEquals(4, Values.leadingObjectLength(two, 0, two.length), "[1, \"x\"] then bytes that are not looked at");
    assertEquals(1, Values.leadingObjectLength(two, 1, 5));
    // [1, "x"] cut after "x"'s header: its declared bytes are not all here
    WireException partial = assertThrows(WireException.class, () -> Values.leadingObjectLength(two, 0, 3));
    assertTrue(partial.getMessage().contains("exceeds the limit of 3 bytes"), partial.getMessage());
    // a str 16 whose length field is cut
    WireException cut = assertThrows(WireException.class, () -> Values.leadingObjectLength(new byte[] {(byte) 0xda, 0}, 0, 2));
    assertTrue(cut.getMessage().contains("truncated msgpack"), cut.getMessage());
    assertThrows(WireException.class, () -> Values.leadingObjectLength(two, 4, 2), "0xc1 is never msgpack");
    assertThrows(WireException.class, () -> Values.leadingObjectLength(two, 0, 0));
  }
}
