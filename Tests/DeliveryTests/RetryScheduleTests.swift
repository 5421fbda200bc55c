import Delivery
import XCTest

final class RetryScheduleTests: XCTestCase {
    func testBackoffDoublesToTheMaximum() {
        let s = RetrySchedule()
        let t0: Int64 = 1_000_000
        XCTAssertEqual(s.afterTemporaryFailure(attempts: 1, arrival: t0, now: t0), .retry(at: t0 + 300))
        XCTAssertEqual(s.afterTemporaryFailure(attempts: 2, arrival: t0, now: t0 + 300), .retry(at: t0 + 300 + 600))
        XCTAssertEqual(s.afterTemporaryFailure(attempts: 3, arrival: t0, now: t0), .retry(at: t0 + 1200))
        XCTAssertEqual(s.afterTemporaryFailure(attempts: 4, arrival: t0, now: t0), .retry(at: t0 + 2400))
        XCTAssertEqual(s.afterTemporaryFailure(attempts: 5, arrival: t0, now: t0), .retry(at: t0 + 3600))
        XCTAssertEqual(s.afterTemporaryFailure(attempts: 50, arrival: t0, now: t0), .retry(at: t0 + 3600))
    }

    func testLifetime() {
        let s = RetrySchedule()
        let t0: Int64 = 1_000_000
        XCTAssertEqual(s.afterTemporaryFailure(attempts: 9, arrival: t0, now: t0 + 5 * 86400), .expire)
        XCTAssertEqual(s.afterTemporaryFailure(attempts: 9, arrival: t0, now: t0 + 5 * 86400 - 60), .retry(at: t0 + 5 * 86400))
    }

    func testDelayWarning() {
        var s = RetrySchedule()
        XCTAssertFalse(s.delayWarningDue(arrival: 0, now: 10 * 86400, alreadySent: false))
        s.delayWarning = 4 * 3600
        XCTAssertTrue(s.delayWarningDue(arrival: 0, now: 4 * 3600, alreadySent: false))
        XCTAssertFalse(s.delayWarningDue(arrival: 0, now: 4 * 3600, alreadySent: true))
        XCTAssertFalse(s.delayWarningDue(arrival: 0, now: 3600, alreadySent: false))
    }
}
