package cocaine.node.app;

import cocaine.model.InvalidModelException;
import cocaine.model.Manifest;
import cocaine.model.Profile;
import cocaine.storage.Storage;
import cocaine.wire.CocaineException;
import cocaine.wire.ErrorCode;
import cocaine.wire.Values;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One app as storage holds it (docs/protocol.md 4.1-4.3): the manifest ({@code manifests/<app>}) and the
 * profile ({@code profiles/<name>}) as msgpack maps, kept as stored for {@code info} and validated,
 * and the archive ({@code apps/<app>}, a msgpack raw string), which may be absent.
 */
record StoredApp(Map<String, Object> manifestData, Manifest manifest, Map<String, Object> profileData, Profile profile,
    Optional<byte[]> archive) {
  private static final Logger log = LoggerFactory.getLogger(StoredApp.class);

  /**
   * Reads and validates all three. Fails with {@code [12, 2]} naming what is missing, or
   * {@code [12, 22]} naming the object and the bad field.
   */
  static CompletionStage<StoredApp> read(Storage storage, String app, String profileName) {
    CompletableFuture<Map<String, Object>> manifest = readMap(storage, app, "manifests", app, "manifest '" + app + "'")
        .toCompletableFuture();
    CompletableFuture<Map<String, Object>> profile = readMap(storage, app, "profiles", profileName,
        "profile '" + profileName + "'").toCompletableFuture();
    CompletableFuture<Optional<byte[]>> archive = readArchive(storage, app).toCompletableFuture();
    return manifest.thenCombine(profile, (m, p) -> new StoredApp(m, model(() -> Manifest.fromMap(app, m)), p,
            profile(app, profileName, p), Optional.empty()))
        .thenCombine(archive, (d, a) -> new StoredApp(d.manifestData, d.manifest, d.profileData, d.profile, a));
  }

  /** The profile, its renamed and ignored keys told in the node's log, one line each. */
  private static Profile profile(String app, String name, Map<String, Object> map) {
    Profile.Read read = model(() -> Profile.read(name, map));
    read.warnings().forEach(w -> log.warn("app '{}': {}", app, w));
    return read.profile();
  }

  private static <T> T model(Supplier<T> read) {
    try {
      return read.get();
    } catch (InvalidModelException e) {
      throw new CocaineException(ErrorCode.INVALID, e.getMessage(), e);
    }
  }

  private static CompletionStage<Map<String, Object>> readMap(Storage storage, String app, String collection, String key,
      String what) {
    return storage.read(collection, key).handle((blob, e) -> {
      if (e != null) {
        CocaineException c = App.asCocaine(e);
        if (c.code().equals(ErrorCode.NOT_FOUND)) {
          throw new CocaineException(ErrorCode.NOT_FOUND, "app '" + app + "': " + what + " is not in storage ("
              + collection + "/" + key + ")");
        }
        throw new CocaineException(c.code(), "app '" + app + "': cannot read " + collection + "/" + key + ": "
            + c.getMessage(), c);
      }
      return decodeMap(blob, app, what);
    });
  }

  private static CompletionStage<Optional<byte[]>> readArchive(Storage storage, String app) {
    return storage.read("apps", app).handle((blob, e) -> {
      if (e == null) {
        return Optional.of(unwrapRaw(blob, app));
      }
      CocaineException c = App.asCocaine(e);
      if (c.code().equals(ErrorCode.NOT_FOUND)) {
        return Optional.empty();
      }
      throw new CocaineException(c.code(), "app '" + app + "': cannot read apps/" + app + ": " + c.getMessage(), c);
    });
  }

  private static byte[] unwrapRaw(byte[] blob, String app) {
    try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(blob)) {
      var value = unpacker.unpackValue();
      if (!value.isRawValue()) {
        throw new CocaineException(ErrorCode.INVALID, "app '" + app + "': apps/" + app
            + " must hold a msgpack raw string with the archive, got " + value.getValueType());
      }
      return value.asRawValue().asByteArray();
    } catch (IOException e) {
      throw new CocaineException(ErrorCode.INVALID, "app '" + app + "': apps/" + app + " is not msgpack: " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> decodeMap(byte[] blob, String app, String what) {
    try (MessageUnpacker unpacker = MessagePack.newDefaultUnpacker(blob)) {
      Object decoded = Values.toJava(unpacker.unpackValue());
      if (!(decoded instanceof Map)) {
        throw new CocaineException(ErrorCode.INVALID, "app '" + app + "': " + what + " must be a msgpack map");
      }
      return (Map<String, Object>) decoded;
    } catch (IOException | RuntimeException e) {
      if (e instanceof CocaineException c) {
        throw c;
      }
      throw new CocaineException(ErrorCode.INVALID, "app '" + app + "': " + what + " is not valid msgpack: "
          + e.getMessage());
    }
  }
}
