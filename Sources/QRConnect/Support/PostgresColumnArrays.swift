import Foundation
import NIOCore
import PostgresNIO

/// The rows of a statement that hands them over as one row of arrays, one array per column
/// (`SELECT array_agg(a) AS a, array_agg(b) AS b FROM ...`), read row by row as a `ColumnReader`.
/// A column that is not an array holds one value for every row (what rides along with a page).
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
final class PostgresColumnArrays: PostgresValueReader {
    /// Where one value lies in its column's bytes.
    private struct Cell {
        let offset: Int
        /// -1 for NULL.
        let length: Int
    }

    /// A column's bytes, the type of its values, and where its values start in `cells`: one value
    /// per row for an array, the same one for every row otherwise.
    private struct Column {
        let buffer: ByteBuffer
        let type: PostgresDataType
        let first: Int
        let isArray: Bool
    }

    private var table: [Column] = []
    private var cells: [Cell] = []
    private(set) var rowCount = 0
    // One reader per result, used by one thread: no need for the runtime's check of overlapping
    // accesses on every lookup.
    @exclusivity(unchecked) private var columns: ColumnLookup
    private var row = 0

    /// The array types a column of arrays may have; any other column holds one value (an array of
    /// another type would be taken for one value, and fail to read as its element: add it here).
    private static let arrayTypes: Set<PostgresDataType> = [
        .int8Array, .int4Array, .int2Array, .textArray, .varcharArray, .timestamptzArray, .boolArray,
    ]

    /// Reads the arrays of `row`, each column's name its values' name. Arrays of no rows (what
    /// `array_agg` makes of none: NULL) make no rows; arrays of different lengths are an error.
    private init(_ row: PostgresRow) throws {
        var names: [String] = []
        var counts: [Int] = []
        for cell in row {
            names.append(cell.columnName)
            let first = cells.count
            guard Self.arrayTypes.contains(cell.dataType) else {
                let bytes = cell.bytes ?? ByteBuffer()
                cells.append(Cell(offset: bytes.readerIndex, length: cell.bytes == nil ? -1 : bytes.readableBytes))
                table.append(Column(buffer: bytes, type: cell.dataType, first: first, isArray: false))
                continue
            }
            guard var bytes = cell.bytes else {
                table.append(Column(buffer: ByteBuffer(), type: cell.dataType, first: first, isArray: true))
                counts.append(0)
                continue
            }
            guard let dimensions = bytes.readInteger(as: Int32.self), bytes.readInteger(as: Int32.self) != nil,
                  let elementType = bytes.readInteger(as: UInt32.self), dimensions <= 1 else {
                throw Malformed(column: cell.columnName, what: "a one-dimensional array")
            }
            table.append(Column(buffer: bytes, type: PostgresDataType(elementType), first: first, isArray: true))
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
    }

    /// Makes the `index`-th value of each array the current row.
    private func select(row index: Int) {
        precondition(index < rowCount, "row \(index) of \(rowCount)")
        row = index
        columns.startRow()
    }

    /// The rows' indexes, in descending order of the integer array `column`.
    private func rows(descendingBy column: String) throws -> [Int] {
        guard let index = columns.names.firstIndex(of: column), table[index].isArray else {
            throw ColumnTypeMismatch(column: column, expected: "an array of the result")
        }
        let keys = table[index]
        let values = try (0..<rowCount).map { row in
            let cell = cells[keys.first + row]
            guard cell.length >= 0,
                  let key = PostgresBinaryValue.int(in: keys.buffer, at: cell.offset, length: cell.length, type: keys.type) else {
                throw ColumnTypeMismatch(column: column, expected: "an integer")
            }
            return key
        }
        return values.indices.sorted { values[$0] > values[$1] }
    }

    /// The rows `row`'s arrays make, each read by `read`, in descending order of the integer
    /// column `key`: the order in which an aggregate takes its rows is the plan's, not a
    /// promise, so it is not relied on.
    static func rows<T>(of row: PostgresRow, descendingBy key: String, _ read: (any ColumnReader) throws -> T) throws -> [T] {
        let arrays = try PostgresColumnArrays(row)
        return try arrays.rows(descendingBy: key).map { index in
            arrays.select(row: index)
            return try read(arrays)
        }
    }

    func value(_ name: String) throws -> PostgresValue {
        let index = try columns.index(of: name)
        let column = table[index]
        let cell = cells[column.first + (column.isArray ? row : 0)]
        return PostgresValue(
            buffer: column.buffer, offset: cell.offset, length: cell.length, type: column.type,
            column: name, columnIndex: index)
    }

    struct Malformed: Error, CustomStringConvertible {
        let column: String
        let what: String
        var description: String { "PostgreSQL's \(column) is not \(what) in binary form" }
    }
}
