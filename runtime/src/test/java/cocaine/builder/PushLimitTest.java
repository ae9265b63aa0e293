package cocaine.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.eclipse.jgit.errors.UnpackException;
import org.eclipse.jgit.internal.storage.pack.PackWriter;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.ReceivePack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The push limit on JGit's receive, with the bytes a git client sends (the update command, then the
 * pack) and the bytes it gets back: a push past the limit is cut off while it arrives, the client
 * reads the limit and the setting, and nothing of the push is kept.
 */
class PushLimitTest {
  static final long LIMIT = 64 * 1024;

  @TempDir
  Path dir;

  @Test
  void pushWithinTheLimitIsStored() throws Exception {
    Push push = push(files(4, 8 * 1024)); // 32 KiB of random files
    try (Repository into = bare("into")) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      receive(into, new ByteArrayInputStream(push.bytes()), out);
      assertEquals(push.commit(), into.resolve("refs/heads/main"));
      assertTrue(text(out).contains("ok refs/heads/main"), text(out));
    }
  }

  @Test
  void pushPastTheLimitIsCutOffAsItArrivesAndNothingIsKept() throws Exception {
    Push push = push(files(64, 32 * 1024)); // 2 MiB of random files, none larger than the limit
    try (Repository into = bare("into")) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Counted in = new Counted(new ByteArrayInputStream(push.bytes()));
      UnpackException e = assertThrows(UnpackException.class, () -> receive(into, in, out));
      String refusal = "push of 'echo' refused: it is larger than the limit of 64 KiB (cocaine.builder.max-push-size);"
          + " nothing of it was kept";
      assertTrue(text(out).contains("builder: " + refusal), text(out)); // the side band: "remote: builder: ..."
      assertTrue(text(out).contains("unpack error " + refusal), text(out)); // the status report
      assertTrue(text(out).contains("ng refs/heads/main"), text(out));
      assertEquals(refusal, new PushLimit(LIMIT).refusal(e, "echo").orElseThrow());
      // JGit reads ahead by at most a buffer: the rest of the push was never read
      assertTrue(in.count < LIMIT + 64 * 1024, "read " + in.count + " of " + push.bytes().length + " bytes");
      assertNothingKept(into);
    }
  }

  @Test
  void pushPastTheLimitIsRefusedAlsoWhenTheRestHasNotArrivedYet() throws Exception {
    Push push = push(files(64, 32 * 1024));
    try (Repository into = bare("into")) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream network = new Trickle(new ByteArrayInputStream(push.bytes()));
      UnpackException e = assertThrows(UnpackException.class, () -> receive(into, network, out));
      assertTrue(new PushLimit(LIMIT).refusal(e, "echo").isPresent(), e + " / " + text(out));
      assertTrue(text(out).contains("unpack error push of 'echo' refused: it is larger than the limit of 64 KiB"),
          text(out));
      assertNothingKept(into);
    }
  }

  @Test
  void pushOfExactlyTheLimitIsStored() throws Exception {
    Push push = push(files(2, 8 * 1024));
    try (Repository into = bare("into")) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      new PushLimit(push.bytes().length).receive(new ReceivePack(into), "echo",
          new Trickle(new ByteArrayInputStream(push.bytes())), out, null);
      assertEquals(push.commit(), into.resolve("refs/heads/main"));
    }
    try (Repository into = bare("short")) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      assertThrows(UnpackException.class, () -> new PushLimit(push.bytes().length - 1).receive(new ReceivePack(into),
          "echo", new Trickle(new ByteArrayInputStream(push.bytes())), out, null));
      assertTrue(text(out).contains("it is larger than the limit of"), text(out));
    }
  }

  @Test
  void fileThatUnpacksPastTheLimitIsRefusedNamingTheSetting() throws Exception {
    Push push = push(List.of(new byte[1024 * 1024])); // 1 MiB of zeros: a pack of a few KiB
    assertTrue(push.bytes().length < LIMIT, "the pack itself is within the limit: " + push.bytes().length);
    try (Repository into = bare("into")) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      assertThrows(UnpackException.class, () -> receive(into, new ByteArrayInputStream(push.bytes()), out));
      assertTrue(text(out).contains("unpack error push of 'echo' refused: it holds a file or object larger than the"
          + " limit of 64 KiB (cocaine.builder.max-push-size); nothing of it was kept"), text(out));
      assertNothingKept(into);
    }
  }

  @Test
  void otherUnpackErrorsKeepJGitsReason() throws Exception {
    Push push = push(files(1, 1024));
    byte[] broken = push.bytes().clone();
    broken[broken.length - 30] ^= 0x55; // inside the pack: its checksum no longer matches
    try (Repository into = bare("into")) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      UnpackException e = assertThrows(UnpackException.class,
          () -> receive(into, new ByteArrayInputStream(broken), out));
      assertTrue(new PushLimit(LIMIT).refusal(e, "echo").isEmpty());
      assertFalse(text(out).contains("cocaine.builder.max-push-size"), text(out));
      assertNull(into.resolve("refs/heads/main"));
    }
  }

  @Test
  void sizesReadAsTheSettingIsWritten() {
    assertEquals("256 MiB", PushLimit.size(256L * 1024 * 1024));
    assertEquals("64 KiB", PushLimit.size(64 * 1024));
    assertEquals("1.5 GiB", PushLimit.size(1536L * 1024 * 1024));
    assertEquals("1000 bytes", PushLimit.size(1000));
    assertEquals("1.5 KiB (1500 bytes)", PushLimit.size(1500));
    assertThrows(IllegalArgumentException.class, () -> new PushLimit(0));
  }

  /** A receive of app {@code echo} as the builder runs it, without the deploy. */
  private static void receive(Repository into, InputStream in, ByteArrayOutputStream out) throws IOException {
    new PushLimit(LIMIT).receive(new ReceivePack(into), "echo", in, out, null);
  }

  /** What {@code git push URL main} sends to a new repository: the update command, then the pack. */
  record Push(ObjectId commit, byte[] bytes) {}

  private Push push(List<byte[]> contents) throws IOException {
    try (Repository from = bare("from"); ObjectInserter ins = from.newObjectInserter()) {
      TreeFormatter tree = new TreeFormatter();
      for (int i = 0; i < contents.size(); i++) {
        tree.append(String.format("file-%03d.bin", i), FileMode.REGULAR_FILE, ins.insert(Constants.OBJ_BLOB,
            contents.get(i)));
      }
      CommitBuilder commit = new CommitBuilder();
      commit.setTreeId(ins.insert(tree));
      commit.setAuthor(new PersonIdent("t", "t@test"));
      commit.setCommitter(new PersonIdent("t", "t@test"));
      commit.setMessage("files");
      ObjectId id = ins.insert(commit);
      ins.flush();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      PacketLineOut commands = new PacketLineOut(bytes);
      commands.writeString(ObjectId.zeroId().name() + " " + id.name() + " refs/heads/main\0 report-status"
          + " side-band-64k\n");
      commands.end();
      try (PackWriter pack = new PackWriter(from)) {
        pack.preparePack(NullProgressMonitor.INSTANCE, Set.of(id), PackWriter.NONE);
        pack.writePack(NullProgressMonitor.INSTANCE, NullProgressMonitor.INSTANCE, bytes);
      }
      return new Push(id, bytes.toByteArray());
    }
  }

  private static List<byte[]> files(int count, int size) {
    Random random = new Random(count * 31L + size);
    return Stream.generate(() -> {
      byte[] b = new byte[size];
      random.nextBytes(b);
      return b;
    }).limit(count).toList();
  }

  private Repository bare(String name) throws IOException {
    Repository repo = new FileRepositoryBuilder().setGitDir(dir.resolve(name + ".git").toFile()).setBare().build();
    if (!Files.exists(dir.resolve(name + ".git"))) {
      repo.create(true);
    }
    return repo;
  }

  private static void assertNothingKept(Repository repo) throws IOException {
    try (Stream<Path> files = Files.walk(repo.getDirectory().toPath().resolve("objects"))) {
      assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "objects kept of the refused push");
    }
    assertNull(repo.resolve("refs/heads/main"));
  }

  private static String text(ByteArrayOutputStream out) {
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /** Bytes as a socket gives them: a few at a time, and none said to be available before they are read. */
  static final class Trickle extends FilterInputStream {
    Trickle(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return super.read(b, off, Math.min(len, 1000));
    }

    @Override
    public int available() {
      return 0;
    }
  }

  /** Counts the bytes the receiver has read. */
  static final class Counted extends FilterInputStream {
    long count;

    Counted(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      count += b < 0 ? 0 : 1;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      count += Math.max(n, 0);
      return n;
    }
  }
}
