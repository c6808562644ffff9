import Foundation
import NIOCore
import PostgresNIO

/// The binary form of a PostgreSQL value, read straight from its bytes for the types the service
/// reads on its hot paths (integers, text, `timestamptz`). Shared by the readers of result rows
/// (`PostgresColumns`) and of rows sent as arrays (`PostgresColumnArrays`), through
/// `PostgresValueReader` below.
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

/// One value of a PostgreSQL result, where it lies: in `buffer`, `length` bytes at `offset`
/// (-1 for NULL), of `type`, in the column named `column` at `columnIndex`.
struct PostgresValue {
    let buffer: ByteBuffer
    let offset: Int
    let length: Int
    let type: PostgresDataType
    let column: String
    let columnIndex: Int

    var isNull: Bool { length < 0 }

    /// The value as PostgresNIO's cell, for its decoding of the types read here by no one.
    /// PostgresNIO always asks for binary results, but a prepared statement's cells carry the
    /// format its description had before it was bound, which is text (PostgresNIO 1.33 keeps that
    /// description for the statement's runs): so the format is given here.
    var cell: PostgresCell {
        PostgresCell(
            bytes: isNull ? nil : buffer.getSlice(at: offset, length: length), dataType: type, format: .binary,
            columnName: column, columnIndex: columnIndex)
    }
}

extension PostgresValue {
    /// A whole cell as PostgresNIO hands it over.
    init(cell bytes: ByteBuffer?, type: PostgresDataType, column: String, columnIndex: Int) {
        self.init(
            buffer: bytes ?? ByteBuffer(), offset: bytes?.readerIndex ?? 0, length: bytes?.readableBytes ?? -1,
            type: type, column: column, columnIndex: columnIndex)
    }
}

/// A `ColumnReader` of PostgreSQL's binary values: integers, text and times read from their bytes
/// (`PostgresBinaryValue`), other types through PostgresNIO's decoding and its errors. A reader
/// says where each named value lies; the reading is the same for every reader.
protocol PostgresValueReader: ColumnReader {
    func value(_ column: String) throws -> PostgresValue
}

extension PostgresValueReader {
    func optionalInt(_ column: String) throws -> Int? {
        let value = try value(column)
        guard !value.isNull else { return nil }
        return try PostgresBinaryValue.int(in: value.buffer, at: value.offset, length: value.length, type: value.type)
            ?? value.cell.decode(Int.self)
    }

    func writeString(_ column: String, to json: inout JSONWriter) throws {
        let value = try value(column)
        guard PostgresBinaryValue.isText(value.type) else {
            return json.string(try value.cell.decode(String?.self))
        }
        guard !value.isNull else { return json.string(nil) }
        let start = value.offset - value.buffer.readerIndex
        value.buffer.withUnsafeReadableBytes { bytes in
            json.string(utf8: UnsafeRawBufferPointer(rebasing: bytes[start..<start + value.length]).bindMemory(to: UInt8.self))
        }
    }

    func optionalString(_ column: String) throws -> String? {
        try value(column).cell.decode(String?.self)
    }

    func optionalDate(_ column: String) throws -> Date? {
        let value = try value(column)
        guard !value.isNull else { return nil }
        return try PostgresBinaryValue.date(in: value.buffer, at: value.offset, length: value.length, type: value.type)
            ?? value.cell.decode(Date?.self)
    }
}
