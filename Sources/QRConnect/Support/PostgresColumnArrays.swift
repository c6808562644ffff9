import Fluent
import Foundation
import NIOCore
import PostgresNIO

/// The rows of a statement that hands them over as one row of arrays, one array per column
/// (`SELECT array_agg(a) AS a, array_agg(b) AS b FROM ...`), read row by row as a `ColumnReader`.
///
/// Why: a 100-entry inbox read as 100 rows of 11 columns made PostgresNIO decode 100 row messages
/// and a `PostgresCell` of each of the 1 100 cells (its column's name and its bytes retained and
/// released), more of the service's CPU than the rest of the request. Eleven arrays are eleven
/// cells; their bytes are walked once here and each value is read where it lies. (An array of
/// records, `array_agg(ROW(...))`, reads as cheaply here but cost the server three times as much
/// as the rows: it builds and describes each anonymous record.)
///
/// An array's binary form (PostgreSQL's `array_send`), integers in network order: dimensions
/// (int32), has-NULLs flag (int32), element type (oid); for each dimension its length (int32) and
/// lower bound (int32); then each element: its length (int32, -1 for NULL), its bytes.
final class PostgresColumnArrays: ColumnReader {
    /// Where one value lies in its column's bytes.
    private struct Cell {
        let offset: Int
        /// -1 for NULL.
        let length: Int
    }

    /// Each column's bytes, element type and values, by column.
    private var buffers: [ByteBuffer] = []
    private var types: [PostgresDataType] = []
    /// The cells of column `c` are `cells[c * rowCount ..< (c + 1) * rowCount]`.
    private var cells: [Cell] = []
    private(set) var rowCount = 0
    // One reader per result, used by one thread: no need for the runtime's check of overlapping
    // accesses on every lookup.
    @exclusivity(unchecked) private var columns: ColumnLookup
    private var row = 0

    /// Reads the arrays of `row`, each column's name its values' name. Arrays of no rows (what
    /// `array_agg` makes of none: NULL) make no rows; arrays of different lengths are an error.
    init(_ row: PostgresRow) throws {
        var names: [String] = []
        var counts: [Int] = []
        for cell in row {
            names.append(cell.columnName)
            guard var bytes = cell.bytes else {
                buffers.append(ByteBuffer())
                types.append(cell.dataType)
                counts.append(0)
                continue
            }
            buffers.append(bytes)
            guard let dimensions = bytes.readInteger(as: Int32.self), bytes.readInteger(as: Int32.self) != nil,
                  let elementType = bytes.readInteger(as: UInt32.self), dimensions <= 1 else {
                throw Malformed(column: cell.columnName, what: "a one-dimensional array")
            }
            types.append(PostgresDataType(elementType))
            guard dimensions == 1 else {
                counts.append(0)
                continue
            }
            guard let count = bytes.readInteger(as: Int32.self), count >= 0, bytes.readInteger(as: Int32.self) != nil else {
                throw Malformed(column: cell.columnName, what: "an array's length")
            }
            counts.append(Int(count))
            for _ in 0..<count {
                guard let length = bytes.readInteger(as: Int32.self), Int(length) <= bytes.readableBytes else {
                    throw Malformed(column: cell.columnName, what: "an array's element")
                }
                cells.append(Cell(offset: bytes.readerIndex, length: Int(length)))
                if length > 0 { bytes.moveReaderIndex(forwardBy: Int(length)) }
            }
        }
        columns = ColumnLookup(names: names)
        rowCount = counts.first ?? 0
        guard counts.allSatisfy({ $0 == rowCount }) else {
            throw Malformed(column: names.joined(separator: ", "), what: "arrays of one length")
        }
        if rowCount == 0 { cells.removeAll() }  // NULL arrays beside empty ones
    }

    /// Makes the `index`-th value of each array the current row.
    func select(row index: Int) {
        precondition(index < rowCount, "row \(index) of \(rowCount)")
        row = index
        columns.startRow()
    }

