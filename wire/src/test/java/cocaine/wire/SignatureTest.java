package cocaine.wire;

import static cocaine.wire.Signature.Type.ANY;
import static cocaine.wire.Signature.Type.INT;
import static cocaine.wire.Signature.Type.STR;
import static cocaine.wire.Signature.Type.STRS;
import static cocaine.wire.Signature.Type.STR_OR_STRS;
import static cocaine.wire.Signature.optional;
import static cocaine.wire.Signature.required;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.msgpack.value.Value;

class SignatureTest {
  private static final Signature RESOLVE = Signature.of(required("name", STR), optional("seed", STR));

  private static CocaineException refused(Signature s, Value... args) {
    return assertThrows(CocaineException.class, () -> s.decode("locator.resolve", List.of(args)));
  }

  @Test
  void extraArgumentsAreIgnoredAndHandedBackApart() {
    Signature routing = Signature.of(required("router_id", STR));
    Signature.Decoded d = routing.decode("locator.routing", List.of(Values.str("uid"), Values.bool(true), Values.integer(3)));
    assertEquals(List.of(Values.str("uid")), d.args());
    assertEquals(List.of(Values.bool(true), Values.integer(3)), d.ignored());
    assertEquals(List.of(Values.integer(1)), Signature.NONE.decode("locator.uuid", List.of(Values.integer(1))).ignored());
  }

  @Test
  void nilOrNothingForAnOptionalArgumentIsAbsent() {
    assertEquals(List.of(Values.str("echo")), RESOLVE.decode("locator.resolve", List.of(Values.str("echo"), Values.nil())).args());
    assertEquals(List.of(Values.str("echo")), RESOLVE.decode("locator.resolve", List.of(Values.str("echo"))).args());
    assertEquals(List.of(Values.str("echo"), Values.str("u")),
        RESOLVE.decode("locator.resolve", List.of(Values.str("echo"), Values.str("u"))).args());
    // an absent optional before a present one keeps its place as nil
    Signature two = Signature.of(required("a", STR), optional("b", INT), optional("c", STR));
    assertEquals(List.of(Values.str("x"), Values.nil(), Values.str("z")),
        two.decode("t.m", List.of(Values.str("x"), Values.nil(), Values.str("z"))).args());
  }

  @Test
  void aMissingRequiredArgumentIsInvalidArgumentNamingIt() {
    CocaineException e = refused(RESOLVE);
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertEquals("locator.resolve expects (name: str, seed: str?), got (): missing 'name'", e.getMessage());
  }

  @Test
  void aMistypedArgumentIsInvalidArgumentNamingItAndItsType() {
    assertEquals("locator.resolve expects (name: str, seed: str?), got (int): 'name' must be str, got int",
        refused(RESOLVE, Values.integer(5)).getMessage());
    assertEquals("locator.resolve expects (name: str, seed: str?), got (str, [int]): 'seed' must be str, got [int]",
        refused(RESOLVE, Values.str("echo"), Values.array(Values.integer(1))).getMessage());
    // nil is absent only where the argument is optional
    assertEquals("locator.resolve expects (name: str, seed: str?), got (nil): 'name' must be str, got nil",
        refused(RESOLVE, Values.nil()).getMessage());
  }

  @Test
  void typesAcceptWhatTheOriginalDecodersAccept() {
    Signature refresh = Signature.of(required("groups", STR_OR_STRS));
    assertEquals(1, refresh.decode("r", List.of(Values.str("g"))).args().size());
    assertEquals(1, refresh.decode("r", List.of(Values.strings(List.of("g", "h")))).args().size());
    assertThrows(CocaineException.class, () -> refresh.decode("r", List.of(Values.array(Values.integer(1)))));
    Signature blob = Signature.of(required("blob", STR, "raw"), optional("tags", STRS), optional("any", ANY));
    Value bin = org.msgpack.value.ValueFactory.newBinary(new byte[] {1, 2});
    assertEquals(List.of(bin, Values.strings(List.of()), Values.bool(false)),
        blob.decode("s.w", List.of(bin, Values.strings(List.of()), Values.bool(false))).args());
    assertEquals("(blob: raw, tags: [str]?, any: any?)", blob.toString());
  }

  @Test
  void uncheckedPassesEverythingAndARequiredAfterAnOptionalIsADeclarationError() {
    List<Value> args = List.of(Values.nil(), Values.integer(1));
    assertEquals(args, Signature.UNCHECKED.decode("x.y", args).args());
    assertEquals(List.of(), Signature.UNCHECKED.decode("x.y", args).ignored());
    assertThrows(IllegalArgumentException.class, () -> Signature.of(optional("a", STR), required("b", STR)));
  }
}
