import Foundation
import Testing
@testable import QRConnect

@Suite struct WireTimeTests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1_795_611_097.5453, "2026-11-25T12:51:37.545Z"),
        (951_782_400.007, "2000-02-29T00:00:00.007Z"),
        (4_102_444_799.999, "2099-12-31T23:59:59.999Z"),
        (1_709_164_800.0, "2024-02-29T00:00:00.000Z"),
        (4_107_542_400.0, "2100-03-01T00:00:00.000Z"),
        (-0.0005, "1969-12-31T23:59:59.999Z"),
    ])
    func isoTimeWithMilliseconds(_ seconds: Double, _ expected: String) {
        #expect(WireTime.string(from: Date(timeIntervalSince1970: seconds)) == expected)
    }

    /// Every day from 1900 to 2200 at a changing time of day, against Foundation's formatter.
    @Test func agreesWithFoundationOnEveryDay() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var mismatches: [String] = []
        for day in -25_567...84_006 {
            // Whole milliseconds, nudged up so that neither side's rounding can differ.
            let milliseconds = Int64(day) * 86_400_000 + Int64(day &* 7_919) % 86_400_000
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000 + 0.0002)
            let ours = WireTime.string(from: date)
            if ours != formatter.string(from: date) { mismatches.append(ours) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }
}
