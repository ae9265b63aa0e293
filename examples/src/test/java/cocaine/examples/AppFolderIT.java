package cocaine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocaine.wire.Frame;
import cocaine.wire.Values;
import cocaine.worker.FakeRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged folders under {@code target/apps} work as uploaded: {@code run.sh} starts the app's
 * worker with the runtime's argv, run from inside the folder as the process isolate does.
 */
class AppFolderIT {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final Path APPS = Path.of("target", "apps");

  final List<Process> processes = new ArrayList<>();
  final List<FakeRuntime> runtimes = new ArrayList<>();

  @AfterEach
  void tearDown() throws IOException {
    for (Process p : processes) {
      p.destroyForcibly();
    }
    for (FakeRuntime r : runtimes) {
      r.close();
    }
  }

  Process launch(String app, FakeRuntime runtime, Path output) throws IOException {
    Path dir = APPS.resolve(app).toAbsolutePath();
    assertTrue(Files.isExecutable(dir.resolve("run.sh")), dir + "/run.sh must be executable");
    String manifest = Files.readString(dir.resolve("manifest.json"));
    assertTrue(manifest.contains("\"slave\": \"run.sh\""), manifest);
    Process p = new ProcessBuilder(dir.resolve("run.sh").toString(), "--app", app, "--endpoint", runtime.endpoint(),
        "--locator", "127.0.0.1:10053", "--protocol", "1", "--uuid", "it-" + app)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
    processes.add(p);
    return p;
  }

  FakeRuntime runtime() throws IOException {
    FakeRuntime r = FakeRuntime.start();
    runtimes.add(r);
    return r;
  }

  @Test
  void echoFolderServesPingAndExitsOnTerminate() throws Exception {
    FakeRuntime runtime = runtime();
    Path out = Files.createTempFile("echo", ".log");
    Process p = launch("echo", runtime, out);
    assertEquals(List.of(Values.str("it-echo")), runtime.nextControl(WAIT).args());
    runtime.invoke(2, "ping");
    runtime.write(2, "hello");
    runtime.close(2);
    assertEquals(List.of("hello"), FakeRuntime.texts(runtime.replies(2, WAIT)));
    runtime.send(1, cocaine.wire.Message.of(1, Values.integer(13), Values.str("slave is idle")));
    assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "worker did not exit after terminate");
    assertEquals(0, p.exitValue(), Files.readString(out));
  }

  @Test
  void crashFolderExitsWithStatusThreeAfterPrinting() throws Exception {
    FakeRuntime runtime = runtime();
    Path out = Files.createTempFile("crash", ".log");
    Process p = launch("crash", runtime, out);
    runtime.nextControl(WAIT);
    runtime.invoke(2, "crash");
    assertTrue(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "crash worker did not exit");
    assertEquals(3, p.exitValue());
    String printed = Files.readString(out, StandardCharsets.UTF_8);
    assertTrue(printed.contains("crash: this worker will now exit with status 3"), printed);
  }

  @Test
  void otherFoldersHandshake() throws Exception {
    for (String app : List.of("http-echo", "stream")) {
      FakeRuntime runtime = runtime();
      Path out = Files.createTempFile(app, ".log");
      launch(app, runtime, out);
      Frame handshake = runtime.nextControl(WAIT);
      assertEquals(List.of(Values.str("it-" + app)), handshake.args(), app);
    }
  }
}
