package cocaine.gateway.nftables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cocaine.config.NetworkSettings;
import cocaine.locator.Endpoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The gateway programming nftables in a balancer namespace between a client namespace and two
 * node namespaces (scripts/netns-lab.sh): real TCP connections are DNATed to the nodes.
 */
@Tag("netns")
@Tag("nftables")
class NftablesGatewayNetnsIT {
  static final Path LAB = Path.of(System.getProperty("user.dir")).resolve("../scripts/netns-lab.sh").normalize();
  static final String PREFIX = "czn" + (ProcessHandle.current().pid() % 10000);
  static final String SERVER = String.join("\n",
      "import socket, sys",
      "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
      "s.bind(('0.0.0.0', int(sys.argv[1]))); s.listen(16); print('ready', flush=True)",
      "while True:",
      "    c, a = s.accept(); d = c.recv(100); c.sendall(sys.argv[2].encode() + b':' + d); c.close()");
  static final String CLIENT = String.join("\n",
      "import socket, sys",
      "c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5); c.sendall(b'hello')",
      "print(c.recv(100).decode())");
  static final List<Process> backends = new ArrayList<>();
  static boolean up;

  @BeforeAll
  static void lab() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "nftables namespace test needs root; skipped");
    for (String tool : List.of("/usr/sbin/nft", "/usr/bin/python3")) {
      assumeTrue(Files.isExecutable(Path.of(tool)) || Files.isExecutable(Path.of(tool.replace("/usr/sbin", "/sbin"))),
          tool + " missing (apt-get install -y nftables python3); nftables namespace test skipped");
    }
    run("bash", LAB.toString(), "up", PREFIX);
    up = true;
    backends.add(backend("na", "A"));
    backends.add(backend("nb", "B"));
  }

  @AfterAll
  static void teardown() throws Exception {
    backends.forEach(Process::destroyForcibly);
    for (Process p : backends) {
      p.waitFor(10, TimeUnit.SECONDS);
    }
    if (up) {
      run("bash", LAB.toString(), "down", PREFIX);
    }
  }

  static Process backend(String ns, String name) throws IOException {
    Process p = new ProcessBuilder("ip", "netns", "exec", PREFIX + "-" + ns, "python3", "-c", SERVER, "5000", name)
        .redirectErrorStream(true).start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    assertEquals("ready", out.readLine(), "backend " + name + " did not start");
    return p;
  }

  static String run(String... cmd) throws IOException, InterruptedException {
    Exit e = exec(List.of(cmd), 60);
    assertEquals(0, e.code(), String.join(" ", cmd) + ": " + e.output());
    return e.output().strip();
  }

  /** What a client in namespace ns got back from 10.77.1.1:port, or empty when the connection failed. */
  static Optional<String> call(String ns, int port) throws IOException, InterruptedException {
    Exit e = exec(List.of("ip", "netns", "exec", PREFIX + "-" + ns, "python3", "-c", CLIENT, "10.77.1.1",
        Integer.toString(port)), 30);
    return e.code() == 0 ? Optional.of(e.output().strip()) : Optional.empty();
  }

  record Exit(int code, String output) {}

  /** Runs cmd with its output in a file, so a child that hangs fails the test instead of blocking it. */
  static Exit exec(List<String> cmd, int seconds) throws IOException, InterruptedException {
    Path out = Files.createTempFile("nft-netns-", ".out");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", cmd) + " did not finish within " + seconds + " s: "
            + new String(Files.readAllBytes(out), StandardCharsets.UTF_8));
      }
      return new Exit(p.exitValue(), new String(Files.readAllBytes(out), StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  NftablesGateway open() {
    return NftablesGateway.open(new NftablesSettings(Optional.of("10.77.1.1"), "10.77.1.1",
        new NetworkSettings.PortRange(30000, 30100), List.of("ip", "netns", "exec", PREFIX + "-lb", "nft"), true,
        Duration.ofSeconds(10), 64));
  }

  static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void dnatSpreadsClientsOverTheNodesAndTheTableGoesAwayOnClose() throws Exception {
    // a leftover of a crashed balancer: replaced, not an error
    run("bash", "-c", "printf 'table ip cocaine {\\n chain junk {\\n }\\n}\\n' | ip netns exec " + PREFIX + "-lb nft -f -");
    NftablesGateway gateway = open();
    assertFalse(run("ip", "netns", "exec", PREFIX + "-lb", "nft", "list", "table", "ip", "cocaine").contains("junk"));

    get(gateway.addReal("echo", "node-a", List.of(new Endpoint("10.77.2.2", 5000))));
    get(gateway.addReal("echo", "node-b", List.of(new Endpoint("10.77.3.2", 5000))));
    Endpoint v = get(gateway.resolve("echo")).get(0);
    assertEquals("10.77.1.1", v.host());

    List<String> replies = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      replies.add(call("cl", v.port()).orElse("failed"));
    }
    assertEquals(2, replies.stream().filter("A:hello"::equals).count(), replies.toString());
    assertEquals(2, replies.stream().filter("B:hello"::equals).count(), replies.toString());
    assertTrue(call("lb", v.port()).orElse("failed").matches("[AB]:hello"), "a client on the balancer itself");

    get(gateway.removeReal("echo", "node-b"));
    for (int i = 0; i < 3; i++) {
      assertEquals(Optional.of("A:hello"), call("cl", v.port()));
    }
    get(gateway.removeReal("echo", "node-a"));
    assertTrue(gateway.resolve("echo").toCompletableFuture().handle((ok, e) -> e != null).get(10, TimeUnit.SECONDS));
    assertEquals(Optional.empty(), call("cl", v.port()), "no real: nothing answers");

    get(gateway.addReal("echo", "node-b", List.of(new Endpoint("10.77.3.2", 5000))));
    assertEquals(v, get(gateway.resolve("echo")).get(0), "the virtual port stays");
    assertEquals(Optional.of("B:hello"), call("cl", v.port()));

    get(gateway.close());
    assertFalse(run("ip", "netns", "exec", PREFIX + "-lb", "nft", "list", "tables").contains("cocaine"));
    assertEquals(Optional.empty(), call("cl", v.port()));
  }

  @Test
  void cocaineBalancerGatewayNftablesFindsThisGatewayOnTheClassPath() throws Exception {
    cocaine.config.Settings settings = cocaine.config.Settings.load("balancer", com.typesafe.config.ConfigFactory.parseString(
        "cocaine { network.shared-ports = [31000, 31010], balancer { gateway = nftables, listen-host = \"10.77.1.1\"\n"
            + "nftables.command = [ip, netns, exec, " + PREFIX + "-lb, nft] } }"));
    org.apache.pekko.actor.typed.ActorSystem<Void> system = org.apache.pekko.actor.typed.ActorSystem.create(
        org.apache.pekko.actor.typed.javadsl.Behaviors.empty(), "nft-provider");
    try {
      cocaine.gateway.Gateway gateway = cocaine.gateway.Gateway.open(system, settings);
      assertTrue(gateway instanceof NftablesGateway, gateway.getClass().getName());
      get(gateway.addReal("echo", "node-a", List.of(new Endpoint("10.77.2.2", 5000))));
      assertEquals(new Endpoint("10.77.1.1", 31000), get(gateway.resolve("echo")).get(0));
      assertEquals(Optional.of("A:hello"), call("cl", 31000));
      get(gateway.close());
    } finally {
      system.terminate();
    }
  }
}
