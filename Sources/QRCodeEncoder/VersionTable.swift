/// What each version (1...40) offers: its size, where its alignment patterns sit, how many
/// codewords it holds and how they split into error-correction blocks (ISO/IEC 18004 Table 9).
enum VersionTable {
    static let versions = 1...40

    /// Modules per side: 21 for version 1, four more per version, 177 for version 40.
    static func size(of version: Int) -> Int { 17 + 4 * version }

    /// Row and column centres of the alignment patterns (ISO/IEC 18004 Annex E): 6, then
    /// evenly spaced steps (an even number) ending 7 modules from the far edge. Version 32
    /// is the one where rounding the step up gives 26 rather than 28.
    static func alignmentCentres(of version: Int) -> [Int] {
        guard version > 1 else { return [] }
        let count = version / 7 + 2
        let step = version == 32 ? 26 : (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2
        let last = size(of: version) - 7
        return [6] + (0..<count - 1).reversed().map { last - $0 * step }
    }

    /// Modules left for codewords (data and error correction) once every function pattern,
    /// the format and version information and the dark module are placed. Counted, not
    /// tabulated, so it cannot disagree with the matrix layout.
    static func codewordModules(of version: Int) -> Int {
        let size = size(of: version)
        var taken = 3 * 64 + 2 * (size - 16) + 31 // finders with separators, timing, format + dark module
        let alignments = alignmentCentres(of: version).count
        if alignments > 0 {
            // All centre pairs but the three under the finders; those on row/column 6
            // overlap the timing patterns by 5 modules each.
            taken += (alignments * alignments - 3) * 25 - (alignments - 2) * 2 * 5
        }
        if version >= 7 { taken += 2 * 18 }
        return size * size - taken
    }

    /// All codewords of the symbol, data and error correction (26 for version 1, 3706 for 40).
    static func totalCodewords(of version: Int) -> Int { codewordModules(of: version) / 8 }

    static func blocks(of version: Int, _ level: ErrorCorrectionLevel) -> Int {
        blockCounts[level.tableIndex][version - 1]
    }

    static func errorCorrectionPerBlock(of version: Int, _ level: ErrorCorrectionLevel) -> Int {
        errorCorrectionCodewordsPerBlock[level.tableIndex][version - 1]
    }

    /// Codewords left for data at this version and level.
    static func dataCodewords(of version: Int, _ level: ErrorCorrectionLevel) -> Int {
        totalCodewords(of: version) - blocks(of: version, level) * errorCorrectionPerBlock(of: version, level)
    }

    // ISO/IEC 18004 Table 9, columns "number of error correction blocks" and "error correction
    // codewords per block", rows L, M, Q, H, versions 1 to 40. A version's blocks all carry the
    // same number of error-correction codewords; the data codewords split as evenly as
    // possible, the longer blocks last.

    private static let blockCounts: [[Int]] = [
        [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
        [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
        [1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
        [1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
    ]

    private static let errorCorrectionCodewordsPerBlock: [[Int]] = [
        [7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
        [13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    ]
}
