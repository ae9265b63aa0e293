package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: request bodies of every size through the HTTP proxy to a non-streaming app (the
 * http-echo example's {@code size} event, which answers the body's length and CRC-32), on a
 * {@code --role all} runtime with its default heap (-Xmx512m, checked) and default limits. Up to
 * max-body-bytes (64 MiB) the app gets the body whole in its first chunk; one byte more is 413
 * before the body is sent;
 * eight concurrent 64 MiB uploads with 100 small requests alongside get only 200 or the documented
 * 503 (body budget full, with Retry-After), every small request is answered 200, and the runtime
 * neither dies nor runs out of memory. A big answer (the {@code echo} event's) comes back whole,
 * held within the same budget until written.
 */
class HttpBodiesIT {
  static final int MAX_BODY = 64 << 20;

  @TempDir
  static Path dir;
  static RuntimeProcess runtime;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    runtime = RuntimeProcess.start(dir.resolve("runtime"), "all", "cocaine.proxy { retries = 0, timeout = 60s }");
    // the case is the default heap: bin/cocaine-runtime's -Xmx512m, with no COCAINE_JAVA_OPTS
    List<String> jvm = runtime.process().info().arguments().map(List::of).orElse(List.of());
    assertTrue(jvm.contains("-Xmx512m"), "the runtime under test must run with the default heap, got " + jvm);
    // the http-echo example with a heap for 64 MiB bodies, as a user would give an app that takes them
    Path app = dir.resolve("bodies");
    OverloadIT.copy(AppsIT.APPS.resolve("http-echo"), app);
    Path run = app.resolve("run.sh");
    Files.writeString(run, Files.readString(run).replace("-Xmx64m", "-Xmx1g"));
    Files.writeString(app.resolve("profile.json"), "{\"pool-limit\": 1, \"concurrency\": 16, \"queue-limit\": 200, "
        + "\"log-output\": true}");
    cli("uploaded", "app", "upload", app.toString(), "--name", "bodies");
    cli("uploaded", "profile", "upload", "-n", "bodies", "-r", app.resolve("profile.json").toString());
    cli("started", "app", "start", "-n", "bodies", "-r", "bodies");
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    await("the proxy serves the app").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> post("size", "hi".getBytes(StandardCharsets.UTF_8)).statusCode() == 200);
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  /** Under --role all the proxy's pool reaches the app of its own node in memory (cocaine.network.in-process). */
  @Test
  void theProxyReachesTheAppOfItsOwnNodeWithoutASocket() throws Exception {
    assertEquals(200, post("size", "hi".getBytes(StandardCharsets.UTF_8)).statusCode());
    List<OwnSockets.Connection> toItself = OwnSockets.toItself(runtime.process().pid());
    assertTrue(toItself.isEmpty(), "the runtime holds both ends of TCP connections " + toItself);
  }

  @Test
  void twentyMegabytesReachTheAppWhole() throws Exception {
    byte[] body = random(20_000_000, 1);
    Answer r = upload("size", body);
    assertEquals(200, r.status(), r.body());
    assertEquals(sizeAndCrc(body), r.body());
    assertRuntimeHealthy();
  }

  @Test
  void theLimitItselfReachesTheAppWhole() throws Exception {
    byte[] body = random(MAX_BODY, 2);
    Answer r = upload("size", body);
    assertEquals(200, r.status(), r.body());
    assertEquals(sizeAndCrc(body), r.body());
    assertRuntimeHealthy();
  }

  @Test
  void aBigAnswerComesBackWhole() throws Exception {
    byte[] body = new byte[20_000_000];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) ('a' + i % 26);
    }
    Answer r = upload("echo", body);
    assertEquals(200, r.status(), r.body().length() > 300 ? r.body().substring(0, 300) : r.body());
    assertEquals(new String(body, StandardCharsets.ISO_8859_1), r.body(), "the echo differs");
    assertRuntimeHealthy();
  }

  @Test
  void oneByteOverTheLimitIs413BeforeTheBodyIsSent() throws Exception {
    try (Socket s = new Socket("127.0.0.1", runtime.proxyPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /bodies/size HTTP/1.1\r\nHost: x\r\nContent-Length: " + (MAX_BODY + 1L)
          + "\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[1024]); // a first bit of the body, as a client that does not wait would send
      out.flush();
      String status = statusLine(s.getInputStream());
      assertTrue(status.startsWith("HTTP/1.1 413"), status);
    }
    assertRuntimeHealthy();
  }

  @Test
  void eightBigUploadsAtOnceWithSmallRequestsAlongside() throws Exception {
    byte[] big = random(MAX_BODY, 3);
    String expected = sizeAndCrc(big);
    ExecutorService uploaders = Executors.newFixedThreadPool(8);
    List<CompletableFuture<Answer>> bigs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      bigs.add(CompletableFuture.supplyAsync(() -> upload("size", big), uploaders));
    }
    List<CompletableFuture<HttpResponse<String>>> smalls = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      smalls.add(http.sendAsync(request("echo", ("small " + i).getBytes(StandardCharsets.UTF_8)),
          HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    int busy = 0;
    for (CompletableFuture<Answer> f : bigs) {
      Answer r = f.get(180, TimeUnit.SECONDS);
      if (r.status() == 200) {
        assertEquals(expected, r.body());
        assertTrue(r.bodySent(), "a 200 for a body that was not sent");
        ok++;
      } else {
        assertEquals(503, r.status(), "a big upload got neither 200 nor the documented 503: " + r.body());
        assertTrue(r.body().contains("cocaine.proxy.body-budget"), r.body());
        assertTrue(r.head().toLowerCase().contains("retry-after:"), "503 without Retry-After: " + r.head());
        assertFalse(r.bodySent(), "the refusal came after the body was sent");
        busy++;
      }
    }
    uploaders.shutdown();
    for (int i = 0; i < smalls.size(); i++) {
      HttpResponse<String> r = smalls.get(i).get();
      assertEquals(200, r.statusCode(), "small request " + i + ": " + r.body());
      assertEquals("small " + i, r.body());
    }
    assertTrue(ok >= 1, "no big upload got through: " + busy + " refused");
    assertRuntimeHealthy();
  }

  /** An answer read off the socket: status line and headers, body, and whether the body was sent. */
  record Answer(int status, String head, String body, boolean bodySent) {}

  /**
   * A POST with {@code Expect: 100-continue} on a socket of its own, as curl sends a big body: the
   * body goes only after {@code 100 Continue}; a final answer instead means it was refused unread.
   * (The JDK's HttpClient was seen to wait for ever on such a refusal, past its own timeout.)
   */
  private static Answer upload(String event, byte[] body) {
    try (Socket s = new Socket("127.0.0.1", runtime.proxyPort())) {
      s.setSoTimeout(120_000);
      OutputStream out = s.getOutputStream();
      InputStream in = new java.io.BufferedInputStream(s.getInputStream());
      out.write(("POST /bodies/" + event + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length
          + "\r\nContent-Type: application/octet-stream\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String head = head(in);
      boolean sent = false;
      if (head.startsWith("HTTP/1.1 100")) {
        out.write(body);
        out.flush();
        sent = true;
        head = head(in);
      }
      int status = Integer.parseInt(head.split(" ")[1]);
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
      byte[] answer = m.find() ? in.readNBytes(Integer.parseInt(m.group(1))) : in.readAllBytes();
      String text = new String(answer, StandardCharsets.ISO_8859_1);
      if (head.toLowerCase().contains("transfer-encoding: chunked")) {
        StringBuilder plain = new StringBuilder();
        int at = 0;
        for (int size; (size = Integer.parseInt(text.substring(at, text.indexOf("\r\n", at)).trim(), 16)) > 0; ) {
          int from = text.indexOf("\r\n", at) + 2;
          plain.append(text, from, from + size);
          at = from + size + 2;
        }
        text = plain.toString();
      }
      return new Answer(status, head, text.trim(), sent);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A response's status line and headers, up to the empty line. */
  private static String head(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    while (!sb.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed in a response head: " + sb);
      }
      sb.append((char) b);
    }
    return sb.toString();
  }

  private static void assertRuntimeHealthy() {
    assertTrue(runtime.process().isAlive(), "the runtime died:\n" + runtime.output());
    assertFalse(runtime.output().contains("OutOfMemoryError"), "the runtime ran out of memory:\n" + runtime.output());
    assertFalse(runtime.output().contains("exceeds the limit of"), "a frame over the limit reached the node:\n"
        + runtime.output());
  }

  private static HttpRequest request(String event, byte[] body) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.proxyPort() + "/bodies/" + event))
        .timeout(Duration.ofSeconds(120))
        .header("Content-Type", "application/octet-stream")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }

  private static HttpResponse<String> post(String event, byte[] body) throws IOException, InterruptedException {
    return http.send(request(event, body), HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static String sizeAndCrc(byte[] body) {
    CRC32 crc = new CRC32();
    crc.update(body);
    return body.length + " " + Long.toHexString(crc.getValue());
  }

  private static String statusLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
      sb.append((char) b);
    }
    return sb.toString().trim();
  }

  static String cli(String expected, String... args) throws Exception {
    RuntimeProcess.CliResult r = runtime.cli(args);
    assertEquals(0, r.exit(), List.of(args) + ": " + r.output());
    assertTrue(r.output().contains(expected), List.of(args) + ": " + r.output());
    return r.output();
  }
}
