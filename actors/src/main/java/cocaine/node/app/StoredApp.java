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
  /** Where the deploys record each version (cocaine.cluster.desired.AppVersion). */
  private static final String VERSIONS = "versions";

  /**
   * Reads and validates all three. Fails with {@code [12, 2]} naming what is missing, or
   * {@code [12, 22]} naming the object and the bad field.
   */
  static CompletionStage<StoredApp> read(Storage storage, String app, String profileName) {
    return read(storage, app, profileName, "");
  }

  /**
   * Like the other {@code read}, of one recorded version: its manifest from {@code versions/<app>@<version>}
   * and its archive from {@code apps/<app>@<version>}. An empty version, or one without a record (a
   * desired state written by hand), reads the current objects.
   */
  static CompletionStage<StoredApp> read(Storage storage, String app, String profileName, String version) {
    if (version.isEmpty()) {
      return read(storage, app, profileName, readMap(storage, app, "manifests", app, "manifest '" + app + "'"),
          readArchive(storage, app, app));
    }
    String key = app + "@" + version;
    return storage.read(VERSIONS, key).handle((blob, e) -> e == null ? blob : null).thenCompose(blob -> {
      if (blob == null) {
        return read(storage, app, profileName, "");
      }
      CompletionStage<Map<String, Object>> manifest = CompletableFuture.supplyAsync(() -> versionManifest(app, key,
          blob));
      return read(storage, app, profileName, manifest, readArchive(storage, app, key)
          .thenCompose(a -> a.isPresent() ? CompletableFuture.completedFuture(a) : readArchive(storage, app, app)));
    });
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> versionManifest(String app, String key, byte[] blob) {
    Object m = decodeMap(blob, app, "version record " + key).get("manifest");
    if (!(m instanceof Map)) {
      throw new CocaineException(ErrorCode.INVALID, "app '" + app + "': version record " + key + " has no manifest map");
    }
    return (Map<String, Object>) m;
  }

  private static CompletionStage<StoredApp> read(Storage storage, String app, String profileName,
      CompletionStage<Map<String, Object>> manifestRead, CompletionStage<Optional<byte[]>> archiveRead) {
    CompletableFuture<Map<String, Object>> manifest = manifestRead.toCompletableFuture();
    CompletableFuture<Map<String, Object>> profile = readMap(storage, app, "profiles", profileName,
        "profile '" + profileName + "'").toCompletableFuture();
    CompletableFuture<Optional<byte[]>> archive = archiveRead.toCompletableFuture();
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
        CocaineException c = AppErrors.asCocaine(e);
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

  private static CompletionStage<Optional<byte[]>> readArchive(Storage storage, String app, String key) {
    return storage.read("apps", key).handle((blob, e) -> {
      if (e == null) {
        return Optional.of(unwrapRaw(blob, app));
      }
      CocaineException c = AppErrors.asCocaine(e);
      if (c.code().equals(ErrorCode.NOT_FOUND)) {
        return Optional.empty();
      }
      throw new CocaineException(c.code(), "app '" + app + "': cannot read apps/" + key + ": " + c.getMessage(), c);
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
