import cocaine.client.ServiceClient;
import cocaine.client.StorageClient;
import cocaine.cluster.desired.NodeReport;
import cocaine.deploy.Releases;
import cocaine.wire.FrameEncoder;
import cocaine.wire.Values;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * The cluster bench's client (bench/cluster/desired-state.sh), run as a single-file program on the
 * runtime's class path:
 *
 *   DesiredState release HOST PORT N     N apps app-0000.. (a tiny process-isolate worker, profile
 *                                        `tiny`: pool-limit 1, spawned on the first request) in the
 *                                        cluster's desired state, through the real Releases path
 *   DesiredState await HOST PORT NODE N [NOT_BEFORE_EPOCH_MS]
 *                                        waits until NODE's report (storage converged/NODE), written
 *                                        after NOT_BEFORE, has N apps running; prints its time
 */
public final class DesiredState {
  public static void main(String[] args) throws Exception {
    String host = args[1];
    int port = Integer.parseInt(args[2]);
    try (StorageClient storage = new StorageClient(ServiceClient.connect(host, port, "storage"), Duration.ofSeconds(30))) {
      switch (args[0]) {
        case "release" -> release(storage, Integer.parseInt(args[3]));
        case "await" -> await(storage, args[3], Integer.parseInt(args[4]),
            args.length > 5 ? Instant.ofEpochMilli(Long.parseLong(args[5])) : Instant.EPOCH);
        default -> throw new IllegalArgumentException("release or await, got " + args[0]);
      }
    }
  }

  private static void release(StorageClient storage, int n) throws Exception {
    storage.write("profiles", "tiny", FrameEncoder.encodeValue(Values.fromJava(Map.of("pool-limit", 1,
        "handshake-timeout", 20, "heartbeat-timeout", 30))), List.of("profile"));
    byte[] archive = tinyArchive();
    Map<String, Object> manifest = Map.of("slave", "run.sh");
    Releases releases = new Releases(storage, "bench", Clock.systemUTC());
    long started = System.nanoTime();
    for (int i = 0; i < n; i++) {
      String app = String.format("app-%04d", i);
      storage.write("manifests", app, FrameEncoder.encodeValue(Values.fromJava(manifest)), List.of("app"));
      releases.release(app, manifest, archive, "", "tiny", "");
    }
    System.out.printf("released %d apps in %d ms%n", n, (System.nanoTime() - started) / 1_000_000);
  }

  private static void await(StorageClient storage, String node, int n, Instant notBefore) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
    int running = -1;
    while (System.nanoTime() < deadline) {
      try {
        NodeReport r = NodeReport.unpack(node, storage.read(NodeReport.COLLECTION, node));
        running = (int) r.apps().values().stream().filter(s -> s.state().equals("running")).count();
        if (!r.time().isBefore(notBefore) && running >= n) {
          System.out.println("converged " + node + " " + r.time().toEpochMilli());
          return;
        }
      } catch (RuntimeException e) {
        // no report yet
      }
      Thread.sleep(250); // a poll of a report the node rewrites every few seconds
    }
    throw new IllegalStateException(node + " did not report " + n + " apps running within 20 min (last: " + running + ")");
  }

  /** A tar.gz of run.sh, a worker that only has to exist: the profile spawns it on the first request. */
  private static byte[] tinyArchive() throws Exception {
    byte[] script = "#!/bin/sh\nexec sleep 3600\n".getBytes(StandardCharsets.US_ASCII);
    byte[] header = new byte[512];
    put(header, 0, "run.sh");
    put(header, 100, "0000755");
    put(header, 108, "0000000");
    put(header, 116, "0000000");
    put(header, 124, String.format("%011o", script.length));
    put(header, 136, String.format("%011o", 0));
    header[156] = '0';
    put(header, 257, "ustar");
    put(header, 263, "00");
    for (int i = 148; i < 156; i++) {
      header[i] = ' ';
    }
    int sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    put(header, 148, String.format("%06o", sum));
    header[154] = 0;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(header);
      gz.write(script);
      gz.write(new byte[512 - script.length % 512]);
      gz.write(new byte[1024]);
    }
    return out.toByteArray();
  }

  private static void put(byte[] b, int at, String s) {
    byte[] v = s.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(v, 0, b, at, v.length);
  }
}
