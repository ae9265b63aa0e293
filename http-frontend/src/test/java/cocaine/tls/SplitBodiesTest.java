package cocaine.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SplitBodiesTest {
  static ActorTestKit kit;
  static ActorSystem<?> system;

  @BeforeAll
  static void start() {
    kit = ActorTestKit.create();
    system = kit.system();
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static HttpRequest post(long length, Source<ByteString, NotUsed> body) {
    return HttpRequest.POST("/app/event").withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, length, body));
  }

  private static List<HttpRequest> run(HttpRequest request, long maxBytes) {
    return SplitBodies.whole(request, maxBytes).runWith(Sink.seq(), system).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }

  private static ByteString read(HttpRequest request) {
    return request.entity().toStrict(5000, system).toCompletableFuture().join().getData();
  }

  @Test
  void aBodyWhoseBytesAllComeInItsFirstChunkBecomesStrict() {
    List<HttpRequest> out = run(post(5, Source.single(ByteString.fromString("hello"))), 65536);
    assertEquals(1, out.size());
    HttpEntity.Strict strict = assertInstanceOf(HttpEntity.Strict.class, out.get(0).entity());
    assertEquals("hello", strict.getData().utf8String());
    assertEquals(ContentTypes.APPLICATION_OCTET_STREAM, strict.getContentType());
    assertEquals("/app/event", out.get(0).getUri().path());
  }

  @Test
  void aBodyInSeveralChunksGoesOnStreamedWithAllItsBytes() {
    List<HttpRequest> out = run(post(11, Source.from(List.of(ByteString.fromString("hello "), ByteString.fromString("world")))), 65536);
    assertEquals(1, out.size());
    assertFalse(out.get(0).entity().isStrict(), "a body still arriving is the handler's to read, with its limits and timeout");
    assertEquals(11, out.get(0).entity().getContentLengthOption().getAsLong());
    assertEquals("hello world", read(out.get(0)).utf8String());
  }

  @Test
  void aBodyLargerThanOneReadIsLeftUnread() {
    AtomicBoolean read = new AtomicBoolean();
    HttpRequest request = post(100_000, Source.single(ByteString.fromArray(new byte[100_000])).mapMaterializedValue(m -> {
      read.set(true);
      return m;
    }));
    List<HttpRequest> out = run(request, 65536);
    assertSame(request, out.get(0));
    assertFalse(read.get());
  }

  @Test
  void aRequestExpectingContinueIsLeftUnreadForTheHandlerToRefuseOrAccept() {
    AtomicBoolean read = new AtomicBoolean();
    HttpRequest request = post(5, Source.single(ByteString.fromString("hello")).mapMaterializedValue(m -> {
      read.set(true);
      return m;
    })).addHeader(RawHeader.create("Expect", "100-continue"));
    List<HttpRequest> out = run(request, 65536);
    assertSame(request, out.get(0));
    assertFalse(read.get(), "reading the body would have sent 100 Continue before the handler decided");
  }

  @Test
  void strictAndChunkedBodiesAreLeftAsTheyAre() {
    HttpRequest strict = HttpRequest.POST("/a").withEntity("small");
    HttpRequest chunked = HttpRequest.POST("/a").withEntity(HttpEntities.createChunked(ContentTypes.TEXT_PLAIN_UTF8,
        Source.single(ByteString.fromString("x"))));
    assertSame(strict, run(strict, 65536).get(0));
    assertSame(chunked, run(chunked, 65536).get(0));
  }

  @Test
  void aBodyThatFailsBeforeItsFirstBytesReachesTheHandlerOnceFailingTheSameWay() {
    IOException cut = new IOException("peer gone mid-request");
    List<HttpRequest> out = run(post(5, Source.failed(cut)), 65536);
    assertEquals(1, out.size());
    CompletionException e = assertThrows(CompletionException.class, () -> read(out.get(0)));
    assertSame(cut, e.getCause());
  }

  @Test
  void aBodyCutAfterItsFirstChunkFailsTheHandlersRead() {
    IOException cut = new IOException("peer gone mid-request");
    List<HttpRequest> out = run(post(11, Source.single(ByteString.fromString("hello ")).concat(Source.failed(cut))), 65536);
    assertEquals(1, out.size());
    CompletionException e = assertThrows(CompletionException.class, () -> read(out.get(0)));
    assertTrue(e.getCause() == cut || e.getCause().getCause() == cut, e.toString());
  }
}
