package cocaine.cli;

import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

/** JSON in and out, and the msgpack form of stored objects (docs/protocol.md 4.1). */
final class Printer {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Printer() {}

  static void print(PrintWriter out, Object value) {
    try {
      out.println(JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A stored object: msgpack bytes to plain Java. */
  static Object unpack(byte[] blob) {
    try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(blob)) {
      return Values.toJava(unpacker.unpackValue());
    } catch (IOException e) {
      throw new UncheckedIOException("stored value is not msgpack: " + e.getMessage(), e);
    }
  }

  static byte[] pack(Object value) {
    return FrameEncoder.encodeValue(Values.fromJava(value));
  }

  static byte[] pack(Value value) {
    return FrameEncoder.encodeValue(value);
  }

  /** A JSON object given inline ("{...}") or as a file path. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> readJsonObject(String inlineOrPath, String what) {
    String text = inlineOrPath.trim();
    try {
      if (!text.startsWith("{")) {
        Path path = Path.of(inlineOrPath);
        if (!Files.isRegularFile(path)) {
          throw new IllegalArgumentException(what + ": '" + inlineOrPath + "' is neither inline JSON nor a readable file");
        }
        text = Files.readString(path);
      }
      Object parsed = JSON.readValue(text, Object.class);
      if (!(parsed instanceof Map)) {
        throw new IllegalArgumentException(what + " must be a JSON object");
      }
      return (Map<String, Object>) parsed;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(what + " is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
