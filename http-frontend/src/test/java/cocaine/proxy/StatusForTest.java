package cocaine.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cocaine.wire.ErrorCode;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusForTest {
  @Test
  void everySituationHasTheStatusTheOriginalProxiesGave() {
    Map<StatusFor, Integer> expected = new EnumMap<>(StatusFor.class);
    expected.put(StatusFor.BAD_REQUEST, 400);
    expected.put(StatusFor.NO_ROUTE, 404);
    expected.put(StatusFor.BODY_TOO_SLOW, 408);
    expected.put(StatusFor.BODY_TOO_LARGE, 413);
    expected.put(StatusFor.NO_ROOM_FOR_BODY, 503);
    expected.put(StatusFor.NO_ROOM_FOR_RESPONSE, 503);
    expected.put(StatusFor.REQUEST_TOO_LARGE_FOR_FRAME, 413);
    expected.put(StatusFor.BODY_UNREADABLE, 400);
    expected.put(StatusFor.NO_CONNECTION_IN_TIME, 504);
    expected.put(StatusFor.APP_UNAVAILABLE, 503);
    expected.put(StatusFor.APP_TIMED_OUT, 504);
    expected.put(StatusFor.APP_LOST, 502);
    expected.put(StatusFor.NO_RESPONSE, 502);
    expected.put(StatusFor.NO_RESPONSE_HEAD, 500);
    expected.put(StatusFor.MALFORMED_RESPONSE_HEAD, 502);
    expected.put(StatusFor.APP_ERROR, 500);
    expected.put(StatusFor.NO_LOCATOR, 503);
    expected.put(StatusFor.PROXY_FAILED, 500);
    assertEquals(List.of(StatusFor.values()), List.copyOf(expected.keySet()), "a row without an expected status");
    expected.forEach((row, status) -> assertEquals(status, row.status(), row.name()));
  }

  @Test
  void anAppThatCannotTakeTheRequestNowIsUnavailable() {
    for (ErrorCode code : List.of(ErrorCode.QUEUE_IS_FULL, ErrorCode.POOL_IS_FULL, ErrorCode.SERVICE_NOT_AVAILABLE,
        ErrorCode.NOT_RUNNING, ErrorCode.OVERSEER_SHUTDOWNING, ErrorCode.TRY_AGAIN)) {
      assertEquals(StatusFor.APP_UNAVAILABLE, StatusFor.appError(code), code.toString());
    }
  }

  @Test
  void anAppPastItsDeadlineTimedOut() {
    assertEquals(StatusFor.APP_TIMED_OUT, StatusFor.appError(ErrorCode.DEADLINE));
    assertEquals(StatusFor.APP_TIMED_OUT, StatusFor.appError(ErrorCode.TIMEOUT));
  }

  @Test
  void anyOtherAppErrorIsAnApplicationError() {
    for (ErrorCode code : List.of(ErrorCode.WORKER_UNCAUGHT, ErrorCode.WORKER_NO_HANDLER, ErrorCode.INVALID_ARGUMENT,
        ErrorCode.NOT_CONNECTED, new ErrorCode(ErrorCode.CATEGORY_WORKER_USER, 1))) {
      assertEquals(StatusFor.APP_ERROR, StatusFor.appError(code), code.toString());
    }
  }

  @Test
  void aLeaseRefusedForTimeIsATimeoutAndAnyOtherRefusalUnavailable() {
    assertEquals(StatusFor.NO_CONNECTION_IN_TIME, StatusFor.refusedLease(ErrorCode.TIMEOUT));
    for (ErrorCode code : List.of(ErrorCode.SERVICE_NOT_AVAILABLE, ErrorCode.NOT_FOUND, ErrorCode.TRY_AGAIN,
        ErrorCode.DEADLINE)) {
      assertEquals(StatusFor.APP_UNAVAILABLE, StatusFor.refusedLease(code), code.toString());
    }
  }
}
