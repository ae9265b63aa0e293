package cocaine.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Issue 7's dashboard in a real browser: {@code bin/cocaine-runtime --role all} with the
 * {@code http-echo} app, requests through its HTTP proxy, and Debian's headless chromium (driven by
 * Selenium through {@code /usr/bin/chromedriver}) on the admin port's {@code /dashboard}. The
 * requests must show up live, a failed one in red, and a click must open a waterfall across the
 * proxy, the engine's queue, the slot and the worker. The last screen is kept as
 * {@code it-tests/target/dashboard.png}.
 *
 * <p>Issue 21's cluster view: a second node ({@code node-b}, its own runtime and http-echo) is the
 * first one's dashboard peer; requests through both proxies must show on the first one's page, and
 * its charts must draw a line per node. The screen taken under load is kept as
 * {@code it-tests/target/dashboard-cluster.png} and, with {@code -Ddashboard.docs-screenshot=true}, copied to {@code docs/img/dashboard.png}.
 */
@Tag("chromium")
class DashboardBrowserIT {
  static final Path APP = RuntimeProcess.HOME.resolve("examples/target/apps/http-echo");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOT = RuntimeProcess.HOME.resolve("it-tests/target/dashboard.png");
  static final Path CLUSTER_SCREENSHOT = RuntimeProcess.HOME.resolve("it-tests/target/dashboard-cluster.png");
  /** Where the committed screenshot goes when asked for ({@code -Ddashboard.docs-screenshot=true}): not on every run. */
  static final Path DOCS_SCREENSHOT = RuntimeProcess.HOME.resolve("docs/img/dashboard.png");

