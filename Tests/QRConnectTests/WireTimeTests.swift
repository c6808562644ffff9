import Foundation
import Testing
@testable import QRConnect

@Suite struct WireTimeTests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1_795_611_097.5453, "2026-11-25T12:51:37.545Z"),
        (951_782_400.007, "2000-02-29T00:00:00.007Z"),
        (4_102_444_799.999, "2099-12-31T23:59:59.999Z"),
    ])
    func isoTimeWithMilliseconds(_ seconds: Double, _ expected: String) {
        #expect(WireTime.string(from: Date(timeIntervalSince1970: seconds)) == expected)
    }
}
