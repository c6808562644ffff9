/// Finds a result's columns by name, remembering where it found them.
///
/// Callers read every row of a result the same way (`JSONWriter.message(row:marks:)` asks for the
/// same seven names in the same order), so the n-th lookup of a row is first tried where the n-th lookup
/// of the rows before found its column: one comparison of two equal strings, which Swift settles
/// without looking at their bytes when they share storage, instead of hashing the name or
/// comparing it with every column's (a profile of a 100-entry inbox showed comparisons of unequal
/// names at 8 % of its CPU). Scanning the names is left for the first row and for a caller that
/// reads differently.
struct ColumnLookup {
    /// The result's column names, in order.
    let names: [String]
    /// Where each lookup of a row found its column, in the order the caller looks them up.
    private(set) var remembered: [Int]
    private var lookup = 0

    init(names: [String], remembered: [Int] = []) {
        self.names = names
        self.remembered = remembered
    }

    mutating func startRow() {
        lookup = 0
    }

    mutating func index(of column: String) throws -> Int {
        defer { lookup += 1 }
        if lookup < remembered.count {
            let guess = remembered[lookup]
            if names[guess] == column { return guess }
        }
        guard let found = names.firstIndex(of: column) else {
            throw ColumnTypeMismatch(column: column, expected: "a column of the result")
        }
        if lookup < remembered.count {
            remembered[lookup] = found
        } else if lookup == remembered.count {
            remembered.append(found)
        }
        return found
    }
}