  @TempDir
  static Path dir;
  static RuntimeProcess runtime;
  static RuntimeProcess nodeB;
  static ChromeDriver browser;
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    assertTrue(Files.isExecutable(CHROMEDRIVER), "chromium-driver is not installed (scripts/setup-test-deps.sh)");
    nodeB = RuntimeProcess.start(dir.resolve("node-b"), "all", "cocaine.uuid = nodebbbb");
    runtime = RuntimeProcess.start(dir.resolve("runtime"), "all", "cocaine.uuid = nodeaaaa\n"
        + "cocaine.tracing.dashboard.peers = [\"http://127.0.0.1:" + nodeB.adminPort() + "\"]");
    for (RuntimeProcess node : List.of(runtime, nodeB)) {
      cli(node, "profile", "upload", "-n", "http-echo", "-r", APP.resolve("profile.json").toString());
      cli(node, "app", "upload", APP.toString());
      cli(node, "app", "start", "-n", "http-echo", "-r", "http-echo");
      await("http-echo answers through the proxy").atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> get(node.proxyPort(), "/http-echo/echo").statusCode() == 200);
    }
    // the routing group `greet` on the first node: http-echo and a second copy of it, half each
    cli(runtime, "app", "upload", APP.toString(), "-n", "http-echo-b");
    cli(runtime, "app", "start", "-n", "http-echo-b", "-r", "http-echo");
    cli(runtime, "group", "create", "-n", "greet", "-c", "{\"http-echo\":50,\"http-echo-b\":50}");
    cli(runtime, "group", "refresh", "-n", "greet");
    await("the group answers through the proxy").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> get(runtime.proxyPort(), "/greet/echo").statusCode() == 200);

    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
        "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")),
        "--window-size=1400,1000");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withLogFile(dir.resolve("chromedriver.log").toFile())
        .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (runtime != null) {
      runtime.close();
    }
    if (nodeB != null) {
      nodeB.close();
    }
  }

  @Test
  void theClusterPageShowsBothNodesRequestsAndChartsALinePerNode() throws Exception {
    browser.get("http://127.0.0.1:" + runtime.adminPort() + "/dashboard");
    page("the live feed connects").until(() -> browser.findElement(By.id("status")).getText().equals("live"));
    page("the peer is in the cluster").until(() ->
        browser.findElement(By.id("cluster")).getText().contains("nodebbbb"));

    Set<String> viaA = new java.util.HashSet<>();
    Set<String> viaB = new java.util.HashSet<>();
    for (int i = 0; i < 3; i++) {
      viaA.add(get(runtime.proxyPort(), "/http-echo/echo?a=" + i).headers().firstValue("X-Request-Id").orElseThrow());
      viaB.add(get(nodeB.proxyPort(), "/http-echo/echo?b=" + i).headers().firstValue("X-Request-Id").orElseThrow());
    }
    page("both nodes' requests are listed").untilAsserted(() -> {
      Set<String> shown = browser.findElements(By.cssSelector("#requests tr.request")).stream()
          .map(row -> row.getAttribute("data-trace")).collect(Collectors.toSet());
      assertTrue(shown.containsAll(viaA) && shown.containsAll(viaB), "listed " + shown + ", sent " + viaA + viaB);
    });
    page("the flow tree has both nodes").untilAsserted(() -> {
      String tree = browser.findElement(By.id("tree")).getText();
      assertTrue(tree.contains("nodeaaaa") && tree.contains("nodebbbb"), tree);
    });

    // load on both nodes while the charts fill and the screen is taken
    java.util.concurrent.atomic.AtomicBoolean loading = new java.util.concurrent.atomic.AtomicBoolean(true);
    java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
    Thread load = new Thread(() -> {
      for (int i = 0; loading.get(); i++) {
        try {
          RuntimeProcess node = i % 3 == 0 ? nodeB : runtime;
          String path = i % 10 == 9 ? "/http-echo/no-such-event" : i % 3 == 1 ? "/greet/echo?n=" + i
              : "/http-echo/echo?n=" + i;
          if (get(node.proxyPort(), path).statusCode() == 0) {
            failed.incrementAndGet();
          }
        } catch (Exception e) {
          failed.incrementAndGet();
        }
      }
    }, "dashboard-load");
    load.start();
    try {
      for (String metric : List.of("req/s", "errors/s", "latency ms", "queue")) {
        page("the " + metric + " chart draws a line per node").untilAsserted(() -> {
          List<org.openqa.selenium.WebElement> lines = browser.findElements(By.cssSelector(
              "svg.chart[data-app='http-echo'][data-metric='" + metric + "'] path.line"));
          Set<String> nodes = new java.util.HashSet<>();
          for (org.openqa.selenium.WebElement line : lines) {
            int points = Integer.parseInt(line.getAttribute("data-points"));
            String d = line.getAttribute("d");
            assertTrue(points > 0 && d.startsWith("M") && d.split(" ").length == points, "a path of " + points
                + " points: " + d);
            nodes.add(line.getAttribute("data-node"));
          }
          assertTrue(nodes.stream().anyMatch(n -> n.contains("nodeaaaa")) && nodes.stream().anyMatch(
              n -> n.contains("nodebbbb")), metric + " lines of " + nodes);
        });
      }
      page("the routing group's split shows both members").untilAsserted(() -> {
        Set<String> members = browser.findElements(By.cssSelector("#routing tr[data-group='greet']")).stream()
            .map(row -> row.getAttribute("data-member")).collect(Collectors.toSet());
        assertEquals(Set.of("http-echo", "http-echo-b"), members);
      });
      await("twenty seconds of samples").atMost(Duration.ofSeconds(60))
          .ignoreException(StaleElementReferenceException.class).untilAsserted(() -> assertTrue(Integer.parseInt(
              browser.findElement(By.cssSelector("svg.chart[data-app='http-echo'][data-metric='req/s'] path.line"))
                  .getAttribute("data-points")) >= 20));
      File shot = browser.getScreenshotAs(OutputType.FILE);
      Files.createDirectories(CLUSTER_SCREENSHOT.getParent());
      Files.copy(shot.toPath(), CLUSTER_SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
      if (Boolean.getBoolean("dashboard.docs-screenshot")) {
        Files.createDirectories(DOCS_SCREENSHOT.getParent());
        Files.copy(shot.toPath(), DOCS_SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      loading.set(false);
      load.join(30_000);
    }
    assertEquals(0, failed.get(), "requests lost under the dashboard's load");
  }

  @Test
  void requestsAppearLiveAndAClickShowsTheirWaterfallAcrossProxyQueueSlotAndWorker() throws Exception {
    browser.get("http://127.0.0.1:" + runtime.adminPort() + "/dashboard");
    page("the live feed connects").until(() -> browser.findElement(By.id("status")).getText().equals("live"));

    // sent after the page is open: they must arrive over the live feed, not the initial fetch
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = get(runtime.proxyPort(), "/http-echo/echo?n=" + i);
      assertEquals(200, r.statusCode(), r.body());
      ids.add(r.headers().firstValue("X-Request-Id").orElseThrow());
    }
    HttpResponse<String> failed = get(runtime.proxyPort(), "/http-echo/no-such-event");
    assertTrue(failed.statusCode() >= 500, "an event the app lacks fails: " + failed.statusCode());
    String failedId = failed.headers().firstValue("X-Request-Id").orElseThrow();

    // The live table re-renders its rows: every check looks them up afresh, and a row replaced
    // between its lookup and its reading is looked up again.
    page("the requests are listed").untilAsserted(() -> {
      Set<String> shown = browser.findElements(By.cssSelector("#requests tr.request")).stream()
          .map(row -> row.getAttribute("data-trace")).collect(Collectors.toSet());
      assertTrue(shown.containsAll(ids) && shown.contains(failedId), "listed " + shown + ", sent " + ids);
    });
    page("a failed request is marked as an error").until(() -> browser.findElement(
        By.cssSelector("#requests tr.request[data-trace='" + failedId + "']")).getAttribute("class").contains("error"));
    page("the app's totals show").until(() ->
        !browser.findElements(By.cssSelector("#apps tr[data-app='http-echo']")).isEmpty());
    page("the flow tree names the app").until(() -> browser.findElement(By.id("tree")).getText().contains("app http-echo"));

    page("a click on a request opens its waterfall").until(() -> {
      browser.findElement(By.cssSelector("#requests tr.request[data-trace='" + ids.get(2) + "']")).click();
      return ids.get(2).equals(browser.findElement(By.id("waterfall-trace")).getText());
    });
    page("the waterfall shows every hop").untilAsserted(() -> {
      Set<String> hops = browser.findElements(By.cssSelector("#waterfall .span")).stream()
          .map(e -> e.getAttribute("data-name")).collect(Collectors.toSet());
      assertTrue(hops.containsAll(Set.of("proxy", "pool", "connection", "app-service", "queue", "slot", "worker")),
          "hops shown: " + hops);
    });
    assertEquals(ids.get(2), browser.findElement(By.id("waterfall-trace")).getText());
    File shot = browser.getScreenshotAs(OutputType.FILE);
    Files.createDirectories(SCREENSHOT.getParent());
    Files.copy(shot.toPath(), SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
  }

  /** A wait on the page that retries when an element it read was replaced meanwhile. */
  static ConditionFactory page(String what) {
    return await(what).atMost(Duration.ofSeconds(20)).ignoreException(StaleElementReferenceException.class);
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static void cli(RuntimeProcess node, String... args) throws Exception {
    RuntimeProcess.CliResult r = node.cli(args);
    assertEquals(0, r.exit(), List.of(args) + ": " + r.output());
  }
}