    /// The rows' indexes, in descending order of the integer column `column`.
    func rows(descendingBy column: String) throws -> [Int] {
        guard let index = columns.names.firstIndex(of: column) else {
            throw ColumnTypeMismatch(column: column, expected: "a column of the result")
        }
        let keys = try (0..<rowCount).map { row in
            let cell = cells[index * rowCount + row]
            guard let key = PostgresBinaryValue.int(in: buffers[index], at: cell.offset, length: cell.length, type: types[index]) else {
                throw ColumnTypeMismatch(column: column, expected: "an integer")
            }
            return key
        }
        return keys.indices.sorted { keys[$0] > keys[$1] }
    }

    private func cell(_ column: String) throws -> (index: Int, cell: Cell) {
        let index = try columns.index(of: column)
        return (index, cells[index * rowCount + row])
    }

    /// The value as PostgresNIO's cell, for the types `PostgresBinaryValue` does not read.
    private func postgresCell(_ index: Int, _ cell: Cell) -> PostgresCell {
        let bytes = cell.length < 0 ? nil : buffers[index].getSlice(at: cell.offset, length: cell.length)
        return PostgresCell(bytes: bytes, dataType: types[index], format: .binary, columnName: columns.names[index], columnIndex: index)
    }

    func optionalInt(_ column: String) throws -> Int? {
        let (index, cell) = try cell(column)
        guard cell.length >= 0 else { return nil }
        if let value = PostgresBinaryValue.int(in: buffers[index], at: cell.offset, length: cell.length, type: types[index]) {
            return value
        }
        return try postgresCell(index, cell).decode(Int.self)
    }

    func writeString(_ column: String, to json: inout JSONWriter) throws {
        let (index, cell) = try cell(column)
        guard PostgresBinaryValue.isText(types[index]) else {
            return json.string(try postgresCell(index, cell).decode(String?.self))
        }
        guard cell.length >= 0 else { return json.string(nil) }
        let buffer = buffers[index]
        let start = cell.offset - buffer.readerIndex
        buffer.withUnsafeReadableBytes { bytes in
            json.string(utf8: UnsafeRawBufferPointer(rebasing: bytes[start..<start + cell.length]).bindMemory(to: UInt8.self))
        }
    }

    func optionalString(_ column: String) throws -> String? {
        let (index, cell) = try cell(column)
        return try postgresCell(index, cell).decode(String?.self)
    }

    func optionalDate(_ column: String) throws -> Date? {
        let (index, cell) = try cell(column)
        guard cell.length >= 0 else { return nil }
        if let date = PostgresBinaryValue.date(in: buffers[index], at: cell.offset, length: cell.length, type: types[index]) {
            return date
        }
        return try postgresCell(index, cell).decode(Date?.self)
    }

    struct Malformed: Error, CustomStringConvertible {
        let column: String
        let what: String
        var description: String { "PostgreSQL's \(column) is not \(what) in binary form" }
    }
}

extension FastQuery {
    /// Runs a statement whose one row holds an array per column (`array_agg(x) AS x`, …; see
    /// `PostgresColumnArrays`) and calls `read` with each row those arrays make, in descending
    /// order of the integer column `key`: the order in which an aggregate takes its rows is the
    /// plan's, not a promise, so it is not relied on. PostgreSQL only.
    func eachArrayRow(on db: any Database, descendingBy key: String, _ read: (any ColumnReader) throws -> Void) async throws {
        guard let postgres = db as? any PostgresDatabase else {
            preconditionFailure("arrays of columns are read on PostgreSQL, not on \(type(of: db))")
        }
        for row in try await postgresRows(on: postgres) {
            let arrays = try PostgresColumnArrays(row)
            for index in try arrays.rows(descendingBy: key) {
                arrays.select(row: index)
                try read(arrays)
            }
        }
    }
}
