import Foundation
import NIOCore
import PostgresNIO

/// The binary form of a PostgreSQL value, read straight from its bytes for the types the service
/// reads on its hot paths (integers, text, `timestamptz`). Shared by the readers of result rows
/// (`PostgresColumns`) and of rows sent as arrays (`PostgresColumnArrays`).
///
/// PostgresNIO's generic decoding was a third of the inbox's reading (100 rows of 13 columns) in
/// the profile, and most of reading a page's times. For other types the readers hand the value to
/// PostgresNIO's decoding, and its errors.
enum PostgresBinaryValue {
    /// An integer of `type` in `length` bytes at `offset`; nil if `type` is not one of PostgreSQL's
    /// integers or the length is not its size.
    static func int(in buffer: ByteBuffer, at offset: Int, length: Int, type: PostgresDataType) -> Int? {
        switch (type, length) {
        case (.int8, 8): buffer.getInteger(at: offset, as: Int64.self).map(Int.init)
        case (.int4, 4): buffer.getInteger(at: offset, as: Int32.self).map(Int.init)
        case (.int2, 2): buffer.getInteger(at: offset, as: Int16.self).map(Int.init)
        default: nil
        }
    }

    /// Whether `type` is text whose bytes are its UTF-8 characters.
    static func isText(_ type: PostgresDataType) -> Bool {
        type == .text || type == .varchar
    }

    /// A `timestamptz` is microseconds since 2000, made a `Date` as PostgresNIO makes it (the same
    /// `Date`, to the bit); nil if `type` is not `timestamptz` or the length is not its size.
    static func date(in buffer: ByteBuffer, at offset: Int, length: Int, type: PostgresDataType) -> Date? {
        guard type == .timestamptz, length == 8, let microseconds = buffer.getInteger(at: offset, as: Int64.self) else {
            return nil
        }
        return Date(timeInterval: Double(microseconds) / 1_000_000, since: postgresEpoch)
    }

    /// 2000-01-01 00:00 UTC, where PostgreSQL's times count from.
    private static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)
}
